"""JSON API v1 for machines: the same report schema as the page and the offline command.

Mounted by the lead in ``hocbaso/api/api.py``: ``api.add_router("/verify", verification_router)``.
Every operation is public (``auth=None``), rate-limited per client like the page, and logged
without the caller's personal data.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from hocbaso.core.errors import DomainError
from hocbaso.core.permissions import public
from hocbaso.records import issuance
from hocbaso.verification import core, registry, views
from hocbaso.verification.models import VerificationChannel

router = Router(tags=["verification"])


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429


class CheckOut(Schema):
    name: str
    status: str
    code: str
    params: dict[str, str]


class SignatureOut(Schema):
    role: str
    signer_name: str | None
    title: str | None
    fingerprint: str | None
    signing_time: str | None
    outcome: str
    reasons: list[str]


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


class ReportOut(Schema):
    """One verification: ``outcome`` is exactly one of valid | invalid | cannot_determine."""

    outcome: str
    reason: str
    reason_params: dict[str, str]
    document: DocumentOut | None
    status: str | None
    superseded_by: str | None
    signatures: list[SignatureOut]
    checks: list[CheckOut]
    demo: bool


def _limit(request: HttpRequest) -> None:
    if views.over_limit(request):
        raise RateLimited("Too many verifications; wait a minute.")


def _answer(report: core.Report, channel: str) -> dict[str, Any]:
    registry.log(report, channel=channel)
    return report.to_json()


@public
@router.get("/code/{code}", auth=None, response=ReportOut, summary="Verify the record of an issuance code")
def verify_code(request: HttpRequest, code: str) -> dict[str, Any]:
    """Verifies the stored signed PDF of ``code``. A malformed code or a wrong check character is a
    400 (``code_malformed`` / ``code_checksum``); a well-formed unknown code is an ``invalid`` report
    with reason ``code_unknown``."""
    _limit(request)
    return _answer(registry.verify_code(code), VerificationChannel.API)


@public
@router.post("/file", auth=None, response=ReportOut, summary="Verify an uploaded record PDF or XML")
def verify_file(request: HttpRequest, document: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    """Multipart upload in the field ``document``; empty, too large and non-record files are
    ``invalid`` reports (``empty_file``, ``file_too_large``, ``not_a_record_file``)."""
    _limit(request)
    return _answer(views.upload_report(document), VerificationChannel.API)


@public
@router.get("/registry/{code}", auth=None, summary="The registry's answers for offline verification")
def registry_answers(request: HttpRequest, code: str) -> dict[str, Any]:
    """What ``hocbaso verify --registry FILE`` reads: hashes, status, signers with their entitled
    periods, the ledger entry with its inclusion proof at the latest signed tree head (also
    returned, as ``tree_head``)."""
    _limit(request)
    canonical = issuance.check_code(code)
    head = registry.signed_tree_head(covering_code=canonical)
    answers = registry.answers_for(canonical, tree_size=head.size if head else None)
    return {**answers.to_json(), "tree_head": head.to_json() if head else None}
