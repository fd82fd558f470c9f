"""Issuance: a signature committed to its version, and the version issued with the school seal.

:func:`commit_signature` stores the newly signed files and moves the version on (its status by
``records.signed_record.NEXT_STATUS``), with its ``SignatureEvent``, audit event and batch item, in
one short transaction — every means (a key in hand, a token, a service, the phone app) commits
through it. ``SignatureEvent`` is unique per (version, role), so nothing is ever signed twice; a
version that changed meanwhile is refused (``signing_concurrent_change``). The school seal issues
the version: :func:`on_issued` appends it to the transparency log and runs ``ISSUED_CALLBACKS`` in
the same transaction, so a failure rolls the issuance back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import Conflict
from hocbaso.directory import paper
from hocbaso.directory.models import Appointment, SchoolYearSetting
from hocbaso.records import signed_record, storage
from hocbaso.records.models import Origin, RecordVersion, Status
from hocbaso.signing.batch_states import OPEN_OUTCOMES, finish_item
from hocbaso.signing.models import ItemOutcome, SignatureEvent, SignatureRole, SigningBatch, SigningBatchItem
from hocbaso.signing.order import NEXT_STATUS, refuse_second_role

# Called with (version, by) inside the transaction that issues a version; the ledger registers here.
ISSUED_CALLBACKS: list[Callable[[RecordVersion, Any], None]] = []


def on_issued(version: RecordVersion, *, by: Any = None) -> None:
    """Log the issuance in the transparency log, then run every registered callback — all in the
    issuing transaction, so a failure rolls the issuance back."""
    from hocbaso.ledger import actions as ledger

    ledger.append(
        by=by,
        record_id=str(version.record.public_id),
        version=version.number,
        xml_sha256=version.signed_xml_sha256 or version.xml_sha256,
        pdf_sha256=version.signed_pdf_sha256,
        event="issued",
    )
    for callback in list(ISSUED_CALLBACKS):
        callback(version, by)


def commit_signature(
    item: SigningBatchItem,
    *,
    batch: SigningBatch,
    version: RecordVersion,
    appointment: Appointment,
    title: str,
    fingerprint: str,
    pdf_out: bytes,
    xml_out: bytes,
    by: Any,
    channel: str,
) -> str:
    """Store the newly signed files and move ``version`` on, with its event, audit and item, in one transaction.

    ``version`` is the row as read before signing: if it changed meanwhile the commit is refused
    (``signing_concurrent_change``); if the role's signature arrived meanwhile the item is skipped.
    """
    role = batch.role
    credential = batch.credential
    pdf_name, pdf_sha = storage.put(pdf_out, ".pdf")
    xml_name, xml_sha = storage.put(xml_out, ".xml")

    with transaction.atomic():
        if not SigningBatchItem.objects.select_for_update().filter(pk=item.pk, outcome__in=OPEN_OUTCOMES).exists():
            return ItemOutcome.SKIPPED  # another worker of the same batch finished it meanwhile
        locked = RecordVersion.objects.select_for_update().get(pk=version.pk)
        refuse_paper_year_locked(locked)
        if SignatureEvent.objects.filter(version=locked, role=role).exists():
            finish_item(item, ItemOutcome.SKIPPED, "already_signed", str(_("Already signed for this role.")))
            return ItemOutcome.SKIPPED
        refuse_second_role(batch.signer, locked, role)  # again under the lock: two batches at once
        if locked.status != version.status or locked.signed_pdf_sha256 != version.signed_pdf_sha256:
            raise Conflict(_("The record changed while it was being signed."), code="signing_concurrent_change")
        before = {"pdf": signed_record.current_pdf(locked)[1], "xml": locked.signed_xml_sha256}
        locked.signed_pdf_name, locked.signed_pdf_sha256 = pdf_name, pdf_sha
        locked.signed_xml_name, locked.signed_xml_sha256 = xml_name, xml_sha
        locked.transition_to(NEXT_STATUS[SignatureRole(role)])
        locked.save(
            update_fields=[
                "signed_pdf_name",
                "signed_pdf_sha256",
                "signed_xml_name",
                "signed_xml_sha256",
                "status",
                "status_changed_at",
            ]
        )
        event = SignatureEvent.objects.create(
            version=locked,
            role=role,
            signer=batch.signer,
            title=title,
            appointment=appointment,
            credential=credential,
            certificate_fingerprint=fingerprint,
            batch=batch,
            signed_at=clock.now(),
            pdf_sha256_after=pdf_sha,
            xml_sha256_after=xml_sha,
        )
        audit.record(
            by=by,
            action="record.sign",
            obj=locked,
            school_id=locked.school_id,
            changes={
                "role": role,
                "signer": batch.signer.full_name,
                "title": title,
                "certificate": fingerprint,
                "signature_event": event.pk,
                "status": [version.status, locked.status],
                "pdf_sha256": [before["pdf"], pdf_sha],
                "xml_sha256": [before["xml"] or locked.xml_sha256, xml_sha],
            },
            channel=channel,
        )
        finish_item(item, ItemOutcome.OK)
        if locked.status == Status.ISSUED:
            on_issued(locked, by=by)
    return ItemOutcome.OK


def refuse_paper_year_locked(version: RecordVersion) -> None:
    """``paper_year_signing`` when the version's school-year is on paper, asked under a lock of its
    setting row (``signing.paper_mode`` locks it too), so no signature lands in a year switched to
    paper meanwhile. A year without a setting row is digital and has nothing to race with: the
    switch creates and commits the row before it locks it."""
    setting = (
        SchoolYearSetting.objects.select_for_update()
        .filter(school_id=version.school_id, school_year_id=version.school_year_id)
        .first()
    )
    if setting is not None and setting.paper_mode and version.origin == Origin.DIGITAL:
        paper.refuse_if_paper(version.school_id, version.school_year_id, act="signing")
