"""The restore drill: back up, damage the live data, restore, and the deployment's own checks are
clean again; a damaged or forged backup is refused before anything live is touched. Every step is
the ``hocbaso`` command run as an operator runs it (conftest.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.deploy.conftest import Deployment

PASSPHRASE = "ngựa đúng pin kẹp giấy"  # non-ASCII on purpose


@pytest.fixture(scope="module")
def backup(seeded_sqlite: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One backup of the seeded deployment, restored into each test's copy of it."""
    made = tmp_path_factory.mktemp("backup") / "backup.tar"
    seeded_sqlite.run("backup", "--out", str(made))
    return made


def _members(backup: Path) -> dict[str, bytes]:
    with tarfile.open(backup) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def _record_files(var: Path) -> list[Path]:
    return sorted(p for p in (var / "media" / "records").rglob("*") if p.is_file())


def _damage_audit_sqlite(database: Path) -> None:
    """What an insider with the database file does: rewrite an anchored audit event."""
    with sqlite3.connect(database) as db:
        db.execute("UPDATE audit_auditevent SET changes = '{\"forged\": true}' WHERE id = 2")


def _broken_after_damage(deployment: Deployment) -> None:
    assert deployment.run("audit-verify", check=False).returncode == 1
    rehash = deployment.run("records", "rehash", check=False)
    assert rehash.returncode == 1 and "MISMATCH" in rehash.stderr


def _restored_clean(deployment: Deployment) -> None:
    assert "Audit chain intact" in deployment.run("audit-verify").stdout
    assert deployment.run("records", "rehash").returncode == 0


def _damage_files(var: Path) -> None:
    files = _record_files(var)
    files[0].unlink()  # a record file lost
    files[1].write_bytes(files[1].read_bytes()[:-10] + b"0123456789")  # another altered


def test_the_backup_lists_every_file_with_its_hash_and_holds_no_private_key(
    sqlite_deployment: Deployment, backup: Path, tmp_path: Path
) -> None:

    members = _members(backup)
    manifest = json.loads(members.pop("manifest.json"))
    assert manifest["format"] == "hocbaso-backup/1" and manifest["engine"] == "sqlite"
    assert {e["name"]: e["sha256"] for e in manifest["files"]} == {
        name: hashlib.sha256(content).hexdigest() for name, content in members.items()
    }
    stored = {
        f"media/{p.relative_to(sqlite_deployment.var / 'media').as_posix()}"
        for p in _record_files(sqlite_deployment.var)
    }
    assert stored and stored <= set(members)
    assert {"database/hocbaso.sqlite3", "pki/root.cert.pem", "pki/roots.pem", "ledger/log-key.pub.pem"} <= set(members)
    for name, content in members.items():
        assert b"PRIVATE KEY" not in content or name == "database/hocbaso.sqlite3", name
        assert not name.endswith((".p12", ".key.pem")) and name != "secret_key", name
    assert backup.stat().st_mode & 0o077 == 0  # children's data: readable by the owner only


def test_restore_drill_on_sqlite(sqlite_deployment: Deployment, backup: Path, tmp_path: Path) -> None:
    _damage_files(sqlite_deployment.var)
    _damage_audit_sqlite(sqlite_deployment.var / "hocbaso.sqlite3")
    _broken_after_damage(sqlite_deployment)

    done = sqlite_deployment.run("restore", str(backup))

    assert "Audit chain intact" in done.stdout and "restore-previous-" in done.stdout
    _restored_clean(sqlite_deployment)
    assert not list(sqlite_deployment.var.glob(".restore-*"))  # the staging copy is gone


def _tampered_copy(backup: Path, target: Path, name: str, change) -> None:
    """``backup`` with member ``name`` replaced by ``change(bytes)``, the manifest left as it was."""
    with tarfile.open(backup) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            content = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == name:
                content = change(content)
            member.size = len(content)
            out.addfile(member, io.BytesIO(content))


def test_a_backup_damaged_by_one_byte_is_refused_and_nothing_live_changes(
    sqlite_deployment: Deployment, backup: Path, tmp_path: Path
) -> None:
    name = next(n for n in _members(backup) if n.endswith(".pdf"))
    damaged = tmp_path / "damaged.tar"
    _tampered_copy(backup, damaged, name, lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:])
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    before = sqlite_deployment.fingerprint()

    for bad, reason in ((damaged, f"{name} does not match its SHA-256"), (truncated, "")):
        refused = sqlite_deployment.run("restore", str(bad), check=False)
        assert refused.returncode == 1
        assert "Backup refused, nothing was changed" in refused.stderr and reason in refused.stderr

    assert sqlite_deployment.fingerprint() == before
    assert not list(sqlite_deployment.var.glob(".restore-*")) and not list(
        sqlite_deployment.var.glob("restore-previous-*")
    )


def test_a_forged_backup_with_a_recomputed_manifest_is_refused_by_the_audit_chain(
    sqlite_deployment: Deployment, backup: Path, tmp_path: Path
) -> None:
    """A forger edits the database in the backup and fixes its hash in the manifest: the hashes
    match, but the audit trail no longer agrees with its anchors, signed with the log key."""
    members = _members(backup)
    database = tmp_path / "forged.sqlite3"
    database.write_bytes(members["database/hocbaso.sqlite3"])
    _damage_audit_sqlite(database)
    members["database/hocbaso.sqlite3"] = database.read_bytes()
    manifest = json.loads(members["manifest.json"])
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256(members[entry["name"]]).hexdigest()
        entry["size"] = len(members[entry["name"]])
    members["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.tar"
    with tarfile.open(forged, "w") as out:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            out.addfile(info, io.BytesIO(content))
    before = sqlite_deployment.fingerprint()

    refused = sqlite_deployment.run("restore", str(forged), check=False)

    assert refused.returncode == 1
    assert "hocbaso audit-verify" in refused.stderr
    assert sqlite_deployment.fingerprint() == before


def test_private_keys_travel_only_encrypted_and_come_back_with_the_passphrase(
    sqlite_deployment: Deployment, tmp_path: Path
) -> None:
    var = sqlite_deployment.var
    secrets = {
        p: p.read_bytes()
        for p in [
            var / "secret_key",
            var / "ledger" / "log-key.pem",
            *var.glob("pki/*.key.pem"),
            *var.glob("pki/credentials/*.p12"),
        ]
    }
    assert len(secrets) > 5
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n", encoding="utf-8")
    backup = tmp_path / "backup.tar"
    sqlite_deployment.run("backup", "--out", str(backup), "--with-keys", "--passphrase-file", str(passphrase))
    sealed = _members(backup)["keys.enc"]
    assert b"PRIVATE KEY" not in sealed and secrets[var / "secret_key"] not in sealed
    # The keys are lost with the rest of the machine's data.
    for path in secrets:
        path.unlink()
    _damage_files(var)

    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase at all", encoding="utf-8")
    refused = sqlite_deployment.run("restore", str(backup), "--with-keys", "--passphrase-file", str(wrong), check=False)
    assert refused.returncode == 1 and "wrong passphrase" in refused.stderr
    without = sqlite_deployment.run("restore", str(backup), check=False)  # no key to check the log with
    assert without.returncode == 1 and "No ledger key" in without.stderr

    sqlite_deployment.run("restore", str(backup), "--with-keys", "--passphrase-file", str(passphrase))

    assert {p: p.read_bytes() for p in secrets} == secrets
    assert all(p.stat().st_mode & 0o077 == 0 for p in secrets)
    _restored_clean(sqlite_deployment)


def test_a_backup_without_keys_asked_for_them_is_refused(
    sqlite_deployment: Deployment, backup: Path, tmp_path: Path
) -> None:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE, encoding="utf-8")
    refused = sqlite_deployment.run(
        "restore", str(backup), "--with-keys", "--passphrase-file", str(passphrase), check=False
    )
    assert refused.returncode == 1 and "made without its private keys" in refused.stderr


def test_restore_drill_on_postgresql(postgres_deployment: Deployment, tmp_path: Path) -> None:
    postgres_deployment.seed("drill")
    backup = tmp_path / "backup.tar"
    postgres_deployment.run("backup", "--out", str(backup))
    assert "database/hocbaso.pgdump" in _members(backup)
    url = postgres_deployment.env["DATABASE_URL"]
    _damage_files(postgres_deployment.var)
    subprocess.run(
        ["psql", url, "-c", "UPDATE audit_auditevent SET changes = '{\"forged\": true}' WHERE id = 2"],
        check=True,
        capture_output=True,
    )
    _broken_after_damage(postgres_deployment)

    done = postgres_deployment.run("restore", str(backup))

    assert "_before_restore_" in done.stdout
    _restored_clean(postgres_deployment)
