"""Building a periodic report in the background: figures, then the .xlsx, then the PDF, then (when
the run names a seal) sealing both with the unit's seal; each step stored as progress
(``done``/``total``) for the progress page. The files are stored by content hash under
``reports/`` in the project's storage; a sealed run's PDF is the sealed one, and its .xlsx has the
detached seal document beside it (``seal_name``)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tasks import task

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.reporting import authorisations, exports, figures, sealing
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


def file_name(run: ReportRun, suffix: str) -> str:
    """The download name of one of the run's files (``bao-cao-<code>-<year>.<suffix>``)."""
    subject = (run.unit.code if run.unit else run.school.code if run.school else "").replace('"', "")
    return f"bao-cao-{subject}-{run.school_year.code}.{suffix}"


def _seal(run: ReportRun, pdf: bytes, xlsx: bytes) -> dict[str, Any]:
    """Seal the run's files with its unit's seal (the authorisation is taken, i.e. deleted, first)."""
    assert run.seal_credential is not None and run.unit is not None
    authorisation = authorisations.take(authorisations.REPORT, run.pk)
    sealed = sealing.seal_report(
        credential=run.seal_credential,
        authorisation=authorisation,
        pdf=pdf,
        xlsx=xlsx,
        xlsx_name=file_name(run, "xlsx"),
        unit_code=run.unit.code,
        unit_name=run.unit.name,
        year=run.school_year.code,
        point=run.point,
    )
    pdf_name, pdf_hash = store(sealed.pdf, ".pdf")
    seal_name, seal_hash = store(sealed.seal_xml, ".seal.xml")
    audit.record(
        by=run.sealed_by,
        action="report.sealed",
        obj=run,
        changes={"seal": sealed.fingerprint, "pdf_sha256": pdf_hash, "seal_sha256": seal_hash},
        channel=Channel.TASK,
    )
    return {
        "pdf_name": pdf_name,
        "pdf_sha256": pdf_hash,
        "seal_name": seal_name,
        "seal_sha256": seal_hash,
        "seal_fingerprint": sealed.fingerprint,
        "seal_subject": sealed.subject[:300],
        "sealed_at": clock.now(),
    }


def execute(run_id: int) -> ReportRun:
    run = ReportRun.objects.select_related("unit", "school", "school_year", "seal_credential").get(pk=run_id)
    this = ReportRun.objects.filter(pk=run.pk)
    total = 4 if run.seal_credential_id else 3
    REPORT_RUN_MOVES.update(this, ReportRun.State.RUNNING, total=total, done=0, error="")
    school = run.school is not None
    try:
        report = build(run)
        ReportRun.objects.filter(pk=run.pk).update(done=1)
        xlsx = exports.to_xlsx(report, run.subject_name, school=school)
        xlsx_name, xlsx_hash = store(xlsx, ".xlsx")
        ReportRun.objects.filter(pk=run.pk).update(done=2, xlsx_name=xlsx_name, xlsx_sha256=xlsx_hash)
        pdf = exports.to_pdf(report, run.subject_name, school=school)
        if run.seal_credential_id:
            ReportRun.objects.filter(pk=run.pk).update(done=3)
            finished = _seal(run, pdf, xlsx)
        else:
            pdf_name, pdf_hash = store(pdf, ".pdf")
            finished = {"pdf_name": pdf_name, "pdf_sha256": pdf_hash}
    except Exception as exc:  # keep what was done, show the error, let the task fail
        authorisations.drop(authorisations.REPORT, run.pk)
        REPORT_RUN_MOVES.update(this, ReportRun.State.FAILED, error=str(exc)[:2000])
        raise
    REPORT_RUN_MOVES.update(this, ReportRun.State.FINISHED, done=total, finished_at=clock.now(), **finished)
    run.refresh_from_db()
    return run


@task()
def build_report(run_id: int) -> None:
    """Task entry point (in-process in the embedded default, a db_worker at scale)."""
    execute(run_id)
