"""API v1 for phone signing apps: the signatures waiting for the signer, and the app's answers.

The app signs in with the signer's API token (``Authorization: Bearer hbs_…``); it only ever sees
and answers the approvals of batches its user submitted with their phone-app certificate. Each
approval carries the exact bytes to sign (base64): ``pdf_to_be_signed`` (the CMS signed
attributes of the PAdES signature) and ``xml_to_be_signed`` (the canonical XAdES SignedInfo).
The app signs both with SHA-256 and the certificate's key (ECDSA values DER-encoded, RSA PKCS#1
v1.5) and posts them back. Refusals: ``approval_not_found`` (404), ``signature_value_invalid``
(400, the approval keeps waiting), ``approval_expired`` / ``signing_concurrent_change`` /
``approval_answered`` (409), ``paper_year_signing`` (409: the school year went on paper after the
signature was prepared; the approval is closed, docs/paper-and-digitising.md).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from hocbaso.core.error_schema import errors
from hocbaso.core.errors import ValidationFailed
from hocbaso.signing import actions, remote
from hocbaso.signing.models import RemoteApproval

router = Router(tags=["signing"])


class ApprovalOut(Schema):
    id: int
    batch_id: int
    issuance_code: str
    student_name: str
    class_name: str
    school_name: str
    role: str
    title: str
    digest_algorithm: str = "sha256"
    pdf_to_be_signed: str
    xml_to_be_signed: str
    expires_at: dt.datetime
    state: str


class AnswerIn(Schema):
    pdf_signature: str
    xml_signature: str


def _out(approval: RemoteApproval) -> dict[str, Any]:
    version = approval.version
    return {
        "id": approval.pk,
        "batch_id": approval.item.batch_id,
        "issuance_code": version.issuance_code,
        "student_name": version.record.student.full_name,
        "class_name": version.class_group.name,
        "school_name": version.school.name,
        "role": approval.item.batch.role,
        "title": approval.title,
        "pdf_to_be_signed": base64.b64encode(bytes(approval.pdf_to_be_signed)).decode(),
        "xml_to_be_signed": base64.b64encode(bytes(approval.xml_to_be_signed)).decode(),
        "expires_at": approval.expires_at,
        "state": approval.state,
    }


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("Not base64.", code="not_base64", field=field) from None


@router.get("/approvals", response=list[ApprovalOut])
def waiting(request: HttpRequest) -> list[dict[str, Any]]:
    """The signatures waiting for my signing app, oldest batch first."""
    return [_out(a) for a in remote.waiting_for(request.user)]


@router.post("/approvals/{approval_id}", response={200: ApprovalOut, **errors(400, 404, 409)})
def answer(request: HttpRequest, approval_id: int, payload: AnswerIn) -> dict[str, Any]:
    """Finish one signature with the app's two signature values; answering twice changes nothing."""
    actions.answer_approval(
        by=request.user,
        approval_id=approval_id,
        pdf_signature=_b64(payload.pdf_signature, "pdf_signature"),
        xml_signature=_b64(payload.xml_signature, "xml_signature"),
    )
    return _out(_reload(approval_id))


@router.post("/approvals/{approval_id}/refuse", response={200: ApprovalOut, **errors(404, 409)})
def refuse(request: HttpRequest, approval_id: int) -> dict[str, Any]:
    """The signer declined in the app: the record stays unsigned."""
    actions.refuse_approval(by=request.user, approval_id=approval_id)
    return _out(_reload(approval_id))


def _reload(approval_id: int) -> RemoteApproval:
    return RemoteApproval.objects.select_related(
        "item__batch", "version__record__student", "version__class_group", "version__school"
    ).get(pk=approval_id)
