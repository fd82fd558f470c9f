"""Content-addressed file storage for record files, through Django's storage API.

A file is stored under ``records/<first two hex>/<sha256><suffix>``; storing the same bytes
twice is a no-op. Reads can be checked against the hash the registry keeps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import DomainError

PREFIX = "records"


class StoredFileDamaged(DomainError):
    code = "stored_file_damaged"
    status = 500


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def name_for(digest: str, suffix: str) -> str:
    return f"{PREFIX}/{digest[:2]}/{digest}{suffix}"


def put(content: bytes, suffix: str) -> tuple[str, str]:
    """Store ``content``; return (storage name, SHA-256 hex)."""
    digest = sha256_hex(content)
    name = name_for(digest, suffix)
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:  # a concurrent writer stored the same bytes first
            default_storage.delete(saved)
    return name, digest


def get(name: str, expected_sha256: str | None = None) -> bytes:
    """Read a stored file; with ``expected_sha256``, refuse bytes that do not match."""
    with default_storage.open(name, "rb") as handle:
        content = handle.read()
    if expected_sha256 is not None and sha256_hex(content) != expected_sha256:
        raise StoredFileDamaged(_("A stored record file does not match its registered hash."))
    return content


@dataclass(frozen=True)
class Mismatch:
    name: str
    expected: str
    actual: str  # "" when the file is missing


def rehash(expected: Iterator[tuple[str, str]]) -> Iterator[Mismatch]:
    """Re-hash each (name, expected SHA-256) and yield every file that is missing or differs."""
    for name, digest in expected:
        if not default_storage.exists(name):
            yield Mismatch(name, digest, "")
            continue
        with default_storage.open(name, "rb") as handle:
            hasher = hashlib.sha256()
            while chunk := handle.read(1 << 20):
                hasher.update(chunk)
        if hasher.hexdigest() != digest:
            yield Mismatch(name, digest, hasher.hexdigest())
