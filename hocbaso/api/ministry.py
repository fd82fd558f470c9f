"""API v1 for the Sở's submissions to the Ministry's record store (``/api/v1/reports/ministry/…``).

The same actions as the pages (docs/ministry-export.md); counts and codes only — no child's data.
A Sở or a batch the caller may not act for is a 404, as on the pages. Refusals are
``{"code", "message", "field"}`` with the DomainError's status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from hocbaso.audit.models import Channel
from hocbaso.core.error_schema import errors
from hocbaso.core.errors import NotFound
from hocbaso.directory.models import SchoolYear
from hocbaso.reporting.ministry import actions, answers, permissions
from hocbaso.reporting.ministry.models import Department, RowOutcome, Submission

router = Router(tags=["reports"])


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    province: str
    seal_registered: bool


class PreviewOut(Schema):
    school_year: str
    schools: int
    issued: int
    held: int
    to_send: int
    waiting: int
    warnings: dict[str, int]


class RowOut(Schema):
    ref: str
    record_id: str
    version: int
    school_code: str
    outcome: str
    code: str
    reason: str


class SubmissionOut(Schema):
    id: int
    department_code: str
    school_year: str
    kind: str
    batch_id: str
    state: str
    prepared_at: dt.datetime
    prepared_by: str
    sha256: str
    rows: int
    schools: int
    accepted: int
    unchanged: int
    rejected: int
    attempts: int
    answered_at: dt.datetime | None
    receipt: str
    errors: list[dict[str, Any]]
    progress_done: int
    progress_total: int
    seal_fingerprint: str
    refusal: str


class SubmissionDetailOut(SubmissionOut):
    refused_rows: list[RowOut]


class PrepareIn(Schema):
    department_id: int
    school_year: str
    authorisation: str
    full: bool = False
    request_key: str = Field(
        "", max_length=64, description="Any unique string per request: a retried request answers the same batch."
    )


def _department(request: HttpRequest, department_id: int) -> Department:
    found = next((d for d in permissions.departments_for(request.user) if d.pk == department_id), None)
    if found is None:
        raise NotFound(_("No such department of education."), code="department_not_found")
    return found


def _year(code: str) -> SchoolYear:
    found = SchoolYear.objects.filter(code=code).first()
    if found is None:
        raise NotFound(_("No such school year."), code="school_year_not_found", field="school_year")
    return found


def _out(s: Submission) -> dict[str, Any]:
    return {
        "id": s.pk,
        "department_code": s.department.code,
        "school_year": s.school_year.code,
        "kind": s.kind,
        "batch_id": s.batch_id,
        "state": s.state,
        "prepared_at": s.created_at,
        "prepared_by": s.created_by.get_username(),
        "sha256": s.body_sha256,
        "rows": s.row_count,
        "schools": s.school_count,
        "accepted": s.accepted,
        "unchanged": s.unchanged,
        "rejected": s.rejected,
        "attempts": s.attempts,
        "answered_at": s.answered_at,
        "receipt": s.receipt,
        "errors": s.errors,
        "progress_done": s.done,
        "progress_total": s.total,
        "seal_fingerprint": s.seal_fingerprint,
        "refusal": s.error,
    }


def _submission(request: HttpRequest, submission_id: int) -> Submission:
    ids = [d.pk for d in permissions.departments_for(request.user)]
    found = (
        Submission.objects.filter(department_id__in=ids, pk=submission_id)
        .select_related("department", "school_year", "created_by")
        .first()
    )
    if found is None:
        raise NotFound(_("No such batch."), code="submission_not_found")
    return found


@router.get("/departments", response=list[DepartmentOut])
def departments(request: HttpRequest) -> list[dict[str, Any]]:
    """The departments of education the caller may send for (empty for everyone else)."""
    return [
        {"id": d.pk, "code": d.code, "name": d.name, "province": d.unit.name, "seal_registered": d.seal_id is not None}
        for d in permissions.departments_for(request.user)
    ]


@router.get("/departments/{department_id}/preview", response={200: PreviewOut, **errors(404)})
def preview(request: HttpRequest, department_id: int, year: str = "", full: bool = False) -> dict[str, Any]:
    """What a batch would hold now: counts and warning codes only."""
    department = _department(request, department_id)
    school_year = _year(year) if year else SchoolYear.objects.order_by("-start_date").first()
    if school_year is None:
        raise NotFound(_("No such school year."), code="school_year_not_found", field="year")
    shown = actions.preview(department, school_year, full=full)
    return {
        "school_year": school_year.code,
        "schools": shown.schools,
        "issued": shown.issued,
        "held": shown.held,
        "to_send": shown.to_send,
        "waiting": shown.pending,
        "warnings": dict(shown.problems),
    }


@router.get("/submissions", response=list[SubmissionOut])
def submissions(request: HttpRequest) -> list[dict[str, Any]]:
    """The batches of the caller's departments, newest first (at most 100)."""
    ids = [d.pk for d in permissions.departments_for(request.user)]
    found = Submission.objects.filter(department_id__in=ids).select_related("department", "school_year", "created_by")
    return [_out(s) for s in found[:100]]


@router.post(
    "/submissions",
    response={201: SubmissionOut, **errors(400, 403, 404, 409)},
)
def prepare(request: HttpRequest, payload: PrepareIn) -> Status[dict[str, Any]]:
    """Ask for a batch sealed with the department's seal (``authorisation``: its password or PIN,
    checked now): it is prepared in the background (``state`` ``preparing``, ``progress_done`` of
    ``progress_total``; then ``queued`` and sent), ``not_prepared`` with ``refusal`` if it could not
    be. The same ``request_key`` again, or a second request while a batch of that year is being
    prepared, answers that batch instead of preparing another. Codes: ``department_seal_missing``,
    ``nothing_to_send`` (409), ``ministry_not_allowed`` (403), the seal's ``certificate_*`` /
    ``pkcs12_unreadable`` refusals."""
    department = _department(request, payload.department_id)
    submission = actions.request_batch(
        by=request.user,
        department=department,
        school_year=_year(payload.school_year),
        authorisation=payload.authorisation,
        full=payload.full,
        request_key=payload.request_key,
        channel=Channel.API,
    )
    submission.refresh_from_db()
    return Status(201, _out(submission))


@router.get("/submissions/{submission_id}", response={200: SubmissionDetailOut, **errors(404)})
def submission(request: HttpRequest, submission_id: int) -> dict[str, Any]:
    """One batch and the rows the store refused, by record identifier, version and school code."""
    found = _submission(request, submission_id)
    refused = found.rows.filter(outcome=RowOutcome.REJECTED).select_related("school")[:1000]
    rows = [
        {
            "ref": r.ref,
            "record_id": r.record_public_id,
            "version": r.number,
            "school_code": r.school.code,
            "outcome": r.outcome,
            "code": r.code,
            "reason": answers.reason(r.code),
        }
        for r in refused
    ]
    return {**_out(found), "refused_rows": rows}


@router.post("/submissions/{submission_id}/retry", response={200: SubmissionOut, **errors(404, 409)})
def retry(request: HttpRequest, submission_id: int) -> dict[str, Any]:
    """Send a batch not answered yet again (the same sealed bytes). ``submission_answered`` (409) otherwise."""
    found = _submission(request, submission_id)
    return _out(actions.retry(by=request.user, submission=found, channel=Channel.API))
