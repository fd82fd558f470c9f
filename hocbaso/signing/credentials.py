"""Registering signing credentials: a certificate file (PKCS#12), a credential on a remote signing
service (CSC) or the certificate of a phone signing app; for a person, as a school's seal, or as an
administrative unit's seal (``register_unit_seal``: a Sở's, a commune's or ward's office, for the
reports it sends upward; registered only by an officer appointed to that very unit).

Every registration checks the certificate now (valid, trusted, not revoked: ``check_certificate``)
and records an audit event in the same transaction as the credential. Passwords and PINs only open
or reach the key here; they are never stored. Codes: ``credential_file_missing``,
``credential_unreadable``, ``credential_duplicate``, ``seal_not_allowed``, ``unit_seal_not_allowed``,
``csc_address_invalid``,
``csc_not_configured``, ``csc_unavailable``, ``certificate_unreadable``, and the certificate checks'.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import PermissionRefused, ValidationFailed
from hocbaso.core.text import nfc
from hocbaso.directory.models import AdministrativeUnit, StaffMember
from hocbaso.signing.backends import KeySource, fetch_csc_certificates
from hocbaso.signing.models import CredentialKind, SigningCredential
from hocbaso.signing.workflow import (
    CredentialRefused,
    SigningNotConfigured,
    check_certificate,
    configured,
    default_trust,
    plain_refusals,
)


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
    token = configured("HOCBASO_CSC_TOKEN")
    if not token:
        raise SigningNotConfigured(
            _("The remote signing service is not configured on this server (HOCBASO_CSC_TOKEN)."),
            code="csc_not_configured",
        )
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


# --- a unit's seal ------------------------------------------------------------------------------------


def may_apply_unit_seal(user: Any, unit: AdministrativeUnit) -> bool:
    """Whether ``user`` registers and applies ``unit``'s seal today: an officer appointed to that very
    unit (``apply_unit_seal``), never one of a unit above or below it, never the operator. The
    appointment itself is made by someone else (``directory``: never by the person appointed)."""
    from hocbaso.directory.roles import Permission, Role, appointments_granting, is_operator

    if is_operator(user):
        return False
    granting = appointments_granting(user, Permission.APPLY_UNIT_SEAL)
    return granting.filter(role=Role.UNIT_OFFICER, unit_id=unit.pk).exists()


def unit_seal(unit: AdministrativeUnit) -> SigningCredential | None:
    """``unit``'s seal now: its newest active organisation credential still valid, or None."""
    now = clock.now()
    usable = SigningCredential.objects.filter(unit=unit, for_organisation=True, active=True, not_after__gt=now)
    return usable.order_by("-created_at", "-pk").first()


def register_unit_seal(
    *,
    by: Any,
    unit: AdministrativeUnit,
    pkcs12: bytes,
    password: str,
    label: str,
    folder: str = "pki/unit-seals",
    channel: str = Channel.WEB,
) -> SigningCredential:
    """Register ``unit``'s organisation certificate (PKCS#12) as its seal, held by ``by``.

    Only an officer of that very unit (:func:`may_apply_unit_seal`, ``unit_seal_not_allowed``); the
    certificate is checked now (valid, trusted, not revoked: a forged or self-made certificate is
    refused ``certificate_untrusted``); the file is kept 0600 and its password not stored. The
    unit's earlier seal, if any, is retired (``active`` false) in the same transaction; both are
    audited (``signing.credential_register``, ``signing.unit_seal_retired``).
    """
    if not may_apply_unit_seal(by, unit):
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
