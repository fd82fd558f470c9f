"""A periodic report's files, stored once by content hash under ``reports/`` in the project's
storage (the local disk or the object store), read back only when their bytes still match the
hash recorded; and the run's figures and download names."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from hocbaso.reporting import figures
from hocbaso.reporting.models import ReportRun

PREFIX = "reports"


def store(content: bytes, suffix: str) -> tuple[str, str]:
    """Store ``content`` once by its SHA-256; (name, digest)."""
    digest = hashlib.sha256(content).hexdigest()
    name = f"{PREFIX}/{digest[:2]}/{digest}{suffix}"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:  # a concurrent writer stored the same bytes first
            default_storage.delete(saved)
    return name, digest


def read(name: str, expected_sha256: str) -> bytes:
    """The stored file, refused (``ValueError``) if its bytes no longer match the hash recorded."""
    with default_storage.open(name, "rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != expected_sha256:
        raise ValueError("stored report damaged")
    return content


def build(run: ReportRun) -> figures.Report:
    """The run's figures (the whole unit or school: a report is not narrowed to its requester)."""
    if run.unit is not None:
        return figures.unit_report(run.unit, run.school_year, run.point)
    assert run.school is not None
    return figures.school_report(run.school, run.school_year, run.point)


def file_name(run: ReportRun, suffix: str) -> str:
    """The download name of one of the run's files (``bao-cao-<code>-<year>.<suffix>``)."""
    subject = (run.unit.code if run.unit else run.school.code if run.school else "").replace('"', "")
    return f"bao-cao-{subject}-{run.school_year.code}.{suffix}"
