"""Building a periodic report in the background: figures, then the .xlsx, then the PDF, each step
stored as progress (``done``/``total``) for the progress page; the files are stored by content hash
under ``reports/`` in the project's storage."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tasks import task

from hocbaso.core import clock
from hocbaso.reporting import exports, figures
from hocbaso.reporting.models import REPORT_RUN_MOVES, ReportRun

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


def execute(run_id: int) -> ReportRun:
    run = ReportRun.objects.select_related("unit", "school", "school_year").get(pk=run_id)
    this = ReportRun.objects.filter(pk=run.pk)
    REPORT_RUN_MOVES.update(this, ReportRun.State.RUNNING, total=3, done=0, error="")
    school = run.school is not None
    try:
        report = build(run)
        ReportRun.objects.filter(pk=run.pk).update(done=1)
        xlsx_name, xlsx_hash = store(exports.to_xlsx(report, run.subject_name, school=school), ".xlsx")
        ReportRun.objects.filter(pk=run.pk).update(done=2, xlsx_name=xlsx_name, xlsx_sha256=xlsx_hash)
        pdf_name, pdf_hash = store(exports.to_pdf(report, run.subject_name, school=school), ".pdf")
    except Exception as exc:  # keep what was done, show the error, let the task fail
        REPORT_RUN_MOVES.update(this, ReportRun.State.FAILED, error=str(exc)[:2000])
        raise
    REPORT_RUN_MOVES.update(
        this, ReportRun.State.FINISHED, done=3, pdf_name=pdf_name, pdf_sha256=pdf_hash, finished_at=clock.now()
    )
    run.refresh_from_db()
    return run


@task()
def build_report(run_id: int) -> None:
    """Task entry point (in-process in the embedded default, a db_worker at scale)."""
    execute(run_id)
