"""The log's Ed25519 signing key.

Taken from the PEM file named by ``HOCBASO_LEDGER_KEY_FILE`` (unencrypted PKCS#8; it must
exist), otherwise from ``VAR_DIR/ledger/log-key.pem``, generated with mode 0600 on first use.
The key stays loaded in memory per path. ``key_id`` = hex SHA-256 of the DER
SubjectPublicKeyInfo, the identifier verifiers pin alongside ``public_key_pem``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENV_KEY_FILE = "HOCBASO_LEDGER_KEY_FILE"

_loaded: dict[Path, Ed25519PrivateKey] = {}
_lock = threading.Lock()


def key_path() -> Path:
    """Where the key is read from (the environment wins over the generated default)."""
    configured = os.environ.get(ENV_KEY_FILE, "").strip()
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "ledger" / "log-key.pem"


def _generate(path: Path) -> None:
    """Write a new key; if another process got there first, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".log-key-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):  # another process won: keep its key
            os.link(temporary, path)  # atomic: fails if the file already exists
    finally:
        os.unlink(temporary)


def signing_key() -> Ed25519PrivateKey:
    """The loaded private key (generated under VAR_DIR on first use when no file is configured)."""
    path = key_path()
    with _lock:
        key = _loaded.get(path)
        if key is not None:
            return key
        if not path.exists():
            if os.environ.get(ENV_KEY_FILE, "").strip():
                raise ImproperlyConfigured(f"{ENV_KEY_FILE} names {path}, which does not exist.")
            _generate(path)
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"The ledger key in {path} is not an Ed25519 key.")
        _loaded[path] = loaded
        return loaded


def public_key_pem() -> str:
    """The public key as PEM SubjectPublicKeyInfo text."""
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def key_id() -> str:
    """Hex SHA-256 of the public key's DER SubjectPublicKeyInfo."""
    der = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return hashlib.sha256(der).hexdigest()


def sign(message: bytes) -> bytes:
    """Ed25519 signature (64 bytes) over ``message``."""
    return signing_key().sign(message)
