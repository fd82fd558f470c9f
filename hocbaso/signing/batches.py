"""Signing batches: one signer, one role, one credential, many record versions, one authorisation.

Each version is signed (PDF with PAdES, XML with XAdES, in one go) outside any transaction and
then committed in its own short transaction together with its batch item, its ``SignatureEvent``
and its audit event (:func:`hocbaso.signing.issuance.commit_signature`): a failure on one version
leaves it exactly as it was and the batch continues; a killed worker leaves no half-signed version,
and :func:`resume_batch` continues with the items still pending. A version that already carries
the role's signature is skipped. Batch states move through ``batch_states`` (a transition table).

Entry points: :func:`sign_batch` (synchronous, with an opened signer source), :func:`create_batch`,
:func:`check_authorisation` (the password/PIN and the certificate, before a batch exists),
:func:`resume_batch` (what a task runs), :func:`mark_failed`. Queueing a batch as tasks is the
write verb ``signing.actions.submit_batch``: imports run actions → tasks → this module, never back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, DomainError, NotFound, PermissionRefused, ValidationFailed
from hocbaso.directory import paper
from hocbaso.directory.models import Appointment, StaffMember
from hocbaso.directory.roles import Permission, appointments_granting, staff_of
from hocbaso.records import signed_record, storage
from hocbaso.records.models import Origin, RecordVersion, Status
from hocbaso.signing import attempts, pades, paper_seal, providers, xades
from hocbaso.signing.authorisations import drop_secret, secret_of, store_secret
from hocbaso.signing.batch_states import finish_item, move_batch
from hocbaso.signing.issuance import commit_signature
from hocbaso.signing.models import (
    ItemOutcome,
    SignatureEvent,
    SignatureRole,
    SigningBatch,
    SigningBatchItem,
    SigningCredential,
)
from hocbaso.signing.order import appointment_for, certifies, required_status
from hocbaso.signing.pending import credentials_for
from hocbaso.signing.providers import Kit, Source, open_kit, source_for
from hocbaso.signing.refusals import (
    AuthorisationRequired,
    CredentialRefused,
    SignerNotAppointed,
    SigningOutOfOrder,
)
from hocbaso.signing.trust import Timestamping, check_certificate, default_timestamping, default_trust

logger = logging.getLogger(__name__)


def _check_credential_for(staff: StaffMember, role: str, credential: SigningCredential) -> None:
    if not credential.active:
        raise CredentialRefused(_("This credential is no longer active."), code="credential_inactive")
    if role == SignatureRole.SCHOOL:
        if not credential.for_organisation:
            raise CredentialRefused(
                _("The school seal needs the school's organisation certificate."), code="credential_not_organisation"
            )
        allowed = appointments_granting(staff, Permission.APPLY_SCHOOL_SEAL).filter(school=credential.school)
        if not allowed.exists():
            raise SignerNotAppointed(_("Only the principal or the clerk of its school may apply the school seal."))
    else:
        if credential.for_organisation:
            raise CredentialRefused(
                _("A personal signature needs a personal certificate."), code="credential_not_personal"
            )
        if credential.staff_id != staff.pk:
            raise CredentialRefused(_("This credential belongs to someone else."), code="credential_not_yours")


def create_batch(
    *,
    by: Any,
    version_ids: Sequence[int],
    role: str,
    credential: SigningCredential,
    idempotency_key: str,
    authorisation: str | None = None,
    channel: str = Channel.WEB,
    shards: int = 1,
) -> tuple[SigningBatch, bool]:
    """Create the batch for ``idempotency_key``, or return the one already made with it (``created`` False).

    Refuses a reused key for a different request (``idempotency_key_reused``), an unknown role,
    a credential the signer may not use, and unknown versions (``version_not_found``).
    """
    if role not in SignatureRole.values:
        raise ValidationFailed(_("Unknown signature role."), code="signing_role_unknown", field="role")
    staff = staff_of(by)
    if staff is None:
        raise PermissionRefused(_("Only staff members sign records."), code="signer_not_staff")
    ids = list(dict.fromkeys(int(v) for v in version_ids))
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise ValidationFailed(_("The request has no idempotency key."), code="idempotency_key_missing")

    def existing() -> tuple[SigningBatch, bool] | None:
        batch = SigningBatch.objects.filter(idempotency_key=key).first()
        if batch is None:
            return None
        same = (
            batch.signer_id == staff.pk
            and batch.role == role
            and batch.credential_id == credential.pk
            and list(batch.items.order_by("position").values_list("version_id", flat=True)) == ids
        )
        if not same:
            raise Conflict(
                _("This request was already submitted with different contents."), code="idempotency_key_reused"
            )
        return batch, False

    found = existing()
    if found is not None:
        return found
    if not ids:
        raise ValidationFailed(_("Choose at least one record to sign."), code="nothing_to_sign")
    _check_credential_for(staff, role, credential)
    known = set(RecordVersion.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if len(known) != len(ids):
        raise NotFound(_("Some of the chosen records do not exist."), code="version_not_found")
    for school_id, year_id in (
        RecordVersion.objects.filter(pk__in=ids, origin=Origin.DIGITAL)  # digitised copies: the seal's
        .values_list("school_id", "school_year_id")
        .order_by()  # without the model's ordering, which DISTINCT would otherwise select too
        .distinct()
    ):
        paper.refuse_if_paper(school_id, year_id, act="signing")
    try:
        with transaction.atomic():
            batch = SigningBatch.objects.create(
                idempotency_key=key,
                created_by=by,
                signer=staff,
                role=role,
                credential=credential,
                total=len(ids),
                shards=max(1, min(shards, len(ids))),
                heartbeat_at=clock.now(),
            )
            if authorisation:
                store_secret(batch, authorisation)
            SigningBatchItem.objects.bulk_create(
                SigningBatchItem(batch=batch, version_id=pk, position=n) for n, pk in enumerate(ids, start=1)
            )
            audit.record(
                by=by,
                action="signing.batch_create",
                obj=batch,
                school_id=credential.school_id or staff.school_id,
                changes={"role": role, "credential": credential.pk, "versions": ids},
                channel=channel,
            )
    except IntegrityError:  # a concurrent submission with the same key won the race
        found = existing()
        if found is None:
            raise
        return found
    return batch, True


def read_current(version: RecordVersion) -> tuple[bytes, bytes]:
    """The version's PDF and XML as they stand (``records.signed_record.current_pdf``/``current_xml``)."""
    return storage.get(*signed_record.current_pdf(version)), storage.get(*signed_record.current_xml(version))


def pdf_signature_texts(version: RecordVersion, role: str, title: str) -> dict[str, Any]:
    """The PAdES field and texts of ``role``'s signature on ``version``, the same for every means
    (``pades.signature_metadata``): the field named as the role, certification or not, the signer's
    title as the reason and the school's name as the location."""
    return {
        "field_name": role,
        "certify": certifies(version, role),
        "reason": title,
        "location": version.school.name,
    }


def sign_item(
    item: SigningBatchItem,
    *,
    batch: SigningBatch,
    kit: Kit,
    timestamping: Timestamping,
    trust: pades.Trust,
    by: Any,
    channel: str = Channel.WEB,
) -> str:
    """Sign one batch item's version in the batch's role; return the item's outcome (``ok`` or ``skipped``).

    Raises a ``DomainError`` (nothing written) when the version may not be signed now.
    """
    role = batch.role
    ready = ready_to_sign(item, batch)
    if ready is None:
        return ItemOutcome.SKIPPED
    version, appointment, title = ready
    pdf_in, xml_in = read_current(version)
    pdf_out = pades.sign_pdf(
        pdf_in,
        signer=kit.pdf_signer,
        qr_text=paper_text(version, kit) if role == SignatureRole.SCHOOL else None,
        **pdf_signature_texts(version, role, title),
        **timestamping.kwargs(),
    )
    xml_out = xades.sign_xml(xml_in, key=kit.xml_key, cert_chain=[kit.certificate, *kit.chain], role=title)
    if role == SignatureRole.SCHOOL:
        pdf_out = pades.make_ltv(pdf_out, trust, **timestamping.kwargs())
    return commit_signature(
        item,
        batch=batch,
        version=version,
        appointment=appointment,
        title=title,
        fingerprint=kit.fingerprint,
        pdf_out=pdf_out,
        xml_out=xml_out,
        by=by,
        channel=channel,
    )


def paper_text(version: RecordVersion, kit: Kit) -> str | None:
    """The paper seal printed in the school seal's box, signed with the seal being applied.

    None when the seal key is not ECDSA P-256, or the version's XML is not a record XML (only
    test fixtures: a version is validated before it is frozen); the printed page then carries only
    the verify-link QR, and a warning is logged.
    """
    from hocbaso.records.xml import RecordXmlInvalid, parse_xml

    try:
        data = parse_xml(storage.get(version.xml_name, version.xml_sha256))
    except RecordXmlInvalid:
        logger.warning("no paper seal for %s: its XML is not a record XML", version.issuance_code)
        return None
    code = data.get("issuance_code") or version.issuance_code  # as printed on the page
    sealed_on = clock.today().isoformat()  # the local (Vietnam) date
    fields = paper_seal.fields_of(data, issuance_code=code, xml_sha256=version.xml_sha256, sealed_on=sealed_on)
    return paper_seal.make_seal_with(fields, kit.pdf_signer, kit.certificate)


def ready_to_sign(item: SigningBatchItem, batch: SigningBatch) -> tuple[RecordVersion, Appointment, str] | None:
    """The item's version with the signer's appointment and title, if it may take the batch's signature now.

    None (and the item finished as skipped) when the role's signature is already there. Raises
    ``SigningOutOfOrder``, ``SignerNotAppointed`` or ``CredentialRefused`` (a seal of another
    school); nothing is written then.
    """
    role = batch.role
    if not SigningBatchItem.objects.filter(pk=item.pk, outcome=ItemOutcome.PENDING).exists():
        return None  # finished meanwhile by another worker of the same batch (after a resumption)
    # the school: its name is the signature's location; the class is needed by its id only
    version = RecordVersion.objects.select_related("school").get(pk=item.version_id)
    if SignatureEvent.objects.filter(version=version, role=role).exists():
        with transaction.atomic():
            finish_item(item, ItemOutcome.SKIPPED, "already_signed", str(_("Already signed for this role.")))
        return None
    if version.origin == Origin.DIGITAL:  # a digitised copy of a paper year is sealed here
        paper.refuse_if_paper(version.school_id, version.school_year_id, act="signing")
    required = required_status(version, role)
    if required is None:
        raise SigningOutOfOrder(
            _("A copy digitised from a paper book is certified by the school seal only."),
            code="digitised_seal_only",
        )
    if version.status != required:
        raise SigningOutOfOrder(
            _("This record is “%(status)s”; it cannot take the %(role)s signature now.")
            % {"status": Status(version.status).label, "role": SignatureRole(role).label}
        )
    appointment, title = appointment_for(batch.signer, version, role, on=clock.today())
    if role == SignatureRole.SCHOOL and batch.credential.school_id != version.school_id:
        raise CredentialRefused(_("This seal belongs to another school."), code="credential_wrong_school")
    return version, appointment, title


ItemHook = Callable[[SigningBatchItem], None]


def run_batch(
    batch: SigningBatch,
    *,
    source: Source,
    timestamping: Timestamping | None = None,
    trust: pades.Trust | None = None,
    by: Any = None,
    channel: str = Channel.WEB,
    after_item: ItemHook | None = None,
    shard: int = 0,
    shards: int = 1,
) -> SigningBatch:
    """Sign every pending item of ``batch`` with ``source``; items already finished are left alone.

    With ``shards`` > 1 only the pending items of ``shard`` (positions p with (p - 1) % shards ==
    shard) are signed here, so several workers share a batch; the batch is ``finished`` when the
    last pending item of any shard is done. The certificate is checked once (validity, trust,
    revocation): a refusal stops the batch (state ``failed``, items stay pending) and is raised.
    Per-item refusals are recorded on the item and the batch continues. ``after_item`` runs after
    each item is committed.
    """
    timestamping = timestamping or default_timestamping()
    trust = (trust or default_trust()).for_batch()  # OCSP/CRLs fetched once per certificate for the batch
    actor = by if by is not None else batch.created_by
    # a sibling shard's refusal stays visible until someone resumes the whole batch
    now = clock.now()
    move_batch(
        batch.pk,
        SigningBatch.State.RUNNING,
        not_from=(SigningBatch.State.FAILED,) if shards > 1 else (),
        started_at=batch.started_at or now,
        heartbeat_at=now,
        error="",
        error_code="",
    )
    try:
        with open_kit(source) as kit:
            if kit.fingerprint != batch.credential.fingerprint:
                raise CredentialRefused(
                    _("The key opened is not the one registered for this credential."), code="credential_mismatch"
                )
            check_certificate(kit.certificate, kit.chain, trust)
            pending = [
                item
                for item in batch.items.filter(outcome=ItemOutcome.PENDING).order_by("position")
                if (item.position - 1) % shards == shard
            ]
            for item in pending:
                try:
                    sign_item(
                        item, batch=batch, kit=kit, timestamping=timestamping, trust=trust, by=actor, channel=channel
                    )
                except DomainError as exc:
                    with transaction.atomic():
                        finish_item(item, ItemOutcome.FAILED, exc.code, str(exc.message))
                except Exception as exc:  # a library failure on one document must not stop the others
                    with transaction.atomic():
                        finish_item(item, ItemOutcome.FAILED, "signing_error", f"{type(exc).__name__}: {exc}"[:500])
                if after_item is not None:
                    after_item(item)
    except DomainError as exc:
        move_batch(
            batch.pk, SigningBatch.State.FAILED, error_code=exc.code, error=str(exc.message), finished_at=clock.now()
        )
        drop_secret(batch.pk)
        raise
    if not batch.items.filter(outcome=ItemOutcome.PENDING).exists():
        move_batch(batch.pk, SigningBatch.State.FINISHED, finished_at=clock.now())
        drop_secret(batch.pk)
    batch.refresh_from_db()
    return batch


def mark_failed(batch_id: int, error: DomainError) -> None:
    """Record why a batch stopped before signing (e.g. the sealed authorisation expired); delete its secret."""
    move_batch(
        batch_id, SigningBatch.State.FAILED, error_code=error.code, error=str(error.message), finished_at=clock.now()
    )
    drop_secret(batch_id)


def sign_batch(
    *,
    by: Any,
    version_ids: Sequence[int],
    role: str,
    signer_source: Source,
    idempotency_key: str,
    timestamper_url: str | None = None,
    trust: pades.Trust | None = None,
    credential: SigningCredential | None = None,
    channel: str = Channel.WEB,
    after_item: ItemHook | None = None,
) -> SigningBatch:
    """Sign ``version_ids`` as ``role`` now, in this process, with an opened ``signer_source``.

    ``credential`` defaults to the signer's registered credential whose certificate is the
    source's (KeySource). The same ``idempotency_key`` again returns the same batch, continuing
    only its pending items: nothing is signed twice. See :func:`run_batch` for what is refused.
    """
    if credential is None:
        certificate = getattr(signer_source, "certificate", None)
        if certificate is None:
            raise CredentialRefused(_("Name the credential to sign with."), code="credential_required")
        fingerprint = certificate.fingerprint(hashes.SHA256()).hex().upper()
        credential = credentials_for(by, role).filter(fingerprint=fingerprint).first()
        if credential is None:
            raise CredentialRefused(
                _("This certificate is not registered for you and this signature."), code="credential_unknown"
            )
    batch, _created = create_batch(
        by=by,
        version_ids=version_ids,
        role=role,
        credential=credential,
        idempotency_key=idempotency_key,
        channel=channel,
    )
    if batch.state == SigningBatch.State.FINISHED:
        return batch
    return run_batch(
        batch,
        source=signer_source,
        timestamping=default_timestamping(timestamper_url),
        trust=trust,
        by=by,
        channel=channel,
        after_item=after_item,
    )


def check_authorisation(credential: SigningCredential, authorisation: str, *, by: Any) -> None:
    """Open ``credential``'s key with ``authorisation`` and check its certificate now (validity,
    trust, revocation), so a wrong password/PIN is a form error before anything is queued.
    A CSC PIN is checked with ``credentials/authorize`` bound to a random nonce first. Wrong
    secrets are counted against ``by`` and the credential, and lock out (:mod:`attempts`)."""
    if not authorisation:
        raise AuthorisationRequired(_("Enter the certificate password or the token PIN."), field="authorisation")
    with attempts.counted(by=by, credential=credential):  # wrong secrets counted and locked out
        source = source_for(credential, authorisation)
        providers.check_authorisation(source)
        with open_kit(source) as kit:
            check_certificate(kit.certificate, kit.chain, default_trust())


def resume_batch(
    batch_id: int,
    *,
    source: Source | None = None,
    authorisation: str | None = None,
    timestamper_url: str | None = None,
    trust: pades.Trust | None = None,
    by: Any = None,
    channel: str = Channel.TASK,
    after_item: ItemHook | None = None,
    shard: int = 0,
    shards: int = 1,
) -> SigningBatch:
    """Continue an interrupted batch with its pending items (those of ``shard``, see :func:`run_batch`).

    The key comes from ``source``, or is opened with ``authorisation``, or with the authorisation
    sealed at submission if it has not expired (``authorisation_required`` otherwise).
    """
    batch = SigningBatch.objects.select_related("credential", "signer", "created_by").get(pk=batch_id)
    if batch.state == SigningBatch.State.FINISHED:
        return batch
    if source is None:
        secret = authorisation or secret_of(batch.pk)
        source = source_for(batch.credential, secret)
    return run_batch(
        batch,
        source=source,
        timestamping=default_timestamping(timestamper_url),
        trust=trust,
        by=by,
        channel=channel,
        after_item=after_item,
        shard=shard,
        shards=shards,
    )
