"""Every write of the signing domain, the one door for pages, the API, commands and tasks
(DESIGN.md §1: the web, the API, the CLI and the worker do exactly the same thing).

Each verb is keyword-only with ``by=`` (the user acting), atomic per record and audited in the
same transaction by the job module that does the work; the verbs that queue work (submitting,
continuing and sweeping batches) are written here, because queueing is the tasks' business and
imports run ``actions`` → ``tasks`` → the job modules only (an import-linter contract):

- batches: :func:`submit_batch` (web and API: checks the password/PIN and the certificate, then
  queues the batch in shards), :func:`sign_batch` (in process, with an opened key),
  :func:`create_batch`, :func:`resume_batch`, :func:`mark_failed` (``batches``);
- batches that lost their worker: :func:`continue_batch` (the signer's "Tiếp tục"),
  :func:`sweep_batches` (resume or fail them; delete expired secrets) (``recovery``);
- phone-app approvals: :func:`prepare_app_batch`, :func:`answer_approval`, :func:`refuse_approval`,
  :func:`expire_approvals` (``remote``);
- credentials: :func:`register_certificate_file`, :func:`register_pkcs12`,
  :func:`register_csc_credential`, :func:`register_app_certificate` (``credentials``);
- long-term validity: :func:`renew_archive`, :func:`renew_archives` (``archive``);
- paper mode: :func:`set_paper_mode` (a school-year on paper or back, refused once anything of it is
  signed) (``paper_mode``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from hocbaso.audit.models import Channel
from hocbaso.directory.models import School, SchoolYear, SchoolYearSetting, StaffMember
from hocbaso.records.models import RecordVersion
from hocbaso.signing import archive, batches, credentials, pades, recovery, remote
from hocbaso.signing import paper_mode as paper_years
from hocbaso.signing.models import CredentialKind, RemoteApproval, SigningBatch, SigningCredential
from hocbaso.signing.providers import Source
from hocbaso.signing.tasks import enqueue_shards
from hocbaso.signing.trust import Timestamping, check_certificate, default_timestamping, default_trust

# --- batches ---------------------------------------------------------------------------------------


def submit_batch(
    *,
    by: Any,
    version_ids: Sequence[int],
    role: str,
    credential: SigningCredential,
    idempotency_key: str,
    authorisation: str,
) -> SigningBatch:
    """Web and API entry: check the authorisation and the certificate now, then run the batch as tasks.

    Wrong password/PIN, or a revoked/expired/untrusted certificate, is refused here, before any
    batch exists; wrong passwords/PINs are counted and lock the signer and the credential out
    (:mod:`hocbaso.signing.attempts`). The batch is split into ``HOCBASO_SIGNING_SHARDS`` tasks,
    queued when the transaction commits. A resubmission with the same key returns the first batch
    without re-queueing it. A phone-app credential needs no authorisation here: its batch is
    prepared (one task) and waits for the app.
    """
    if credential.kind == CredentialKind.REMOTE_APP:
        certificate, chain = credential.certificate_and_chain()
        check_certificate(certificate, chain, default_trust())
        authorisation = ""
    else:
        batches.check_authorisation(credential, authorisation, by=by)
    batch, created = batches.create_batch(
        by=by,
        version_ids=version_ids,
        role=role,
        credential=credential,
        idempotency_key=idempotency_key,
        authorisation=authorisation,
        shards=1 if credential.kind == CredentialKind.REMOTE_APP else settings.HOCBASO_SIGNING_SHARDS,
    )
    if created:
        enqueue_shards(batch)
    return batch


def sign_batch(
    *,
    by: Any,
    version_ids: Sequence[int],
    role: str,
    signer_source: Source,
    idempotency_key: str,
    credential: SigningCredential | None = None,
    channel: str = Channel.WEB,
) -> SigningBatch:
    """Sign ``version_ids`` as ``role`` now, in this process, with an opened ``signer_source``
    (commands, the demo); see :func:`hocbaso.signing.batches.sign_batch`."""
    return batches.sign_batch(
        by=by,
        version_ids=version_ids,
        role=role,
        signer_source=signer_source,
        idempotency_key=idempotency_key,
        credential=credential,
        channel=channel,
    )


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
    """Create the batch for ``idempotency_key`` without running it, or return the one made with it
    (``created`` False); see :func:`hocbaso.signing.batches.create_batch` for the refusals."""
    return batches.create_batch(
        by=by,
        version_ids=version_ids,
        role=role,
        credential=credential,
        idempotency_key=idempotency_key,
        authorisation=authorisation,
        channel=channel,
        shards=shards,
    )


def resume_batch(
    batch_id: int, *, by: Any = None, authorisation: str | None = None, channel: str = Channel.TASK
) -> SigningBatch:
    """Continue a batch with its pending items in this process, with ``authorisation`` or the sealed one."""
    return batches.resume_batch(batch_id, authorisation=authorisation, by=by, channel=channel)


def mark_failed(batch_id: int, error: Any) -> None:
    """Record why a batch stopped before signing (a ``DomainError``); delete its sealed authorisation."""
    batches.mark_failed(batch_id, error)


def continue_batch(*, by: Any, batch_id: int, authorisation: str = "", channel: str = Channel.WEB) -> SigningBatch:
    """The signer's "Tiếp tục": queue again the pending items of a batch that stopped or lost its
    worker (:func:`hocbaso.signing.recovery.continue_batch`: who may, when the password is needed)."""
    return recovery.continue_batch(
        by=by, batch_id=batch_id, authorisation=authorisation, channel=channel, enqueue=enqueue_shards
    )


def sweep_batches(
    *, by: Any = None, stale_after: dt.timedelta = recovery.STALE_AFTER, channel: str = Channel.TASK
) -> recovery.SweepSummary:
    """Resume (queue again) or fail every batch that lost its worker; delete expired and leftover secrets."""
    return recovery.sweep(by=by, stale_after=stale_after, channel=channel, enqueue=enqueue_shards)


# --- phone-app approvals ---------------------------------------------------------------------------


def prepare_app_batch(batch_id: int) -> SigningBatch:
    """Prepare every pending item of a phone-app batch for the app's answers (a task runs it)."""
    return remote.prepare_batch(batch_id)


def answer_approval(
    *, by: Any, approval_id: int, pdf_signature: bytes, xml_signature: bytes, channel: str = Channel.API
) -> RemoteApproval:
    """Finish one prepared signature with the app's two signature values and commit it."""
    return remote.answer(
        by=by, approval_id=approval_id, pdf_signature=pdf_signature, xml_signature=xml_signature, channel=channel
    )


def refuse_approval(*, by: Any, approval_id: int, channel: str = Channel.API) -> RemoteApproval:
    """The signer declined in the app: the item fails (``refused_in_app``); nothing is signed."""
    return remote.refuse(by=by, approval_id=approval_id, channel=channel)


def expire_approvals(*, now: dt.datetime | None = None) -> int:
    """Close every approval nobody answered before it expired; returns how many."""
    return remote.expire_stale(now=now)


# --- credentials -----------------------------------------------------------------------------------


def register_certificate_file(
    *, by: Any, staff: StaffMember, pkcs12: bytes, password: str, label: str, seal_for: Any = None
) -> SigningCredential:
    """Register an uploaded PKCS#12 for ``staff`` (or, with ``seal_for``, as that school's seal)."""
    return credentials.register_certificate_file(
        by=by, staff=staff, pkcs12=pkcs12, password=password, label=label, seal_for=seal_for
    )


def register_pkcs12(
    *,
    by: Any,
    staff: StaffMember,
    pkcs12: bytes,
    password: str,
    label: str,
    school: Any = None,
    for_organisation: bool = False,
    folder: str = "pki/credentials",
    channel: str = Channel.WEB,
) -> SigningCredential:
    """Keep a PKCS#12 file under ``VAR_DIR/folder`` and register it for ``staff`` (the password is not kept)."""
    return credentials.register_pkcs12(
        by=by,
        staff=staff,
        pkcs12=pkcs12,
        password=password,
        label=label,
        school=school,
        for_organisation=for_organisation,
        folder=folder,
        channel=channel,
    )


def register_csc_credential(
    *,
    by: Any,
    staff: StaffMember,
    service_url: str,
    credential_id: str,
    label: str,
    seal_for: Any = None,
    channel: str = Channel.WEB,
) -> SigningCredential:
    """Register a credential held by a remote signing service (CSC API v1) for ``staff``."""
    return credentials.register_csc_credential(
        by=by,
        staff=staff,
        service_url=service_url,
        credential_id=credential_id,
        label=label,
        seal_for=seal_for,
        channel=channel,
    )


def register_app_certificate(
    *, by: Any, staff: StaffMember, certificate_file: bytes, label: str, channel: str = Channel.WEB
) -> SigningCredential:
    """Register the certificate of ``staff``'s phone signing app (the key stays on the phone)."""
    return credentials.register_app_certificate(
        by=by, staff=staff, certificate_file=certificate_file, label=label, channel=channel
    )


# --- long-term validity, paper mode ----------------------------------------------------------------


def renew_archive(
    version: RecordVersion,
    *,
    before: dt.datetime,
    trust: pades.Trust | None = None,
    timestamping: Timestamping | None = None,
    by: Any = None,
    dry_run: bool = False,
) -> bool:
    """Add a new archive timestamp to an issued version whose last one expires before ``before``
    (with the deployment's trust and timestamps unless given)."""
    return archive.renew_archive(
        version,
        before=before,
        trust=trust or default_trust(),
        timestamping=timestamping or default_timestamping(),
        by=by,
        dry_run=dry_run,
    )


def renew_archives(*, within_days: int = 365, dry_run: bool = False, by: Any = None) -> archive.RenewalSummary:
    """Renew (B-LTA) every issued version whose last archive timestamp expires within ``within_days``."""
    return archive.renew_archives(within_days=within_days, dry_run=dry_run, by=by)


def set_paper_mode(
    *, by: Any, school: School, school_year: SchoolYear, paper_mode: bool, reason: str, channel: str = Channel.WEB
) -> SchoolYearSetting:
    """Put ``school``'s ``school_year`` on paper or back to digital (refused once anything of it is signed)."""
    return paper_years.set_paper_mode(
        by=by, school=school, school_year=school_year, paper_mode=paper_mode, reason=reason, channel=channel
    )
