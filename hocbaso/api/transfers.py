"""API v1 for transfers, transfer bundles and admission to grade 6 (``/api/v1/transfers/…``).

The same actions as the pages; refusals are ``{"code", "message", "field"}`` with the
DomainError's status (``docs/transfers.md`` lists the codes). Files (a bundle, a receipt, a trust
bundle) are sent as multipart uploads and returned as raw bytes with their media type.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from hocbaso.accounts.acting import acting_user
from hocbaso.core.error_schema import YearCode, errors, file_answer
from hocbaso.core.errors import NotFound
from hocbaso.directory.models import ClassGroup, School, SchoolYear
from hocbaso.directory.permissions import visible_students
from hocbaso.signing import pending
from hocbaso.signing.models import SignatureRole, SigningCredential
from hocbaso.transfers import actions, admission, asic, permissions
from hocbaso.transfers.models import Transfer

router = Router(tags=["transfers"])


class TransferOut(Schema):
    id: int
    public_id: str
    kind: str
    state: str
    student_id: int
    student_name: str
    from_school: str
    to_school_id: int | None
    destination: str
    school_year: str
    desired_date: dt.date
    reason: str
    requested_by_family: str
    decided_at: dt.datetime | None
    decision_sha256: str
    records: list[str]
    to_class_id: int | None
    refusal_reason: str


class RequestIn(Schema):
    student_id: int
    school_year: YearCode
    desired_date: dt.date
    reason: str
    requested_by_family: str
    to_school_id: int | None = None
    destination: str = ""


class SignIn(Schema):
    credential_id: int
    authorisation: str


class AcceptIn(Schema):
    class_id: int
    register_number: str = ""


class ReasonIn(Schema):
    reason: str


class AdmissionFiguresOut(Schema):
    school_id: int
    school: str
    completers: int
    issued: int
    signing: int
    missing: int


class CandidateOut(Schema):
    student_id: int
    student_name: str
    school: str
    class_name: str
    result: str
    issuance_code: str
    record_status: str
    consented: bool


def _out(transfer: Transfer) -> dict[str, Any]:
    return {
        "id": transfer.pk,
        "public_id": str(transfer.public_id),
        "kind": transfer.kind,
        "state": transfer.state,
        "student_id": transfer.student_id,
        "student_name": transfer.student.full_name,
        "from_school": transfer.from_school.name,
        "to_school_id": transfer.to_school_id,
        "destination": transfer.destination_name,
        "school_year": transfer.school_year.code,
        "desired_date": transfer.desired_date,
        "reason": transfer.reason,
        "requested_by_family": transfer.requested_by_family,
        "decided_at": transfer.decided_at,
        "decision_sha256": transfer.decision_sha256,
        "records": list(transfer.attached_versions.values_list("issuance_code", flat=True)),
        "to_class_id": transfer.to_class_id,
        "refusal_reason": transfer.refusal_reason,
    }


def _transfer(request: HttpRequest, transfer_id: int) -> Transfer:
    found = (
        permissions.visible_transfers(request.user)
        .select_related("student", "from_school", "to_school", "school_year")
        .filter(pk=transfer_id)
        .first()
    )
    if found is None:
        raise NotFound("No transfer with this id is visible to you.", code="not_found", field="transfer_id")
    return found


def _credential(request: HttpRequest, credential_id: int, role: str) -> SigningCredential:
    found = pending.credentials_for(request.user, role).filter(pk=credential_id).first()
    if found is None:
        raise NotFound("No usable credential with this id.", code="credential_not_found", field="credential_id")
    return found


def _bytes(content: bytes, media_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/", response=list[TransferOut])
def list_transfers(request: HttpRequest) -> list[dict[str, Any]]:
    transfers = permissions.visible_transfers(request.user).select_related(
        "student", "from_school", "to_school", "school_year"
    )
    return [_out(t) for t in transfers[:500]]


@router.post("/", response={201: TransferOut, **errors(400, 403, 404, 409)})
def request_transfer(request: HttpRequest, body: RequestIn) -> Status[dict[str, Any]]:
    student = visible_students(request.user).select_related("school").filter(pk=body.student_id).first()
    if student is None:
        raise NotFound("No student with this id is visible to you.", code="not_found", field="student_id")
    to_school = None
    if body.to_school_id is not None:
        to_school = School.objects.filter(pk=body.to_school_id).first()
        if to_school is None:
            raise NotFound("No school with this id.", code="school_not_found", field="to_school_id")
    transfer = actions.request_transfer(
        by=acting_user(request),
        student=student,
        to_school=to_school,
        destination=body.destination,
        school_year=body.school_year,
        desired_date=body.desired_date,
        reason=body.reason,
        requested_by_family=body.requested_by_family,
        channel="api",
    )
    return Status(201, _out(transfer))


def _school_year(year: str) -> SchoolYear:
    school_year = SchoolYear.objects.filter(code=year).first()
    if school_year is None:
        raise NotFound("The school year does not exist.", code="school_year_unknown", field="year")
    return school_year


@router.get("/admissions", response={200: list[CandidateOut], **errors(404)})
def admissions(request: HttpRequest, year: YearCode, school_id: int | None = None) -> list[dict[str, Any]]:
    """Grade-5 completers, named, of the caller's own schools (a unit officer gets none: see
    ``/admissions/figures``)."""
    school_year = _school_year(year)
    schools = permissions.admission_schools(request.user, school_year)
    if school_id is not None:
        schools = schools.filter(pk=school_id)
    return [
        {
            "student_id": c.student.pk,
            "student_name": c.student.full_name,
            "school": c.school.name,
            "class_name": c.class_name,
            "result": c.result,
            "issuance_code": c.version.issuance_code if c.version else "",
            "record_status": c.record_status,
            "consented": c.consented,
        }
        for c in admission.completers(schools, school_year)
    ]


@router.get("/admissions/figures", response={200: list[AdmissionFiguresOut], **errors(404)})
def admission_figures(request: HttpRequest, year: YearCode) -> list[dict[str, Any]]:
    """Per school, how many grade-5 students completed and how far their records are; no child is
    named (what a commune or province officer reads)."""
    school_year = _school_year(year)
    schools = permissions.admission_count_schools(request.user, school_year)
    return [
        {
            "school_id": t.school.pk,
            "school": t.school.name,
            "completers": t.completers,
            "issued": t.issued,
            "signing": t.signing,
            "missing": t.missing,
        }
        for t in admission.tally(admission.completers(schools, school_year))
    ]


@router.post(
    "/import",
    response={200: None, **errors(400, 403, 404, 409, 429)},
    openapi_extra=file_answer("application/xml", "The signed receipt"),
)
def import_bundle(
    request: HttpRequest,
    bundle: File[UploadedFile],
    school_id: Form[int],
    credential_id: Form[int],
    authorisation: Form[str],
    class_id: Form[int | None] = None,
) -> HttpResponse:
    """Verify and import a bundle from another system; the response is the signed receipt (XML)."""
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise NotFound("No school with this id.", code="school_not_found", field="school_id")
    to_class = ClassGroup.objects.filter(pk=class_id).first() if class_id else None
    received, receipt = actions.import_bundle(
        by=acting_user(request),
        raw=bytes(bundle.read(asic.MAX_BUNDLE_BYTES + 1)),
        school=school,
        credential=_credential(request, credential_id, SignatureRole.SCHOOL),
        authorisation=authorisation,
        to_class=to_class,
        channel="api",
    )
    return _bytes(receipt, "application/xml", f"receipt-{received.transfer_id}.xml")


@router.post("/trust", response={201: dict[str, Any], **errors(400, 403, 404, 409)})
def import_trust(request: HttpRequest, file: File[UploadedFile], name: Form[str]) -> Status[dict[str, Any]]:
    """Operators: trust another deployment's trust bundle."""
    trusted = actions.import_trust(
        by=acting_user(request), raw=bytes(file.read(asic.MAX_BUNDLE_BYTES)), name=name, channel="api"
    )
    return Status(201, {"id": trusted.pk, "name": trusted.name, "roots": trusted.roots_fingerprints})


@router.get("/{transfer_id}", response={200: TransferOut, **errors(404)})
def get_transfer(request: HttpRequest, transfer_id: int) -> dict[str, Any]:
    return _out(_transfer(request, transfer_id))


@router.post("/{transfer_id}/decision", response={200: TransferOut, **errors(400, 403, 404, 409, 429)})
def decide(request: HttpRequest, transfer_id: int, body: SignIn) -> dict[str, Any]:
    transfer = actions.decide_transfer(
        by=acting_user(request),
        transfer=_transfer(request, transfer_id),
        credential=_credential(request, body.credential_id, SignatureRole.PRINCIPAL),
        authorisation=body.authorisation,
        channel="api",
    )
    return _out(_transfer(request, transfer.pk))


@router.get(
    "/{transfer_id}/decision.xml",
    response={200: None, **errors(404, 409)},
    openapi_extra=file_answer("application/xml", "The signed decision"),
)
def decision_file(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _transfer(request, transfer_id)
    return _bytes(actions.decision_bytes(transfer), "application/xml", f"decision-{transfer.public_id}.xml")


@router.post("/{transfer_id}/accept", response={200: TransferOut, **errors(400, 403, 404, 409)})
def accept(request: HttpRequest, transfer_id: int, body: AcceptIn) -> dict[str, Any]:
    transfer = _transfer(request, transfer_id)
    to_class = ClassGroup.objects.filter(pk=body.class_id).first()
    if to_class is None:
        raise NotFound("No class with this id.", code="class_not_found", field="class_id")
    actions.accept_transfer(
        by=acting_user(request),
        transfer=transfer,
        to_class=to_class,
        register_number=body.register_number,
        channel="api",
    )
    return _out(_transfer(request, transfer_id))


@router.post("/{transfer_id}/refuse", response={200: TransferOut, **errors(400, 403, 404, 409)})
def refuse(request: HttpRequest, transfer_id: int, body: ReasonIn) -> dict[str, Any]:
    actions.refuse_transfer(
        by=acting_user(request), transfer=_transfer(request, transfer_id), reason=body.reason, channel="api"
    )
    return _out(_transfer(request, transfer_id))


@router.post("/{transfer_id}/cancel", response={200: TransferOut, **errors(400, 403, 404, 409)})
def cancel(request: HttpRequest, transfer_id: int, body: ReasonIn) -> dict[str, Any]:
    actions.cancel_transfer(
        by=acting_user(request), transfer=_transfer(request, transfer_id), reason=body.reason, channel="api"
    )
    return _out(_transfer(request, transfer_id))


@router.post(
    "/{transfer_id}/bundle",
    response={200: None, **errors(400, 403, 404, 409, 429)},
    openapi_extra=file_answer(asic.MIMETYPE, "The sealed transfer bundle (ASiC-E)"),
)
def export_bundle(request: HttpRequest, transfer_id: int, body: SignIn) -> HttpResponse:
    """Seal and return the transfer bundle (application/vnd.etsi.asic-e+zip)."""
    transfer = _transfer(request, transfer_id)
    raw = actions.export_bundle(
        by=acting_user(request),
        transfer=transfer,
        credential=_credential(request, body.credential_id, SignatureRole.SCHOOL),
        authorisation=body.authorisation,
        channel="api",
    )
    return _bytes(raw, asic.MIMETYPE, f"bundle-{transfer.public_id}.zip")


@router.post("/{transfer_id}/receipt", response={200: TransferOut, **errors(400, 403, 404, 409)})
def import_receipt(request: HttpRequest, transfer_id: int, file: File[UploadedFile]) -> dict[str, Any]:
    actions.import_receipt(
        by=acting_user(request),
        transfer=_transfer(request, transfer_id),
        raw=bytes(file.read(asic.MAX_BUNDLE_BYTES)),
        channel="api",
    )
    return _out(_transfer(request, transfer_id))
