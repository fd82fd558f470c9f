"""Signing with a phone app that answers later: pyHanko's interrupted signing, with the state persisted.

A batch whose credential is a phone signing app (``CredentialKind.REMOTE_APP``) is not signed in
one go. :func:`prepare_batch` (run by the batch task) checks each version exactly as a direct
signature would, reserves the signature in the PDF (``pades.prepare_pdf_signature``), builds the
XAdES signature with a placeholder value, keeps both in content-addressed storage and records a
:class:`~hocbaso.signing.models.RemoteApproval` holding the exact bytes the app must sign. The
item then waits (``awaiting``), across restarts, until the app answers through the API:

- :func:`answer` with the two signature values (SHA-256 with the certificate's key; ECDSA as DER,
  RSA PKCS#1 v1.5) checks each value against the registered certificate, finishes the PDF
  signature (with its RFC 3161 timestamp), puts the value into the XML signature, adds validation
  data and the archive timestamp for the seal, and commits exactly like a direct signature
  (``commit_signature``). A wrong value is refused and the approval keeps waiting; a
  repeated answer changes nothing;
- :func:`refuse` (the signer declined in the app) fails the item; nothing is signed.

The appointment is checked again on the day of the answer, which is the signing date.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from lxml import etree

from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from hocbaso.directory import paper
from hocbaso.directory.permissions import staff_of
from hocbaso.records import signed_record, storage
from hocbaso.records.models import RecordVersion
from hocbaso.signing import batches, order, pades, trust, xades
from hocbaso.signing.backends import signature_value_matches
from hocbaso.signing.batch_states import finish_item, move_approval, move_batch
from hocbaso.signing.issuance import commit_signature
from hocbaso.signing.models import (
    CredentialKind,
    ItemOutcome,
    RemoteApproval,
    SignatureRole,
    SigningBatch,
    SigningBatchItem,
)

APPROVAL_TTL = dt.timedelta(days=7)


# --- XAdES in two halves ------------------------------------------------------------------------------


class _CapturingKey:
    """Stands in for the phone's key while signxml builds the signature: records what must be signed."""

    def __init__(self, certificate: x509.Certificate):
        self._certificate = certificate
        self.key_size = certificate.public_key().key_size  # type: ignore[union-attr]
        self.captured: bytes | None = None

    def public_key(self) -> Any:
        return self._certificate.public_key()

    def sign(self, data: bytes, *args: Any, **kwargs: Any) -> bytes:
        self.captured = data
        if isinstance(self._certificate.public_key(), ec.EllipticCurvePublicKey):
            return encode_dss_signature(1, 1)
        return bytes((self.key_size + 7) // 8)


def _placeholder(certificate: x509.Certificate) -> str:
    size = (certificate.public_key().key_size + 7) // 8  # type: ignore[union-attr]
    if isinstance(certificate.public_key(), ec.EllipticCurvePublicKey):
        return base64.b64encode((1).to_bytes(size, "big") * 2).decode()
    return base64.b64encode(bytes(size)).decode()


def prepare_xml_signature(
    xml: bytes, *, certificate: x509.Certificate, chain: list[x509.Certificate], role: str
) -> tuple[bytes, bytes]:
    """(the XML with a complete XAdES signature except its value, the bytes the app must sign)."""
    key = _CapturingKey(certificate)
    prepared = xades.sign_xml(xml, key=key, cert_chain=[certificate, *chain], role=role)  # type: ignore[arg-type]
    assert key.captured is not None
    return prepared, key.captured


def check_signature_value(certificate: x509.Certificate, data: bytes, value: bytes) -> None:
    """Refuse (``signature_value_invalid``) a value that is not the key's SHA-256 signature of ``data``."""
    if not signature_value_matches(certificate, data, value):
        raise ValidationFailed(
            _("The signature from the app does not match the registered certificate."), code="signature_value_invalid"
        ) from None


def finish_xml_signature(prepared: bytes, *, certificate: x509.Certificate, to_be_signed: bytes, value: bytes) -> bytes:
    """Put the app's ``value`` (checked first) into the last signature of ``prepared``; return the XML."""
    check_signature_value(certificate, to_be_signed, value)
    if isinstance(certificate.public_key(), ec.EllipticCurvePublicKey):
        r, s = decode_dss_signature(value)
        size = (certificate.public_key().key_size + 7) // 8  # type: ignore[union-attr]
        value = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    root = etree.fromstring(prepared, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    node = root.findall(f"{{{xades.DS}}}Signature")[-1].find(f"{{{xades.DS}}}SignatureValue")
    if node is None or (node.text or "").strip() != _placeholder(certificate):
        raise Conflict(_("The prepared signature was already completed."), code="prepared_signature_used")
    node.text = base64.b64encode(value).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --- preparing a batch -------------------------------------------------------------------------------


def prepare_batch(batch_id: int) -> SigningBatch:
    """Prepare every pending item of a phone-app batch; items already prepared or finished stay as they are.

    The certificate is checked first (a refusal fails the batch, items stay pending); a refusal on
    one version fails that item only. The batch ends ``awaiting`` while any approval waits.
    """
    batch = SigningBatch.objects.select_related("credential", "signer", "created_by").get(pk=batch_id)
    if batch.credential.kind != CredentialKind.REMOTE_APP:
        raise ValidationFailed(_("This batch is not signed in an app."), code="credential_kind_unsupported")
    if batch.state == SigningBatch.State.FINISHED:
        return batch
    certificate, chain = batch.credential.certificate_and_chain()
    timestamping = trust.default_timestamping()
    move_batch(
        batch.pk, SigningBatch.State.RUNNING, started_at=batch.started_at or clock.now(), error="", error_code=""
    )
    try:
        trust.check_certificate(certificate, chain, trust.default_trust())
    except DomainError as exc:
        batches.mark_failed(batch.pk, exc)
        raise
    for item in batch.items.filter(outcome=ItemOutcome.PENDING).order_by("position"):
        try:
            _prepare_item(item, batch, certificate, chain, timestamping)
        except DomainError as exc:
            with transaction.atomic():
                finish_item(item, ItemOutcome.FAILED, exc.code, str(exc.message))
        except Exception as exc:  # a library failure on one document must not stop the others
            with transaction.atomic():
                finish_item(item, ItemOutcome.FAILED, "signing_error", f"{type(exc).__name__}: {exc}"[:500])
    _settle(batch.pk)
    batch.refresh_from_db()
    return batch


def _prepare_item(
    item: SigningBatchItem,
    batch: SigningBatch,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    timestamping: trust.Timestamping,
) -> None:
    ready = batches.ready_to_sign(item, batch)
    if ready is None:
        return
    version, appointment, title = ready
    pdf_in, xml_in = batches.read_current(version)
    prepared = pades.prepare_pdf_signature(
        pdf_in,
        certificate=certificate,
        chain=chain,
        **batches.pdf_signature_texts(version, batch.role, title),
        **timestamping.kwargs(),
    )
    xml_prepared, xml_tbs = prepare_xml_signature(xml_in, certificate=certificate, chain=chain, role=title)
    prepared_name, prepared_sha = storage.put(prepared.to_json().encode(), ".json")
    xml_name, xml_sha = storage.put(xml_prepared, ".xml")
    with transaction.atomic():
        RemoteApproval.objects.create(
            item=item,
            version=version,
            appointment=appointment,
            title=title,
            base_pdf_sha256=signed_record.current_pdf(version)[1],
            prepared_name=prepared_name,
            prepared_sha256=prepared_sha,
            xml_name=xml_name,
            xml_sha256=xml_sha,
            pdf_to_be_signed=prepared.to_be_signed,
            xml_to_be_signed=xml_tbs,
            expires_at=clock.now() + APPROVAL_TTL,
        )
        SigningBatchItem.objects.filter(pk=item.pk).update(outcome=ItemOutcome.AWAITING)


def _settle(batch_id: int) -> None:
    """Finish the batch when nothing waits any more; otherwise leave it ``awaiting``."""
    waiting = SigningBatchItem.objects.filter(
        batch_id=batch_id, outcome__in=[ItemOutcome.PENDING, ItemOutcome.AWAITING]
    ).exists()
    state = SigningBatch.State.AWAITING if waiting else SigningBatch.State.FINISHED
    move_batch(batch_id, state, finished_at=None if waiting else clock.now())


# --- the app's answers -------------------------------------------------------------------------------


def waiting_for(user: Any) -> QuerySet[RemoteApproval]:
    """Approvals waiting for ``user``'s app (not expired), in batch order."""
    staff = staff_of(user)
    if staff is None:
        return RemoteApproval.objects.none()
    return RemoteApproval.objects.filter(
        item__batch__signer=staff, state=RemoteApproval.State.WAITING, expires_at__gt=clock.now()
    ).select_related("item__batch", "version__record__student", "version__class_group", "version__school")


def _approval_for(by: Any, approval_id: int) -> RemoteApproval:
    staff = staff_of(by)
    approval = (
        RemoteApproval.objects.select_related("item__batch__credential", "item__batch__signer", "appointment")
        .filter(pk=approval_id, item__batch__signer=staff)
        .first()
        if staff is not None
        else None
    )
    if approval is None:
        raise NotFound(_("No signature waits for you with this number."), code="approval_not_found")
    return approval


def _close(approval: RemoteApproval, state: str, code: str, message: str = "", *, finish: bool = True) -> None:
    """Record the answer; a refusal also fails the item (``commit_signature`` finishes signed items)."""
    move_approval(approval, state, code=code, answered_at=clock.now())
    if finish and state != RemoteApproval.State.SIGNED:
        finish_item(approval.item, ItemOutcome.FAILED, code, message)


def expire_stale(*, now: dt.datetime | None = None) -> int:
    """Close every approval still waiting after its ``expires_at``: its item fails
    (``approval_expired``), nothing is signed, and batches with nothing left waiting finish.
    Returns how many were closed. Run daily (``hocbaso signing expire-approvals`` or the task)."""
    moment = now or clock.now()
    stale = list(
        RemoteApproval.objects.filter(state=RemoteApproval.State.WAITING, expires_at__lte=moment).select_related("item")
    )
    for approval in stale:
        with transaction.atomic():
            _close(approval, RemoteApproval.State.REFUSED, "approval_expired", str(_("The app answered too late.")))
    for batch_id in {a.item.batch_id for a in stale}:
        _settle(batch_id)
    return len(stale)


def refuse(*, by: Any, approval_id: int, channel: str = Channel.API) -> RemoteApproval:
    """The signer declined in the app: the item fails (``refused_in_app``); nothing is signed."""
    approval = _approval_for(by, approval_id)
    if approval.state != RemoteApproval.State.WAITING:
        raise Conflict(_("This signature was already answered."), code="approval_answered")
    with transaction.atomic():
        _close(approval, RemoteApproval.State.REFUSED, "refused_in_app", str(_("Declined in the signing app.")))
    _settle(approval.item.batch_id)
    return approval


def answer(
    *, by: Any, approval_id: int, pdf_signature: bytes, xml_signature: bytes, channel: str = Channel.API
) -> RemoteApproval:
    """Finish one prepared signature with the app's two values and commit it (see the module docstring).

    Idempotent: answering an approval already signed returns it unchanged. Refusals keep the
    approval waiting unless it can never succeed (expired, the record changed meanwhile).
    """
    approval = _approval_for(by, approval_id)
    if approval.state == RemoteApproval.State.SIGNED:
        return approval
    if approval.state != RemoteApproval.State.WAITING:
        raise Conflict(_("This signature was already answered."), code="approval_answered")
    batch = approval.item.batch
    if approval.expires_at <= clock.now():
        with transaction.atomic():
            _close(approval, RemoteApproval.State.REFUSED, "approval_expired", str(_("The app answered too late.")))
        _settle(batch.pk)
        raise Conflict(_("This signature request has expired; sign the record again."), code="approval_expired")
    version = RecordVersion.objects.select_related("school", "class_group").get(pk=approval.version_id)
    if paper.is_paper_year(version.school_id, version.school_year_id):  # switched to paper after preparation
        with transaction.atomic():
            _close(approval, RemoteApproval.State.REFUSED, "paper_year_signing")
        _settle(batch.pk)
        paper.refuse_if_paper(version.school_id, version.school_year_id, act="signing")
    certificate, _chain = batch.credential.certificate_and_chain()
    check_signature_value(certificate, bytes(approval.pdf_to_be_signed), pdf_signature)
    if signed_record.current_pdf(version)[1] != approval.base_pdf_sha256:
        with transaction.atomic():
            _close(approval, RemoteApproval.State.REFUSED, "signing_concurrent_change")
        _settle(batch.pk)
        raise Conflict(_("The record changed while it was being signed."), code="signing_concurrent_change")
    appointment, title = order.appointment_for(batch.signer, version, batch.role, on=clock.today())
    timestamping = trust.default_timestamping()
    prepared = pades.PreparedSignature.from_json(storage.get(approval.prepared_name, approval.prepared_sha256).decode())
    pdf_out = pades.finish_pdf_signature(prepared, pdf_signature, timestamper=timestamping.timestamper)
    xml_out = finish_xml_signature(
        storage.get(approval.xml_name, approval.xml_sha256),
        certificate=certificate,
        to_be_signed=bytes(approval.xml_to_be_signed),
        value=xml_signature,
    )
    if batch.role == SignatureRole.SCHOOL:
        pdf_out = pades.make_ltv(pdf_out, trust.default_trust(), **timestamping.kwargs())
    with transaction.atomic():
        outcome = commit_signature(
            approval.item,
            batch=batch,
            version=version,
            appointment=appointment,
            title=title,
            fingerprint=batch.credential.fingerprint,
            pdf_out=pdf_out,
            xml_out=xml_out,
            by=by,
            channel=channel,
        )
        if outcome == ItemOutcome.OK:
            _close(approval, RemoteApproval.State.SIGNED, "")
        else:  # signed for this role by another way meanwhile; the item is already finished as skipped
            _close(approval, RemoteApproval.State.REFUSED, "already_signed", finish=False)
    _settle(batch.pk)
    return approval
