"""JSON API v1 for machines: the same report schema as the page and the offline command.

Mounted by the lead in ``hocbaso/api/api.py``: ``api.add_router("/verify", verification_router)``.
Every operation is public (``auth=None``), rate-limited per client like the page, and logged
without the caller's personal data.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile

from hocbaso.core.body_limits import accepts_upload
from hocbaso.core.error_schema import documented, errors, file_answer
from hocbaso.core.errors import DomainError
from hocbaso.core.permissions import public
from hocbaso.records import issuance
from hocbaso.verification import core, messages, reads, registry, views
from hocbaso.verification.models import VerificationChannel

router = Router(tags=["verification"])
PAPER_MAX_CHARS = 2000  # a version-10 QR holds at most 395 alphanumeric characters


# The canonical form; lower case, spaces, dots and O/I/L for 0/1 are accepted too. Another text is
# the operation's own 400 ``code_malformed``.
_SYMBOL = "[0-9A-HJKMNP-TV-Z]"
IssuanceCode = Annotated[
    str,
    documented(
        "string",
        pattern=f"^HB-{_SYMBOL}{{4}}-{_SYMBOL}{{4}}-{_SYMBOL}{{4}}-{_SYMBOL}$",
        description="HB-XXXX-XXXX-XXXX-C",
    ),
]
SINCE = Query(None, ge=0, description="A tree size the caller holds: adds the consistency proof from it")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429


class CheckOut(Schema):
    name: str
    status: str
    code: str
    params: dict[str, str]
    text: str


class SignatureOut(Schema):
    role: str
    signer_name: str | None
    title: str | None
    fingerprint: str | None
    signing_time: str | None
    outcome: str
    reasons: list[str]


class PaperIn(Schema):
    text: str


class FactOut(Schema):
    label: str
    value: str


class DocumentOut(Schema):
    kind: str
    sha256: str
    xml_sha256: str | None = None
    issuance_code: str | None = None
    record_id: str | None = None
    version: int | None = None
    student_name: str | None = None
    date_of_birth: str | None = None
    school_name: str | None = None
    school_year: str | None = None
    class_name: str | None = None
    result: str | None = None
    completion: str | None = None
    school_code: str | None = None
    sealed_on: str | None = None
    digitised: bool = False
    book_number: str | None = None
    original_date: str | None = None
    compared_by: str | None = None
    scan_sha256: str | None = None


class ReportOut(Schema):
    """One verification: ``outcome`` is exactly one of valid | invalid | cannot_determine; the
    ``*_text`` fields and ``facts`` are the page's words (the same sentence for the same reason)."""

    outcome: str
    outcome_text: str
    reason: str
    reason_text: str
    reason_params: dict[str, str]
    facts: list[FactOut]
    document: DocumentOut | None
    status: str | None
    superseded_by: str | None
    signatures: list[SignatureOut]
    checks: list[CheckOut]
    demo: bool


def _limit(request: HttpRequest) -> None:
    if views.over_limit(request):
        raise RateLimited(messages.text("rate_limited"))


def worded(report: core.Report) -> dict[str, Any]:
    """``report.to_json()`` with the page's sentences for the outcome, the reason, each check and the
    values a forger would change."""
    data = report.to_json()
    words = messages.presented(report)  # the page's words; ``outcome`` and ``reason`` keep their codes
    data["outcome_text"] = words["outcome_text"]
    data["reason_text"] = words["reason_text"]
    data["facts"] = [{"label": label, "value": value} for label, value in messages.facts(report)]
    for shown, out in zip(words["checks"], data["checks"], strict=True):
        out["text"] = shown["text"]
    return data


def _answer(report: core.Report, channel: str) -> dict[str, Any]:
    registry.log(report, channel=channel)
    return worded(report)


def _worded_error(exc: DomainError) -> DomainError:
    """The same refusal in the page's words (a code the verification texts know)."""
    if exc.code in core.MESSAGES:
        exc.message = messages.text(exc.code)
    return exc


@public
@router.get(
    "/code/{code}",
    auth=None,
    response={200: ReportOut, **errors(400, 429)},
    summary="Verify the record of an issuance code",
)
def verify_code(request: HttpRequest, code: IssuanceCode) -> dict[str, Any]:
    """Verifies the stored signed PDF of ``code``. A malformed code or a wrong check character is a
    400 (``code_malformed`` / ``code_checksum``); a well-formed unknown code is an ``invalid`` report
    with reason ``code_unknown``."""
    _limit(request)
    try:
        return _answer(reads.verify_code(code), VerificationChannel.API)
    except DomainError as exc:
        raise _worded_error(exc) from None


@public
@router.get(
    "/code/{code}/scan",
    auth=None,
    summary="The paper book's scan (PDF/A) of a digitised copy",
    response={200: None, **errors(404, 429)},
    openapi_extra=file_answer("application/pdf", "The scan"),
)
def verify_scan(request: HttpRequest, code: IssuanceCode) -> HttpResponse:
    """The scan attached to the digitised copy issued under ``code``; 404 for any other code."""
    _limit(request)
    return views.scan_response(code)


@public
@router.post(
    "/file", auth=None, response={200: ReportOut, **errors(429)}, summary="Verify an uploaded record PDF or XML"
)
@accepts_upload(views.max_upload_bytes, field="document")
def verify_file(request: HttpRequest, document: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    """Multipart upload in the field ``document``; empty, too large and non-record files are
    ``invalid`` reports (``empty_file``, ``file_too_large``, ``not_a_record_file``)."""
    _limit(request)
    return _answer(views.upload_report(document), VerificationChannel.API)


@public
@router.post(
    "/paper", auth=None, response={200: ReportOut, **errors(429)}, summary="Verify the seal QR of a printed copy"
)
def verify_paper(request: HttpRequest, payload: PaperIn) -> dict[str, Any]:
    """JSON ``{"text": "HB1:…"}``: the scanned text of a printed page's seal QR, checked as the page
    checks it — the seal bound to the printed school and year, and the printed values against the
    registered version and its status."""
    _limit(request)
    if len(payload.text) > PAPER_MAX_CHARS:
        return _answer(core.report_of([core.Check("paper_seal", "failed", "paper_malformed")]), VerificationChannel.API)
    return _answer(reads.verify_paper(payload.text), VerificationChannel.API)


def _packet(request: HttpRequest, code: str, since: int | None) -> dict[str, Any]:
    _limit(request)
    try:
        canonical = issuance.check_code(code)
    except DomainError as exc:
        raise _worded_error(exc) from None
    return reads.packet(canonical, since=since)


@public
@router.get(
    "/packet/{code}",
    auth=None,
    response={200: dict[str, Any], **errors(400, 429)},
    summary="The signed verification packet for offline verification",
)
def verification_packet(request: HttpRequest, code: IssuanceCode, since: int | None = SINCE) -> dict[str, Any]:
    """What ``hocbaso verify FILE --packet PACKET`` reads: the registry's answers (hashes, status,
    signers with their entitled periods, the ledger entries with inclusion proofs), the tree head
    they are proven against, and with ``since=SIZE`` the consistency proof from the tree head of
    that size — all signed by the deployment's log key (``docs/verification.md``)."""
    return _packet(request, code, since)


@public
@router.get(
    "/registry/{code}",
    auth=None,
    response={200: dict[str, Any], **errors(400, 429)},
    summary="The signed verification packet (former name)",
)
def registry_answers(request: HttpRequest, code: IssuanceCode, since: int | None = SINCE) -> dict[str, Any]:
    """The same signed packet as ``/packet/{code}``: registry answers are never served unsigned."""
    return _packet(request, code, since)
