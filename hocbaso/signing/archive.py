"""Long-term validity of issued records: renewing the archive timestamp (PAdES B-LTA) before the
last one's TSA certificate expires.

Used by ``hocbaso signing renew-archive`` and by ``tasks.renew_archives_task``, which a scheduler
(cron, a systemd timer) enqueues, e.g. weekly. Each renewal is an incremental update of the signed
PDF (the signatures stay untouched), committed with its audit event and appended to the
transparency log (event ``archive_renewed``) so verifiers find the new file's hash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, DomainError
from hocbaso.records import storage
from hocbaso.records.models import RecordVersion, Status
from hocbaso.signing import pades
from hocbaso.signing.trust import Timestamping, default_timestamping, default_trust


def last_archive_expiry(pdf: bytes) -> dt.datetime | None:
    """When the TSA certificate of the file's last document timestamp expires (None: no archive timestamp)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    stamps = [s for s in PdfFileReader(BytesIO(pdf)).embedded_signatures if s.sig_object_type == "/DocTimeStamp"]
    if not stamps:
        return None
    expiry: dt.datetime = stamps[-1].signer_cert["tbs_certificate"]["validity"]["not_after"].native
    return expiry


def renew_archive(
    version: RecordVersion,
    *,
    before: dt.datetime,
    trust: pades.Trust,
    timestamping: Timestamping,
    by: Any = None,
    dry_run: bool = False,
) -> bool:
    """Add a new archive timestamp to an issued version whose last one's TSA certificate expires before ``before``.

    Returns whether the version needed it. The new PDF replaces ``signed_pdf_*`` in one transaction
    with its audit event; the signatures are untouched (an incremental update).
    """
    pdf = storage.get(version.signed_pdf_name, version.signed_pdf_sha256)
    expiry = last_archive_expiry(pdf)
    if expiry is not None and expiry > before:
        return False
    if dry_run:
        return True
    if expiry is None:
        renewed = pades.make_ltv(pdf, trust, **timestamping.kwargs())
    else:
        renewed = pades.renew_archive_timestamp(pdf, trust, **timestamping.kwargs())
    name, digest = storage.put(renewed, ".pdf")
    with transaction.atomic():
        locked = RecordVersion.objects.select_for_update().get(pk=version.pk)
        if locked.signed_pdf_sha256 != version.signed_pdf_sha256:
            raise Conflict(_("The record changed while it was being renewed."), code="signing_concurrent_change")
        old = locked.signed_pdf_sha256
        locked.signed_pdf_name, locked.signed_pdf_sha256 = name, digest
        locked.save(update_fields=["signed_pdf_name", "signed_pdf_sha256"])
        from hocbaso.ledger import actions as ledger

        # The renewed file has a new hash: the log attests it, so verifiers find it there too.
        ledger.append(
            by=by,
            record_id=str(locked.record.public_id),
            version=locked.number,
            xml_sha256=locked.signed_xml_sha256 or locked.xml_sha256,
            pdf_sha256=digest,
            event="archive_renewed",
        )
        audit.record(
            by=by,
            action="record.archive_renew",
            obj=locked,
            school_id=locked.school_id,
            changes={"pdf_sha256": [old, digest]},
            channel=Channel.CLI,
        )
    return True


@dataclass(frozen=True)
class RenewalSummary:
    checked: int
    renewed: int
    failed: list[tuple[str, str]]


def renew_archives(*, within_days: int = 365, dry_run: bool = False, by: Any = None) -> RenewalSummary:
    """Renew (B-LTA) every issued version whose last archive timestamp expires within ``within_days``.

    Used by ``hocbaso signing renew-archive`` and by the ``renew_archives_task`` that a scheduler
    (cron, a systemd timer) enqueues, e.g. weekly.
    """
    limit = clock.now() + dt.timedelta(days=within_days)
    trust, timestamping = default_trust(), default_timestamping()
    checked = renewed = 0
    failed: list[tuple[str, str]] = []
    for version in RecordVersion.objects.filter(status=Status.ISSUED).order_by("pk").iterator():
        checked += 1
        try:
            if renew_archive(version, before=limit, trust=trust, timestamping=timestamping, by=by, dry_run=dry_run):
                renewed += 1
        except DomainError as exc:
            failed.append((version.issuance_code, f"{exc.code}: {exc.message}"))
    return RenewalSummary(checked, renewed, failed)
