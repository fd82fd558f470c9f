"""The restore drill with the stored files in an S3-compatible object store (moto's server on
loopback, tests/deploy/s3_server.py) and the database on PostgreSQL: ``hocbaso backup`` reads every
object through Django's storage API; ``hocbaso restore`` checks every SHA-256 and the audit chain on
a staged copy, then writes the objects back to the bucket (each read back and re-hashed) and swaps
the database. A backup that disagrees with its manifest, names a file outside its folders or passes
the restore's limits is refused with the bucket and the database as they were.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.deploy.conftest import POSTGRES, Deployment, demo_deployment, own_postgres_database, psql
from tests.deploy.s3_server import S3Server, s3_server


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with s3_server(tmp_path_factory.mktemp("s3-logs")) as server:
        yield server


@pytest.fixture(scope="module")
def deployment(store: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """PostgreSQL + the bucket, seeded once (demo PKI, three signed versions, the chain anchored)."""
    with own_postgres_database("hocbaso_s3drill") as name:
        deployment = demo_deployment(
            tmp_path_factory.mktemp("s3drill") / "var", DATABASE_URL=f"{POSTGRES}/{name}", **store.environment()
        )
        deployment.seed("drill")
        yield deployment


@pytest.fixture(scope="module")
def backup(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = tmp_path_factory.mktemp("s3backup") / "backup.tar"
    done = deployment.run("backup", "--out", str(made))
    assert "objects read through the storage API" in done.stdout
    return made


def _hashes(objects: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(content).hexdigest() for name, content in objects.items()}


def _database(deployment: Deployment) -> str:
    return deployment.env["DATABASE_URL"].rsplit("/", 1)[1]


def _state(deployment: Deployment, store: S3Server) -> tuple[dict[str, str], str, str, list[Path]]:
    """What a refused restore must leave as it was: the bucket, the audit rows, the databases, the disk."""
    name = _database(deployment)
    audit = psql(name, "SELECT md5(string_agg(hash || changes::text, ',' ORDER BY id)) FROM audit_auditevent")
    query = f"SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE '{name}%'"  # noqa: S608
    databases = psql("postgres", query)
    leftovers = sorted([*deployment.var.glob(".restore-*"), *deployment.var.glob("restore-previous-*")])
    return _hashes(store.objects()), audit, databases, leftovers


def _members(backup: Path) -> dict[str, bytes]:
    with tarfile.open(backup) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def _write(target: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(target, "w") as out:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            out.addfile(info, io.BytesIO(content))
    return target


def _with_manifest_fixed(members: dict[str, bytes]) -> dict[str, bytes]:
    """``members`` with a manifest listing each of them with its true size and SHA-256."""
    manifest = json.loads(members["manifest.json"])
    manifest["files"] = [
        {"name": name, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        for name, content in members.items()
        if name != "manifest.json"
    ]
    return {**members, "manifest.json": json.dumps(manifest).encode()}


def test_the_backup_holds_every_object_of_the_bucket_with_its_hash(
    deployment: Deployment, store: S3Server, backup: Path
) -> None:
    objects = _hashes(store.objects())
    members = _members(backup)
    manifest = json.loads(members["manifest.json"])
    listed = {e["name"]: e["sha256"] for e in manifest["files"]}

    assert manifest["files_from"] == "object store" and manifest["engine"] == "postgresql"
    assert any(name.startswith("records/") and name.endswith(".pdf") for name in objects)
    assert {f"media/{name}": digest for name, digest in objects.items()} == {
        name: digest for name, digest in listed.items() if name.startswith("media/")
    }
    assert all(hashlib.sha256(members[name]).hexdigest() == digest for name, digest in listed.items())
    # The files were read from the bucket: none of them is on this machine's disk.
    assert not [p for p in (deployment.var / "media").rglob("*") if p.is_file()]


def _hostile_backups(backup: Path, tmp_path: Path) -> list[tuple[Path, str, list[str]]]:
    members = _members(backup)
    pdf = next(name for name in members if name.startswith("media/records/") and name.endswith(".pdf"))
    altered = dict(members)
    altered[pdf] = members[pdf][:200] + bytes([members[pdf][200] ^ 1]) + members[pdf][201:]
    climbing = _with_manifest_fixed({**members, "media/../../escaped.pdf": b"%PDF-1.7 planted"})
    absolute = _with_manifest_fixed({**members, str(tmp_path / "absolute.pdf"): b"%PDF-1.7 planted"})
    return [
        (_write(tmp_path / "altered.tar", altered), f"{pdf} does not match its SHA-256", []),
        (_write(tmp_path / "climbing.tar", climbing), "unsafe name: 'media/../../escaped.pdf'", []),
        (_write(tmp_path / "absolute.tar", absolute), "unsafe name", []),
        (backup, "more than 3 files (the limit; --max-files)", ["--max-files", "3"]),
        (backup, "more than 10,000 bytes (the limit; --max-bytes)", ["--max-bytes", "10000"]),
    ]


def test_hostile_backups_are_refused_with_the_bucket_and_the_database_untouched(
    deployment: Deployment, store: S3Server, backup: Path, tmp_path: Path
) -> None:
    before = _state(deployment, store)

    for bad, reason, options in _hostile_backups(backup, tmp_path):
        refused = deployment.run("restore", str(bad), *options, check=False)
        assert refused.returncode == 1, (bad, refused.stdout)
        assert "Backup refused, nothing was changed" in refused.stderr and reason in refused.stderr, refused.stderr
        assert _state(deployment, store) == before

    assert not (tmp_path / "absolute.pdf").exists()
    assert not list(deployment.var.parent.rglob("escaped.pdf"))


def _damage(deployment: Deployment, store: S3Server, objects: dict[str, bytes]) -> Callable[[], None]:
    """Delete one record file in the bucket, alter another, plant a third; rewrite and delete audit rows."""
    client = store.client()
    pdfs = sorted(name for name in objects if name.startswith("records/") and name.endswith(".pdf"))
    client.delete_object(Bucket=store.bucket, Key=pdfs[0])
    client.put_object(Bucket=store.bucket, Key=pdfs[1], Body=objects[pdfs[1]][:-10] + b"0123456789")
    client.put_object(Bucket=store.bucket, Key="records/planted.pdf", Body=b"%PDF-1.7 planted by an insider")
    name = _database(deployment)
    psql(name, "UPDATE audit_auditevent SET changes = '{\"forged\": true}' WHERE id = 2")
    psql(name, "DELETE FROM audit_auditevent WHERE id = 3")

    def broken() -> None:
        assert deployment.run("audit-verify", check=False).returncode == 1
        rehash = deployment.run("records", "rehash", check=False)
        assert rehash.returncode == 1 and "MISMATCH" in rehash.stderr

    return broken


def test_restore_drill_with_the_object_store_on_postgresql(
    deployment: Deployment, store: S3Server, backup: Path
) -> None:
    objects = store.objects()
    _damage(deployment, store, objects)()

    done = deployment.run("restore", str(backup))

    assert "_before_restore_" in done.stdout and "object(s) written back and read back" in done.stdout
    assert "Audit chain intact" in deployment.run("audit-verify").stdout
    assert deployment.run("records", "rehash").returncode == 0
    assert _hashes(store.objects()) == _hashes(objects)  # every object back, the planted one gone
    previous = next(deployment.var.glob("restore-previous-*"))
    kept = {p.relative_to(previous).as_posix() for p in previous.rglob("*") if p.is_file()}
    assert "media/records/planted.pdf" in kept  # what the restore replaced or removed is kept aside
    assert not list(deployment.var.glob(".restore-*"))
