"""Backups of a deployment and their restoration (``hocbaso backup`` / ``hocbaso restore``).

A backup is one tar file::

    manifest.json              format, time, database engine, and every other member's SHA-256 and size
    database/hocbaso.sqlite3   SQLite: ``VACUUM INTO`` (a consistent copy while the server runs)
    database/hocbaso.pgdump    PostgreSQL: ``pg_dump --format=custom`` (one snapshot transaction)
    media/…                    the stored files (record PDFs and XMLs, uploads awaiting confirmation),
                               from disk or, with ``HOCBASO_S3_BUCKET``, every object of the bucket
                               read through Django's storage API
    pki/…                      public PKI material: certificates, CRLs, the demo PKI's state
    ledger/log-key.pub.pem     the transparency log's public key
    keys.enc                   only with ``--with-keys``: every private key, encrypted (below)

**Consistency.** The database is copied first, in one snapshot; the stored files after it. Files
are content-addressed and written before the row that names them commits, so every file the
copied database names is in the backup (a file stored meanwhile is merely extra).

**Private keys** (``secret_key``, the ledger's Ed25519 key, the PKI's ``*.key.pem``, PKCS#12
credentials, any file holding a PEM private key) are left out unless asked for. Then they travel
as ``keys.enc``: a tar of them encrypted with AES-256-GCM under a key derived from a passphrase
with scrypt (n=2^17, r=8, p=1; RFC 7914), the header (format, KDF parameters, salt, nonce) bound
as associated data — both from ``cryptography``, nothing of our own (docs/adr/0010-backups.md).

**Restore** unpacks into a staging directory beside the live data and checks, before anything
live is touched: every member is listed in the manifest with its size and SHA-256 and nothing is
missing or extra; the keys open with the passphrase; the backup's log key is the one the live
deployment (or the restored keys) will check with; then, in the staged copy run as a deployment
of its own, ``hocbaso migrate``, ``hocbaso audit-verify`` (the hash chain against every anchor and
signed tree head) and ``hocbaso records rehash``. Only when all pass are the database and the files
swapped in; what they replace is kept aside under ``VAR_DIR/restore-previous-<time>/`` (PostgreSQL:
the old database renamed ``<name>_before_restore_<time>``). Stop the web server and the workers
first (deploy/README.md).

**Object store.** The staged checks read the staged files from disk, never the live bucket. The
swap then writes every object the bucket lacks or holds with other bytes (read back and re-hashed),
swaps the database, and removes the objects the backup does not hold; what it replaces or removes
is copied to ``VAR_DIR/restore-previous-<time>/media/`` first. **Limits** (:class:`Limits`, the
free space) are checked on the archive's headers before a byte is unpacked.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage

from hocbaso.core import clock

FORMAT = "hocbaso-backup/1"
KEYS_FORMAT = "hocbaso-backup-keys/1"
MANIFEST = "manifest.json"
KEYS_MEMBER = "keys.enc"
LEDGER_PUBLIC = "ledger/log-key.pub.pem"
LEDGER_KEY_ENV = "HOCBASO_LEDGER_KEY_FILE"
SCRYPT = {"n": 2**17, "r": 8, "p": 1}
MIN_PASSPHRASE = 12
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why, for the operator."""


# --- where things live ------------------------------------------------------------------------------


def var_dir() -> Path:
    return Path(settings.VAR_DIR)


def object_store() -> Storage | None:
    """The object store (S3-compatible, ``HOCBASO_S3_BUCKET``) holding the stored files; None when
    they are on this machine's disk."""
    from django.core.files.storage import FileSystemStorage, default_storage

    if isinstance(default_storage, FileSystemStorage):
        return None
    return default_storage


def media_root() -> Path:
    from django.core.files.storage import FileSystemStorage, default_storage

    if not isinstance(default_storage, FileSystemStorage):
        raise BackupError("The stored files are in the object store, not under a folder of this machine.")
    return Path(default_storage.location)


def stored_names(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file's name in ``storage`` (walked through Django's storage API), sorted."""
    directories, files = storage.listdir(directory)
    prefix = f"{directory.rstrip('/')}/" if directory else ""
    names = [prefix + name for name in files] + [
        name for sub in directories for name in stored_names(storage, prefix + sub)
    ]
    yield from sorted(names)


def is_safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(path.parts) and not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def ledger_key_path() -> Path:
    """The log's private key, as ``ledger/keys.py`` finds it (the environment wins)."""
    configured = os.environ.get(LEDGER_KEY_ENV, "").strip()
    return Path(configured) if configured else var_dir() / "ledger" / "log-key.pem"


def database() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def engine() -> str:
    name = database()["ENGINE"]
    if name.endswith("sqlite3"):
        return "sqlite"
    if name.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Backups know SQLite and PostgreSQL, not {name}.")


def is_private(path: Path) -> bool:
    """A file that holds a private key or a secret (never in a backup's clear part)."""
    if path.suffix.lower() in {".p12", ".pfx", ".key"} or path.name.endswith(".key.pem") or path.name == "secret_key":
        return True
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    return b"PRIVATE KEY-----" in head


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


def private_files() -> list[tuple[str, Path]]:
    """(name in the key archive, file) of every secret this deployment keeps on disk."""
    found: list[tuple[str, Path]] = []
    secret = var_dir() / "secret_key"
    if secret.is_file():
        found.append(("secret_key", secret))
    if ledger_key_path().is_file():
        found.append(("ledger/log-key.pem", ledger_key_path()))
    for path in _files(var_dir() / "pki"):
        if is_private(path):
            found.append((f"pki/{path.relative_to(var_dir() / 'pki').as_posix()}", path))
    return found


# --- hashing while streaming --------------------------------------------------------------------------


class _Hashing(io.RawIOBase):
    """A reader that hashes what passes through it."""

    def __init__(self, inner: IO[bytes]):
        self.inner = inner
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- key archive ----------------------------------------------------------------------------------------


def _derive(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(passphrase.encode())


def seal_keys(files: list[tuple[str, Path]], passphrase: str) -> bytes:
    """The private files as an encrypted, authenticated archive (header line + AES-GCM ciphertext)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"The passphrase needs at least {MIN_PASSPHRASE} characters.")
    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w") as archive:
        for name, path in files:
            archive.add(str(path), arcname=name, recursive=False)
    salt, nonce = os.urandom(16), os.urandom(12)
    header = json.dumps(
        {
            "format": KEYS_FORMAT,
            "kdf": "scrypt",
            **SCRYPT,
            "cipher": "AES-256-GCM",
            "salt": base64.b64encode(salt).decode(),
            "nonce": base64.b64encode(nonce).decode(),
        },
        sort_keys=True,
    ).encode()
    ciphertext = AESGCM(_derive(passphrase, salt, SCRYPT)).encrypt(nonce, plain.getvalue(), header)
    return header + b"\n" + ciphertext


def open_keys(sealed: bytes, passphrase: str) -> bytes:
    """The key archive's tar bytes; BackupError for a wrong passphrase or altered bytes."""
    header, _sep, ciphertext = sealed.partition(b"\n")
    try:
        info = json.loads(header)
        if info.get("format") != KEYS_FORMAT or info.get("kdf") != "scrypt":
            raise ValueError(info.get("format"))
        params = {name: int(info[name]) for name in ("n", "r", "p")}
        key = _derive(passphrase, base64.b64decode(info["salt"]), params)
        return AESGCM(key).decrypt(base64.b64decode(info["nonce"]), ciphertext, header)
    except InvalidTag:
        raise BackupError("The private keys do not open: wrong passphrase, or the key archive was altered.") from None
    except (ValueError, KeyError, TypeError):
        raise BackupError("The private keys' archive is not one this program writes.") from None


# --- making a backup ----------------------------------------------------------------------------------


@dataclass
class Written:
    path: Path
    members: int = 0
    bytes: int = 0
    database: str = ""
    keys: bool = False
    objects: int = 0  # stored files read from the object store
    skipped: list[str] = field(default_factory=list)  # object names no file system could hold


@contextlib.contextmanager
def _pg_environment() -> Iterator[dict[str, str]]:
    """The environment that lets pg_dump/pg_restore/psql reach the configured server."""
    db = database()
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    yield env


def _snapshot_database(directory: Path) -> Path:
    if engine() == "sqlite":
        target = directory / "hocbaso.sqlite3"
        # Through Django's connection: the schema's checks call the REGEXP function Django registers.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(target)])
        return target
    target = directory / "hocbaso.pgdump"
    with _pg_environment() as env:
        done = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), database()["NAME"]],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return target


def make_backup(out: Path, *, passphrase: str | None = None, progress: Callable[[str], None] = print) -> Written:
    """Write a backup of this deployment to ``out`` (with the private keys when ``passphrase``)."""
    out = out.resolve()
    store = object_store()
    media = media_root() if store is None else None
    written = Written(out)
    entries: list[dict[str, Any]] = []
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="hocbaso-backup-", dir=out.parent) as work:
        snapshot = _snapshot_database(Path(work))
        written.database = f"database/{snapshot.name}"
        progress(f"database: {snapshot.stat().st_size:,} bytes ({engine()})")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:

            def add(name: str, path: Path) -> None:
                info = tarfile.TarInfo(name)
                info.size = path.stat().st_size
                info.mtime = int(path.stat().st_mtime)
                info.mode = 0o600
                with path.open("rb") as handle:
                    hashing = _Hashing(handle)
                    tar.addfile(info, io.BufferedReader(hashing, CHUNK))
                entries.append({"name": name, "size": info.size, "sha256": hashing.digest.hexdigest()})
                written.bytes += info.size

            def add_stored(storage: Storage, name: str) -> None:
                """One object of the store, read through the storage API and hashed as it streams."""
                info = tarfile.TarInfo(f"media/{name}")
                info.size = storage.size(name)
                info.mtime = int(clock.now().timestamp())
                info.mode = 0o600
                with storage.open(name, "rb") as handle:
                    hashing = _Hashing(handle)
                    tar.addfile(info, io.BufferedReader(hashing, CHUNK))
                entries.append({"name": info.name, "size": info.size, "sha256": hashing.digest.hexdigest()})
                written.bytes += info.size
                written.objects += 1

            add(written.database, snapshot)
            if store is None:
                assert media is not None
                for path in _files(media):
                    add(f"media/{path.relative_to(media).as_posix()}", path)
            else:
                for name in stored_names(store):
                    if not is_safe_name(name):
                        # A key no restore could write back as a file (``..``, ``//``…): never from this app.
                        progress(f"left out of the backup, unsafe object name: {name!r}")
                        written.skipped.append(name)
                        continue
                    add_stored(store, name)
                progress(f"object store: {written.objects:,} objects read through the storage API")
            for path in _files(var_dir() / "pki"):
                if not is_private(path):
                    add(f"pki/{path.relative_to(var_dir() / 'pki').as_posix()}", path)
            if ledger_key_path().is_file():
                public = Path(work) / "log-key.pub.pem"
                public.write_bytes(_public_pem(ledger_key_path()))
                add(LEDGER_PUBLIC, public)
            if passphrase is not None:
                sealed = Path(work) / KEYS_MEMBER
                sealed.write_bytes(seal_keys(private_files(), passphrase))
                add(KEYS_MEMBER, sealed)
                written.keys = True
            manifest = json.dumps(
                {
                    "format": FORMAT,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "engine": engine(),
                    "files_from": "object store" if store is not None else "disk",
                    "database": written.database,
                    "with_keys": written.keys,
                    "files": entries,
                },
                indent=1,
                ensure_ascii=False,
            ).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(manifest), 0o600, int(clock.now().timestamp())
            tar.addfile(info, io.BytesIO(manifest))
    partial.replace(out)
    written.members = len(entries) + 1
    return written


def _public_pem(private_pem_file: Path) -> bytes:
    key = serialization.load_pem_private_key(private_pem_file.read_bytes(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


# --- restoring ----------------------------------------------------------------------------------------


@dataclass
class Staged:
    root: Path  # the staging directory (removed afterwards)
    var: Path  # a deployment's VAR_DIR built from the backup
    manifest: dict[str, Any]
    database_url: str = ""
    scratch_database: str = ""
    notes: list[str] = field(default_factory=list)


def _safe_name(name: str) -> str:
    if not is_safe_name(name):
        raise BackupError(f"The backup holds a file with an unsafe name: {name!r}.")
    return name


@dataclass(frozen=True)
class Limits:
    """What a restore accepts before unpacking anything (``hocbaso restore --max-files/--max-bytes``):
    a backup beyond them, or larger than the free space beside the live data, is refused whole."""

    files: int = 20_000_000
    bytes: int = 16 * 2**40  # 16 TiB: the store of a province's five years, with room

    def manifest_bytes(self) -> int:
        return min(64 * 2**20 + 256 * self.files, 8 * 2**30)


_SHA256 = frozenset("0123456789abcdef")


def _headers(tar: tarfile.TarFile, root: Path, limits: Limits) -> list[tarfile.TarInfo]:
    """The archive's members, read header by header and refused as soon as a limit is passed."""
    members: list[tarfile.TarInfo] = []
    total = 0
    for member in tar:
        members.append(member)
        total += max(member.size, 0)
        if len(members) > limits.files + 3:  # the files, the database, the manifest (and the keys)
            raise BackupError(f"The backup holds more than {limits.files:,} files (the limit; --max-files).")
        if total > limits.bytes:
            raise BackupError(f"The backup holds more than {limits.bytes:,} bytes (the limit; --max-bytes).")
    free = shutil.disk_usage(root if root.exists() else root.parent).free
    if total > free:
        raise BackupError(f"Unpacking the backup needs {total:,} bytes; {free:,} are free beside the live data.")
    return members


def _expected(manifest: Any, limits: Limits) -> dict[str, dict[str, Any]]:
    """The manifest's files by name, each entry checked for shape (a safe name, a size, a SHA-256)."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"The backup's manifest is not of format {FORMAT}.")
    files = manifest.get("files")
    if not isinstance(files, list) or len(files) > limits.files + 2:
        raise BackupError("The backup's manifest does not list its files within the limits.")
    expected: dict[str, dict[str, Any]] = {}
    for entry in files:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise BackupError("The backup's manifest holds an entry that is not a file.")
        name = _safe_name(entry["name"])
        size, digest = entry.get("size"), entry.get("sha256")
        if type(size) is not int or size < 0 or not isinstance(digest, str) or len(digest) != 64:
            raise BackupError(f"The backup's manifest gives no size and SHA-256 for {name}.")
        if not set(digest) <= _SHA256:
            raise BackupError(f"The backup's manifest gives no size and SHA-256 for {name}.")
        if name in expected:
            raise BackupError(f"The backup's manifest lists {name} twice.")
        expected[name] = entry
    return expected


def unpack(backup: Path, root: Path, limits: Limits | None = None) -> dict[str, Any]:
    """Extract ``backup`` under ``root`` checking every member against the manifest; the manifest.

    Every header is read, and the archive refused if it passes ``limits``, names a file outside the
    backup's folders or disagrees with the manifest's sizes, before a byte of it is written."""
    limits = limits or Limits()
    try:
        tar = tarfile.open(backup, mode="r:")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{backup} is not a backup this program can read ({exc}).") from None
    with tar:
        try:
            members = _headers(tar, root, limits)
            manifest_member = next((m for m in members if m.name == MANIFEST), None)
            if manifest_member is None:
                raise BackupError("The backup has no manifest.")
            if manifest_member.size > limits.manifest_bytes():
                raise BackupError(f"The backup's manifest is larger than {limits.manifest_bytes():,} bytes.")
            manifest = json.loads(_read_member(tar, manifest_member))
        except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
            raise BackupError(f"The backup is damaged ({exc}).") from None
        expected = _expected(manifest, limits)
        for member in members:
            if member.name == MANIFEST:
                continue
            name = _safe_name(member.name)
            if not member.isfile():
                raise BackupError(f"The backup holds something other than a file: {name}.")
            if name not in expected:
                raise BackupError(f"The backup holds a file its manifest does not list: {name}.")
            if member.size != expected[name]["size"]:
                raise BackupError(f"The backup is damaged: {name} does not have the size its manifest gives.")
        seen: set[str] = set()
        for member in members:
            if member.name == MANIFEST:
                continue
            name = member.name
            entry = expected[name]
            if name in seen:
                raise BackupError(f"The backup holds {name} twice.")
            seen.add(name)
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            size = 0
            try:
                source = tar.extractfile(member)
                assert source is not None
                descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "wb") as handle:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        handle.write(chunk)
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise BackupError(f"The backup is damaged at {name} ({exc}).") from None
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                raise BackupError(
                    f"The backup is damaged: {name} does not match its SHA-256 in the manifest "
                    f"(expected {entry['sha256']}, found {digest.hexdigest()})."
                )
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"The backup lacks {len(missing)} file(s) its manifest lists, e.g. {missing[0]}.")
    if manifest.get("database") not in expected:
        raise BackupError("The backup's manifest names no database.")
    return manifest


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise BackupError(f"{member.name} is not a file.")
    return handle.read()


def _key_files(tar_bytes: bytes, var: Path) -> list[str]:
    """Unpack the decrypted key archive into the staged VAR_DIR; the names written."""
    names = []
    with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as archive:
        for member in archive.getmembers():
            name = _safe_name(member.name)
            if not member.isfile() or not (name == "secret_key" or name.startswith(("pki/", "ledger/"))):
                raise BackupError(f"The key archive holds an unexpected entry: {name}.")
            target = var / name
            target.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(_read_member(archive, member))
            names.append(name)
    return names


def _pg_url(name: str) -> str:
    db = database()
    user = quote(str(db.get("USER") or ""), safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = str(db.get("HOST") or "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{name}"


def _maintenance() -> Any:
    import psycopg

    db = database()
    return psycopg.connect(
        dbname="postgres",
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def stage(
    staged: Staged, backup: Path, *, passphrase: str | None, with_keys: bool, stamp: str, limits: Limits | None = None
) -> None:
    """Unpack and lay out ``backup`` in ``staged.root`` as a deployment of its own, unchecked."""
    root = staged.root
    root.mkdir(mode=0o700)
    staged.manifest = unpack(backup, root / "backup", limits)
    files = root / "backup"
    staged.var.mkdir()
    if (files / "media").is_dir():
        (files / "media").rename(staged.var / "media")
    else:
        (staged.var / "media").mkdir()
    if (files / "pki").is_dir():
        (files / "pki").rename(staged.var / "pki")
    if with_keys:
        if not staged.manifest.get("with_keys"):
            raise BackupError("This backup was made without its private keys (hocbaso backup --with-keys).")
        assert passphrase is not None
        names = _key_files(open_keys((files / KEYS_MEMBER).read_bytes(), passphrase), staged.var)
        staged.notes.append(f"{len(names)} private key file(s) opened")
    database_member = files / staged.manifest["database"]
    if staged.manifest["engine"] != engine():
        raise BackupError(f"The backup is of a {staged.manifest['engine']} database; this deployment uses {engine()}.")
    if engine() == "sqlite":
        target = staged.var / "hocbaso.sqlite3"
        database_member.rename(target)
        staged.database_url = f"sqlite:///{target}"
    else:
        staged.scratch_database = f"{database()['NAME']}_restore_{stamp}"
        with _maintenance() as connection:
            connection.execute(f"CREATE DATABASE {_ident(staged.scratch_database)}")
        with _pg_environment() as env:
            done = subprocess.run(
                ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname",
                 staged.scratch_database, str(database_member)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )  # fmt: skip
        if done.returncode != 0:
            raise BackupError(f"The database copy does not load (pg_restore): {done.stderr.strip()[:500]}")
        staged.database_url = _pg_url(staged.scratch_database)


def _staged_ledger_key(staged: Staged) -> Path:
    """The key the backup's signed tree heads must verify with: the restored one, else the live one."""
    restored = staged.var / "ledger" / "log-key.pem"
    key = restored if restored.is_file() else ledger_key_path()
    if not key.is_file():
        raise BackupError(
            "No ledger key to check the backup's audit trail with: restore with --with-keys from a backup made "
            f"with its keys, or put the log key at {key}."
        )
    public = staged.root / "backup" / LEDGER_PUBLIC
    if public.is_file() and public.read_bytes() != _public_pem(key):
        raise BackupError(
            "The backup's transparency log was signed with another key than the one this deployment checks with "
            f"({key}); restore the keys with it (--with-keys) or use that deployment's key."
        )
    return key


def check(staged: Staged, progress: Callable[[str], None]) -> None:
    """Run the deployment's own checks on the staged copy; BackupError with their output if any fails."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": staged.database_url,
            "HOCBASO_VAR_DIR": str(staged.var),
            LEDGER_KEY_ENV: str(_staged_ledger_key(staged)),
            "HOCBASO_TASKS": "immediate",
        }
    )
    # The staged copy reads its stored files from the staging folder, never from the live bucket.
    for name in [name for name in env if name.startswith("HOCBASO_S3_")]:
        del env[name]
    # One process for the three commands (a Django start-up each would triple the wait).
    done = subprocess.run(
        [sys.executable, "-c", "from hocbaso.core.backup import check_staged_main; check_staged_main()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-12:]
        raise BackupError("\n".join(detail))
    for line in done.stdout.splitlines():
        if line.startswith(CHECKED):
            progress("backup checked: " + line.removeprefix(CHECKED))


CHECKED = "checked: "
STAGED_CHECKS = (("migrate", "--noinput"), ("audit-verify",), ("records", "rehash"))


def check_staged_main() -> None:
    """In the staged copy's process: each of ``STAGED_CHECKS``; exit 1 naming the first that fails."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command
    from django.core.management.base import CommandError

    django.setup()
    for step in STAGED_CHECKS:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(*step, stdout=out, stderr=err)
        except CommandError as exc:
            sys.stderr.write(err.getvalue())
            sys.stderr.write(f"The backup fails “hocbaso {' '.join(step)}”: {exc}\n")
            sys.exit(1)
        if step[0] != "migrate":
            last = (out.getvalue().strip().splitlines() or [" ".join(step)])[-1]
            sys.stdout.write(f"{CHECKED}{last}\n")


def discard(staged: Staged) -> None:
    """Remove the staging directory (and the scratch database)."""
    shutil.rmtree(staged.root, ignore_errors=True)
    if staged.scratch_database:
        with contextlib.suppress(Exception), _maintenance() as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {_ident(staged.scratch_database)} WITH (FORCE)")


def _move_aside(path: Path, previous: Path, name: str) -> None:
    if path.exists():
        target = previous / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))


def _sha256_stored(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _keep_object_aside(storage: Storage, name: str, previous: Path) -> None:
    """Copy the object ``name`` to ``previous`` on this machine before it is replaced or removed."""
    relative = f"media/{name}" if is_safe_name(name) else f"media-unsafe-names/{quote(name, safe='')}"
    target = previous / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out, storage.open(name, "rb") as handle:
        shutil.copyfileobj(handle, out, CHUNK)


def _write_objects(staged: Staged, storage: Storage, present: set[str], previous: Path) -> list[str]:
    """Write every staged file the store lacks or holds with other bytes, through the storage API;
    each written object is read back and its SHA-256 checked. What it replaces is kept aside."""
    media = staged.var / "media"
    written = replaced = 0
    for path in _files(media):
        name = path.relative_to(media).as_posix()
        expected = sha256_file(path)
        if name in present:
            if _sha256_stored(storage, name) == expected:
                continue
            _keep_object_aside(storage, name, previous)
            replaced += 1
        with path.open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"The object store saved {name} as {saved}: stopped (the database was not replaced).")
        if _sha256_stored(storage, name) != expected:
            raise BackupError(
                f"The object store gives back other bytes for {name}: stopped (the database was not replaced)."
            )
        written += 1
    return [f"object store: {written} object(s) written back and read back with their SHA-256 ({replaced} replaced)"]


def _remove_extra_objects(staged: Staged, storage: Storage, present: set[str], previous: Path) -> list[str]:
    """Remove the objects the backup does not hold (stored after it, or planted), kept aside first."""
    media = staged.var / "media"
    kept = {path.relative_to(media).as_posix() for path in _files(media)}
    extra = sorted(present - kept)
    for name in extra:
        _keep_object_aside(storage, name, previous)
        storage.delete(name)
    return [f"object store: {len(extra)} object(s) the backup does not hold removed"] if extra else []


def swap_in(staged: Staged, stamp: str) -> list[str]:
    """Replace the live database and files with the staged ones; what was replaced is kept aside.

    With the object store: the backup's objects are written first (a content-addressed name only
    ever gets other bytes where the live object was damaged), then the database is swapped, then
    the objects the backup does not hold are removed; every replaced or removed object is kept in
    ``VAR_DIR/restore-previous-<time>/media/`` on this machine."""
    store = object_store()
    if engine() == "postgresql":
        with _maintenance() as connection:
            busy = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [database()["NAME"]],
            ).fetchone()[0]
        if busy:
            raise BackupError(
                f"{busy} connection(s) are open on the database: stop hocbaso-web and the workers first "
                "(nothing was replaced)."
            )
    previous = var_dir() / f"restore-previous-{stamp}"
    previous.mkdir(mode=0o700)
    notes = [f"the replaced data is kept in {previous}"]
    present: set[str] = set()
    if store is not None:
        present = set(stored_names(store))
        notes += _write_objects(staged, store, present, previous)
    if engine() == "sqlite":
        live = Path(database()["NAME"])
        for suffix in ("", "-wal", "-shm"):
            _move_aside(live.with_name(live.name + suffix), previous, "database/" + live.name + suffix)
        shutil.move(str(staged.var / "hocbaso.sqlite3"), str(live))
    else:
        name = str(database()["NAME"])
        kept = f"{name}_before_restore_{stamp}"
        with _maintenance() as connection:
            connection.execute(f"ALTER DATABASE {_ident(name)} RENAME TO {_ident(kept)}")
            connection.execute(f"ALTER DATABASE {_ident(staged.scratch_database)} RENAME TO {_ident(name)}")
        staged.scratch_database = ""
        notes.append(f"the replaced PostgreSQL database is kept as {kept} (drop it when satisfied)")
    if store is None:
        media = media_root()
        _move_aside(media, previous, "media")
        shutil.move(str(staged.var / "media"), str(media))
    else:
        notes += _remove_extra_objects(staged, store, present, previous)
    for path in _files(staged.var / "pki"):
        relative = path.relative_to(staged.var).as_posix()
        live = var_dir() / relative
        if live.exists():
            _move_aside(live, previous, relative)
        live.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(live))
    for name, live in (("secret_key", var_dir() / "secret_key"), ("ledger/log-key.pem", ledger_key_path())):
        restored = staged.var / name
        if restored.is_file():
            _move_aside(live, previous, name)
            live.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(restored), str(live))
    return notes


def restore(
    backup: Path,
    *,
    passphrase: str | None = None,
    with_keys: bool = False,
    progress: Callable[[str], None] = print,
    limits: Limits | None = None,
) -> list[str]:
    """Check ``backup`` completely, then replace the live database and files (on disk or in the
    object store) with it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    store = object_store()
    if store is not None:
        try:
            store.listdir("")  # the bucket answers, before anything is unpacked
        except Exception as exc:  # boto3's errors are many; the operator needs the message
            raise BackupError(f"The object store does not answer ({exc}).") from None
    root = var_dir() / f".restore-{stamp}"
    staged = Staged(root=root, var=root / "var", manifest={})
    try:
        stage(staged, backup, passphrase=passphrase, with_keys=with_keys, stamp=stamp, limits=limits)
        progress(f"backup of {staged.manifest['created']}: {len(staged.manifest['files'])} files, hashes match")
        check(staged, progress)
        notes = swap_in(staged, stamp)
    finally:
        discard(staged)
    return staged.notes + notes
