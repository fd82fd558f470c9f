"""Starting a periodic report: the one write of the dashboards (the figures themselves are reads)."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import PermissionRefused, ValidationFailed
from hocbaso.core.queue import enqueue_on_commit
from hocbaso.directory.models import AdministrativeUnit, School, SchoolYear
from hocbaso.reporting import authorisations, exports, figures, files, permissions, sealing
from hocbaso.reporting.models import REPORT_RUN_MOVES, ReportRun
from hocbaso.signing import batches, seals


def start_report(
    *,
    by: Any,
    school_year: SchoolYear,
    point: str = "year_end",
    unit: AdministrativeUnit | None = None,
    school: School | None = None,
    seal_authorisation: str = "",
    request_key: str = "",
    channel: str = "web",
) -> ReportRun:
    """Queue a unit's roll-up (``unit``) or a school's year-end summary (``school``) for
    ``school_year`` at ``point``; the task builds the .xlsx and the PDF after the commit.

    With ``seal_authorisation`` (the password or PIN of the subject's seal) the task also seals
    both files with that seal (``sealing``): a unit's roll-up with the unit's seal, a school's
    summary with the school's own seal (``signing.seals``). Only who applies that seal today may:
    an officer of that very unit (``unit_seal_not_allowed``), who holds ``apply_school_seal`` for
    that school (``school_seal_not_allowed``: its principal; never an officer of a unit above it).
    The subject must have a seal (``unit_seal_missing``, ``school_seal_missing``), and the password
    is checked now — counted and locked out like every certificate secret — and handed to the
    task encrypted (``authorisations``).

    ``request_key``: the form's one-time key (letters, digits, ``-``, ``_``; at most 64). Called
    again with the key of a run ``by`` started for the same subject, year and point (a double
    click, a reload, two submissions racing), it returns that run and starts, checks and audits
    nothing; the key with anything else is refused (``request_key_reused``), a malformed one too
    (``request_key_invalid``).

    Refused: neither or both named, or an unknown point (``report_subject``, ``point_unknown``);
    ``by`` does not read those figures (``not_allowed``).
    """
    if (unit is None) == (school is None):
        raise ValidationFailed(_("Choose a unit or a school."), code="report_subject")
    if point not in figures.POINTS:
        raise ValidationFailed(_("Choose an assessment point."), code="point_unknown", field="point")
    allowed = (
        permissions.can_view_unit(by, unit, school_year)
        if unit is not None
        else permissions.can_view_school(by, school, school_year)  # type: ignore[arg-type]
    )
    if not allowed:
        raise PermissionRefused(_("You do not read the figures of this unit or school."), code="not_allowed")
    subject: AdministrativeUnit | School = unit if unit is not None else school  # type: ignore[assignment]
    asked = (unit, school, school_year, point)
    if request_key:
        if not _REQUEST_KEY.fullmatch(request_key):
            raise ValidationFailed(_("This form is damaged: reload the page."), code="request_key_invalid")
        earlier = run_of_request(request_key)
        if earlier is not None:
            return _same_request(earlier, by, asked)
    seal = _seal_for(by, subject, seal_authorisation) if seal_authorisation else None
    try:
        run = _create_run(by, asked, seal, seal_authorisation, request_key, channel)
    except IntegrityError:  # the same form submitted twice at once: the other submission's run
        earlier = run_of_request(request_key) if request_key else None
        if earlier is None:
            raise
        return _same_request(earlier, by, asked)
    return run


_REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def run_of_request(request_key: str) -> ReportRun | None:
    """The run started with ``request_key``, if any."""
    return ReportRun.objects.filter(request_key=request_key).first()


def _same_request(run: ReportRun, by: Any, asked: tuple[Any, ...]) -> ReportRun:
    """``run`` when ``by`` started it for ``asked`` (unit, school, year, point); else the refusal."""
    unit, school, school_year, point = asked
    same = (
        run.requested_by_id == getattr(by, "pk", None)
        and run.unit_id == getattr(unit, "pk", None)
        and run.school_id == getattr(school, "pk", None)
        and run.school_year_id == school_year.pk
        and run.point == point
    )
    if not same:
        raise ValidationFailed(_("This form was already used: reload the page."), code="request_key_reused")
    return run


def _create_run(
    by: Any, asked: tuple[Any, ...], seal: Any, seal_authorisation: str, request_key: str, channel: str
) -> ReportRun:
    """The new run for ``asked`` (unit, school, year, point), its kept seal password, its audit
    entry and its task (queued after the commit), all or nothing."""
    unit, school, school_year, point = asked
    with transaction.atomic():
        run = ReportRun.objects.create(
            kind=ReportRun.Kind.UNIT_ROLLUP if unit is not None else ReportRun.Kind.SCHOOL_SUMMARY,
            unit=unit,
            school=school,
            school_year=school_year,
            point=point,
            requested_by=by if getattr(by, "is_authenticated", False) else None,
            total=4 if seal is not None else 3,
            created_at=clock.now(),
            seal_credential=seal,
            sealed_by=by if seal is not None else None,
            request_key=request_key or None,
        )
        if seal is not None:
            authorisations.keep(authorisations.REPORT, run.pk, seal_authorisation)
        audit.record(
            by=by,
            action="report.start",
            obj=run,
            school_id=school.pk if school is not None else None,
            changes={
                "kind": [None, run.kind],
                "year": [None, school_year.code],
                "point": [None, point],
                **({"seal": [None, seal.fingerprint]} if seal is not None else {}),
            },
            channel=channel,
        )
        enqueue_on_commit("hocbaso.reporting.tasks.build_report", run.pk)
    return run


def _seal_refusals(subject: AdministrativeUnit | School) -> tuple[PermissionRefused, ValidationFailed]:
    """The refusals of ``subject``'s seal: when ``by`` may not apply it, when it has none."""
    if isinstance(subject, School):
        return (
            PermissionRefused(
                _("Only the principal or the clerk of its school may apply the school seal."),
                code="school_seal_not_allowed",
            ),
            ValidationFailed(
                _("%(school)s has no school seal registered yet: register its certificate first.")
                % {"school": subject.name},
                code="school_seal_missing",
            ),
        )
    return (
        PermissionRefused(_("Only an officer of the unit itself may apply its seal."), code="unit_seal_not_allowed"),
        ValidationFailed(
            _("%(unit)s has no seal registered yet: register its certificate first.") % {"unit": subject.name},
            code="unit_seal_missing",
        ),
    )


def _seal_for(by: Any, subject: AdministrativeUnit | School, authorisation: str) -> Any:
    """``subject``'s seal (a unit's or a school's: ``signing.seals``), after checking ``by``
    applies it and ``authorisation`` opens it now (``batches.check_authorisation``: counted)."""
    not_allowed, missing = _seal_refusals(subject)
    if not seals.may_apply(by, subject):
        raise not_allowed
    seal = seals.current(subject)
    if seal is None:
        raise missing
    batches.check_authorisation(seal, authorisation, by=by)
    return seal


# --- building a run (the task) ------------------------------------------------------------------


def _seal(run: ReportRun, pdf: bytes, xlsx: bytes) -> dict[str, Any]:
    """Seal the run's files with its subject's seal, the unit's or the school's (the authorisation
    is taken, i.e. deleted, first); the seal document names that subject's code and name."""
    subject = run.subject
    assert run.seal_credential is not None and subject is not None
    authorisation = authorisations.take(authorisations.REPORT, run.pk)
    sealed = sealing.seal_report(
        credential=run.seal_credential,
        authorisation=authorisation,
        pdf=pdf,
        xlsx=xlsx,
        xlsx_name=files.file_name(run, "xlsx"),
        subject_code=subject.code,
        subject_name=subject.name,
        year=run.school_year.code,
        point=run.point,
    )
    pdf_name, pdf_hash = files.store(sealed.pdf, ".pdf")
    seal_name, seal_hash = files.store(sealed.seal_xml, ".seal.xml")
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


def execute_run(run_id: int) -> ReportRun:
    """Build a requested report run (the task calls this): figures, then the .xlsx, then the PDF,
    then, when the run names a seal, sealing both; each step stored as progress (``done``/``total``).
    The files are stored by content hash (``reporting.files``); a sealed run's PDF is the sealed one
    and its .xlsx has the detached seal document beside it (``seal_name``). A failure keeps what was
    done, records the error on the run (``failed``) and is raised again for the task."""
    run = ReportRun.objects.select_related("unit", "school", "school_year", "seal_credential").get(pk=run_id)
    this = ReportRun.objects.filter(pk=run.pk)
    total = 4 if run.seal_credential_id else 3
    REPORT_RUN_MOVES.update(this, ReportRun.State.RUNNING, total=total, done=0, error="")
    school = run.school is not None
    try:
        report = files.build(run)
        ReportRun.objects.filter(pk=run.pk).update(done=1)
        xlsx = exports.to_xlsx(report, run.subject_name, school=school)
        xlsx_name, xlsx_hash = files.store(xlsx, ".xlsx")
        ReportRun.objects.filter(pk=run.pk).update(done=2, xlsx_name=xlsx_name, xlsx_sha256=xlsx_hash)
        pdf = exports.to_pdf(report, run.subject_name, school=school)
        if run.seal_credential_id:
            ReportRun.objects.filter(pk=run.pk).update(done=3)
            finished = _seal(run, pdf, xlsx)
        else:
            pdf_name, pdf_hash = files.store(pdf, ".pdf")
            finished = {"pdf_name": pdf_name, "pdf_sha256": pdf_hash}
    except Exception as exc:  # keep what was done, show the error, let the task fail
        authorisations.drop(authorisations.REPORT, run.pk)
        REPORT_RUN_MOVES.update(this, ReportRun.State.FAILED, error=str(exc)[:2000])
        raise
    REPORT_RUN_MOVES.update(this, ReportRun.State.FINISHED, done=total, finished_at=clock.now(), **finished)
    run.refresh_from_db()
    return run
