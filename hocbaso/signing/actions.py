"""Every write of the signing domain, the one door for pages, the API, commands and tasks
(DESIGN.md §1: the web, the API, the CLI and the worker do exactly the same thing).

Each verb is keyword-only with ``by=`` (the user acting), atomic per record and audited in the
same transaction. The verbs that queue work (submitting, continuing and sweeping batches) and the
credential registrations are written here; the others call the job module that holds their
machinery (batches, recovery, remote, archive, paper mode). Work is queued by the task's dotted
path on commit (``core.queue.enqueue_on_commit``), so imports run ``tasks`` → ``actions`` → the
job modules only, as in every app (import-linter contracts):

- batches: :func:`submit_batch` (web and API: checks the password/PIN and the certificate, then
  queues the batch in shards), :func:`sign_batch` (in process, with an opened key),
  :func:`create_batch`, :func:`resume_batch`, :func:`mark_failed` (``batches``);
- batches that lost their worker: :func:`continue_batch` (the signer's "Tiếp tục"),
  :func:`sweep_batches` (resume or fail them; delete expired secrets) (``recovery``);
- phone-app approvals: :func:`prepare_app_batch`, :func:`answer_approval`, :func:`refuse_approval`,
  :func:`expire_approvals` (``remote``);
- credentials: :func:`register_certificate_file`, :func:`register_pkcs12`,
  :func:`register_csc_credential`, :func:`register_app_certificate`, :func:`register_unit_seal`
  (an administrative unit's seal, for the reports it sends upward) (written here);
- long-term validity: :func:`renew_archive`, :func:`renew_archives` (``archive``);
- paper mode: :func:`set_paper_mode` (a school-year on paper or back, refused once anything of it is
  signed) (``paper_mode``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core.errors import PermissionRefused, ValidationFailed
from hocbaso.core.queue import enqueue_on_commit
from hocbaso.core.text import nfc
from hocbaso.directory.models import AdministrativeUnit, School, SchoolYear, SchoolYearSetting, StaffMember
from hocbaso.records.models import RecordVersion
from hocbaso.signing import archive, batches, pades, recovery, remote, seal_names, seals
from hocbaso.signing import paper_mode as paper_years
from hocbaso.signing.backends import KeySource, fetch_csc_certificates
from hocbaso.signing.models import CredentialKind, RemoteApproval, SigningBatch, SigningCredential
from hocbaso.signing.providers import Source, csc_token, plain_refusals
from hocbaso.signing.refusals import CredentialRefused
from hocbaso.signing.trust import Timestamping, check_certificate, default_timestamping, default_trust

# --- batches ---------------------------------------------------------------------------------------


def _enqueue_shards(batch: SigningBatch) -> None:
    """Queue one ``sign_batch_task`` per shard of ``batch`` once the current transaction commits
    (at once outside a transaction), so no worker looks for a batch that is not there yet."""
    for shard in range(batch.shards):
        enqueue_on_commit("hocbaso.signing.tasks.sign_batch_task", batch.pk, shard)


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
        _enqueue_shards(batch)
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
    batch_id: int,
    *,
    by: Any = None,
    authorisation: str | None = None,
    channel: str = Channel.TASK,
    shard: int = 0,
    shards: int = 1,
) -> SigningBatch:
    """Continue a batch with its pending items (those of ``shard`` of ``shards``) in this process,
    with ``authorisation`` or the sealed one."""
    return batches.resume_batch(
        batch_id, authorisation=authorisation, by=by, channel=channel, shard=shard, shards=shards
    )


def mark_failed(batch_id: int, error: Any) -> None:
    """Record why a batch stopped before signing (a ``DomainError``); delete its sealed authorisation."""
    batches.mark_failed(batch_id, error)


def continue_batch(*, by: Any, batch_id: int, authorisation: str = "", channel: str = Channel.WEB) -> SigningBatch:
    """The signer's "Tiếp tục": queue again the pending items of a batch that stopped or lost its
    worker (:func:`hocbaso.signing.recovery.continue_batch`: who may, when the password is needed)."""
    return recovery.continue_batch(
        by=by, batch_id=batch_id, authorisation=authorisation, channel=channel, enqueue=_enqueue_shards
    )


def sweep_batches(
    *, by: Any = None, stale_after: dt.timedelta = recovery.STALE_AFTER, channel: str = Channel.TASK
) -> recovery.SweepSummary:
    """Resume (queue again) or fail every batch that lost its worker; delete expired and leftover secrets."""
    return recovery.sweep(by=by, stale_after=stale_after, channel=channel, enqueue=_enqueue_shards)


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


# --- credentials: a certificate file (PKCS#12), a credential on a remote signing service (CSC)
# or the certificate of a phone signing app; for a person, or as a school's seal. Every registration
# checks the certificate now (valid, trusted, not revoked: ``check_certificate``) and records an audit
# event in the same transaction as the credential. Passwords and PINs only open or reach the key
# here; they are never stored. Codes: ``credential_file_missing``, ``credential_unreadable``,
# ``credential_duplicate``, ``seal_not_allowed``, ``csc_address_invalid``, ``csc_not_configured``,
# ``csc_unavailable``, ``certificate_unreadable``, and the certificate checks'.


def _subject_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def register_pkcs12(
    *,
    by: Any,
    staff: StaffMember,
    pkcs12: bytes,
    password: str,
    label: str,
    school: Any = None,
    unit: AdministrativeUnit | None = None,
    for_organisation: bool = False,
    folder: str = "pki/credentials",
    channel: str = Channel.WEB,
) -> SigningCredential:
    """Keep a PKCS#12 file under ``VAR_DIR/folder`` (mode 0600) and register it for ``staff``.

    The password only opens the file here to read its certificate; it is not stored.
    """
    source = KeySource.from_pkcs12(pkcs12, password)
    cert = source.certificate
    fingerprint = cert.fingerprint(hashes.SHA256()).hex().upper()
    if SigningCredential.objects.filter(staff=staff, fingerprint=fingerprint).exists():
        raise CredentialRefused(_("This certificate is already registered for you."), code="credential_duplicate")
    relative = f"{folder}/{fingerprint[:32].lower()}.p12"
    path = Path(settings.VAR_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pkcs12)
    return _create_credential(
        by=by,
        staff=staff,
        kind=CredentialKind.PKCS12,
        certificate=cert,
        label=label,
        school=school,
        unit=unit,
        for_organisation=for_organisation,
        config={"file": relative},
        channel=channel,
    )


def _create_credential(
    *,
    by: Any,
    staff: StaffMember,
    kind: str,
    certificate: x509.Certificate,
    label: str,
    school: Any,
    for_organisation: bool,
    config: dict[str, Any],
    channel: str,
    unit: AdministrativeUnit | None = None,
) -> SigningCredential:
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex().upper()
    if SigningCredential.objects.filter(staff=staff, fingerprint=fingerprint).exists():
        raise CredentialRefused(_("This certificate is already registered for you."), code="credential_duplicate")
    with transaction.atomic():
        credential = SigningCredential.objects.create(
            staff=staff,
            kind=kind,
            label=label,
            certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
            fingerprint=fingerprint,
            subject_name=_subject_name(certificate),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            for_organisation=for_organisation,
            school=school,
            unit=unit,
            config=config,
        )
        audit.record(
            by=by,
            action="signing.credential_register",
            obj=credential,
            school_id=getattr(school, "pk", None) or staff.school_id,
            changes={
                "fingerprint": fingerprint,
                "staff": staff.pk,
                "kind": kind,
                "for_organisation": for_organisation,
                **({"unit": unit.code} if unit is not None else {}),
            },
            channel=channel,
        )
    return credential


def _pem(certs: Sequence[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


def _seal_allowed(by: Any, seal_for: Any) -> None:
    from hocbaso.directory.roles import Permission, holds

    if seal_for is not None and not holds(by, Permission.APPLY_SCHOOL_SEAL, school=seal_for):
        raise CredentialRefused(
            _("Only the principal or the clerk of its school may apply the school seal."), code="seal_not_allowed"
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
    """Register a credential held by a remote signing service (CSC API v1) for ``staff``.

    The certificate and its chain are read from the service (``credentials/info``, with the
    deployment's ``HOCBASO_CSC_TOKEN``) and checked now; the PIN is asked at each batch.
    Refused: service unreachable or credential unknown (``csc_unavailable``), a certificate not
    valid or not trusted, a seal for a school ``by`` does not manage.
    """
    url, ident = service_url.strip().rstrip("/"), credential_id.strip()
    if not url.startswith(("https://", "http://")) or not ident:
        raise CredentialRefused(
            _("Enter the service address (https://…) and the credential ID."), code="csc_address_invalid"
        )
    _seal_allowed(by, seal_for)
    token = csc_token()
    with plain_refusals():
        certificate, chain = fetch_csc_certificates(url, ident, token)
    return _register_checked(
        by=by,
        staff=staff,
        kind=CredentialKind.CSC,
        certificate=certificate,
        chain=chain,
        label=label,
        seal_for=seal_for,
        config={"url": url, "credential_id": ident},
        channel=channel,
    )


def register_app_certificate(
    *, by: Any, staff: StaffMember, certificate_file: bytes, label: str, channel: str = Channel.WEB
) -> SigningCredential:
    """Register the certificate of ``staff``'s phone signing app (PEM with its CA chain, or DER).

    The key never leaves the phone: batches with this credential are prepared and wait for the
    app's answers (:mod:`hocbaso.signing.remote`). Refused: not a certificate
    (``certificate_unreadable``), not valid now or not trusted.
    """
    try:
        if b"-----BEGIN" in certificate_file:
            certificate, *chain = x509.load_pem_x509_certificates(certificate_file)
        else:
            certificate, chain = x509.load_der_x509_certificate(certificate_file), []
    except ValueError:
        raise CredentialRefused(
            _("The file is not a certificate (.pem, .cer or .crt)."), code="certificate_unreadable"
        ) from None
    return _register_checked(
        by=by,
        staff=staff,
        kind=CredentialKind.REMOTE_APP,
        certificate=certificate,
        chain=chain,
        label=label,
        seal_for=None,
        config={},
        channel=channel,
    )


def _register_checked(
    *,
    by: Any,
    staff: StaffMember,
    kind: str,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    label: str,
    seal_for: Any,
    config: dict[str, Any],
    channel: str,
) -> SigningCredential:
    """Check ``certificate`` (valid now, trusted, not revoked) and register it, keeping its chain."""
    check_certificate(certificate, chain, default_trust())
    return _create_credential(
        by=by,
        staff=staff,
        kind=kind,
        certificate=certificate,
        label=nfc(label) or _subject_name(certificate),
        school=seal_for,
        for_organisation=seal_for is not None,
        config={**config, "chain_pem": _pem(chain)},
        channel=channel,
    )


def register_certificate_file(
    *, by: Any, staff: StaffMember, pkcs12: bytes, password: str, label: str, seal_for: Any = None
) -> SigningCredential:
    """Register an uploaded PKCS#12 for ``staff`` (or, with ``seal_for``, as that school's seal).

    Refused with a clear reason: no file, a wrong password or a damaged file, a certificate not
    valid now, one not issued by a trusted authority, or a seal for a school ``by`` does not manage.
    """
    if not pkcs12:
        raise CredentialRefused(_("Choose the certificate file (.p12 or .pfx)."), code="credential_file_missing")
    _seal_allowed(by, seal_for)
    try:
        source = KeySource.from_pkcs12(pkcs12, password)
    except (ValidationFailed, ValueError, TypeError):
        raise CredentialRefused(
            _("The file could not be opened: wrong password or not a certificate file."), code="credential_unreadable"
        ) from None
    check_certificate(source.certificate, source.chain, default_trust())
    return register_pkcs12(
        by=by,
        staff=staff,
        pkcs12=pkcs12,
        password=password,
        label=nfc(label) or _subject_name(source.certificate),
        school=seal_for,
        for_organisation=seal_for is not None,
    )


def register_unit_seal(
    *,
    by: Any,
    unit: AdministrativeUnit,
    pkcs12: bytes,
    password: str,
    label: str,
    also_named: Iterable[str] = (),
    folder: str = "pki/unit-seals",
    channel: str = Channel.WEB,
) -> SigningCredential:
    """Register ``unit``'s organisation certificate (PKCS#12) as its seal, held by ``by``.

    Only an officer of that very unit (``seals.may_apply``, ``unit_seal_not_allowed``); the
    certificate's organisation or common name bears the unit's name or one of ``also_named`` (the
    name the unit sends under, e.g. its department of education; ``seal_names``), else
    ``unit_seal_foreign`` — a trusted certificate of another unit would seal under its name; the
    certificate is checked now (valid, trusted, not revoked: a forged or self-made certificate is
    refused ``certificate_untrusted``); the file is kept 0600 and its password not stored. The
    unit's earlier seal, if any, is retired (``active`` false) in the same transaction; both are
    audited (``signing.credential_register``, ``signing.unit_seal_retired``).
    """
    if not seals.may_apply(by, unit):
        raise PermissionRefused(
            _("Only an officer of %(unit)s may register or apply its seal.") % {"unit": unit.name},
            code="unit_seal_not_allowed",
        )
    if not pkcs12:
        raise CredentialRefused(_("Choose the certificate file (.p12 or .pfx)."), code="credential_file_missing")
    try:
        source = KeySource.from_pkcs12(pkcs12, password)
    except (ValidationFailed, ValueError, TypeError):
        raise CredentialRefused(
            _("The file could not be opened: wrong password or not a certificate file."), code="credential_unreadable"
        ) from None
    if not seal_names.bears_any(source.certificate.subject, [unit.name, *also_named]):
        raise CredentialRefused(
            _(
                "This certificate does not bear the name %(unit)s (it is issued to “%(subject)s”): "
                "use the unit's own seal certificate."
            )
            % {"unit": unit.name, "subject": _subject_name(source.certificate)},
            code="unit_seal_foreign",
        )
    check_certificate(source.certificate, source.chain, default_trust())
    from hocbaso.directory.roles import staff_of

    staff = staff_of(by)
    assert staff is not None  # an appointed officer has a staff profile
    with transaction.atomic():
        earlier = list(SigningCredential.objects.filter(unit=unit, for_organisation=True, active=True))
        credential = register_pkcs12(
            by=by,
            staff=staff,
            pkcs12=pkcs12,
            password=password,
            label=nfc(label) or _subject_name(source.certificate),
            unit=unit,
            for_organisation=True,
            folder=folder,
            channel=channel,
        )
        for old in earlier:
            old.active = False
            old.save(update_fields=["active"])
            audit.record(
                by=by,
                action="signing.unit_seal_retired",
                obj=old,
                changes={"fingerprint": old.fingerprint, "unit": unit.code, "replaced_by": credential.fingerprint},
                channel=channel,
            )
    return credential


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
