"""The signing workflow: who signs which record version when, in batches, with one authorisation.

Order on every version (the transition table of ``records.models``):
``frozen`` --homeroom--> ``signed_homeroom`` --principal--> ``signed_principal`` --school--> ``issued``.
A digitised copy of a paper book (``records.digitising``, origin ``digitised``) takes the school
seal alone, on ``frozen``: that certification signature is the conversion certification
(:func:`required_status`; the homeroom teacher and principal signed the paper original).

- ``homeroom``: the homeroom teacher of the version's class, with a personal certificate; the
  PDF signature is the certification signature (DocMDP "fill forms").
- ``principal``: the principal ("Hiệu trưởng") or a vice-principal ("KT. Hiệu trưởng").
- ``school``: the school's organisation certificate (the seal), applied by the principal or the
  clerk; the PDF then gets validation data and an archive timestamp (PAdES B-LT + B-LTA) and the
  version is issued; ``ISSUED_CALLBACKS`` run in the same transaction (the ledger registers there).

The signer must hold the signature's permission (``directory.roles``: ``SIGN_AS_HOMEROOM``,
``SIGN_AS_PRINCIPAL``, ``APPLY_SCHOOL_SEAL``) through an appointment valid on the signing date and
recorded before the signature (``signer_not_appointed`` otherwise); one person gives at most one of
the two personal signatures (homeroom, principal) on a version (``signer_two_roles``).
Each version is signed (PDF with PAdES, XML with XAdES, in one go) outside any transaction and
then committed in its own short transaction together with its batch item, its
``SignatureEvent`` and its audit event: a failure on one version leaves it exactly as it was and
the batch continues; a killed worker leaves no half-signed version, and :func:`resume_batch`
continues with the items still pending. A version that already carries the role's signature is
skipped, and ``SignatureEvent`` is unique per (version, role), so nothing is ever signed twice.

Entry points: :func:`pending_for` (what waits for a user), :func:`sign_batch` (synchronous, with
an opened signer source), :func:`submit_batch` (web: checks the authorisation, then runs the batch
as a ``django.tasks`` task), :func:`resume_batch`.

Trust and time: :func:`default_trust` and :func:`default_timestamping`. With ``HOCBASO_TSA_URL``
unset in demo mode, timestamps come from an in-process timestamper using the demo PKI's TSA key
under ``VAR_DIR/pki``; demo trust is that PKI's root with its current CRLs (no network needed).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from pyhanko.sign.signers import Signer
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.collation import name_key
from hocbaso.core.errors import Conflict, DomainError, NotFound, PermissionRefused, ValidationFailed
from hocbaso.directory import paper
from hocbaso.directory.models import Appointment, ClassGroup, Role, SchoolYearSetting, StaffMember
from hocbaso.directory.roles import Permission, appointments_granting, roles_granting, schools_where, staff_of
from hocbaso.records import storage
from hocbaso.records.models import Origin, RecordVersion, Status
from hocbaso.signing import attempts, pades, paper_seal, xades
from hocbaso.signing.backends import (
    CscSource,
    KeySource,
    Pkcs11Source,
    ensure_usable,
    from_asn1,
    opened_in_thread,
    to_asn1,
)
from hocbaso.signing.models import (
    BatchSecret,
    CredentialKind,
    ItemOutcome,
    SignatureEvent,
    SignatureRole,
    SigningBatch,
    SigningBatchItem,
    SigningCredential,
)

logger = logging.getLogger(__name__)

# --- refusals --------------------------------------------------------------------------------------


class SignerNotAppointed(PermissionRefused):
    code = "signer_not_appointed"


class SignerInTwoRoles(Conflict):
    """One person may not give two personal signatures (homeroom and principal) on one version."""

    code = "signer_two_roles"


class SigningOutOfOrder(Conflict):
    code = "signing_out_of_order"


class CredentialRefused(ValidationFailed):
    """The credential or its certificate cannot sign (revoked, expired, untrusted, not the signer's…)."""

    code = "credential_refused"


class AuthorisationRequired(ValidationFailed):
    code = "authorisation_required"


class SigningNotConfigured(ValidationFailed):
    code = "signing_not_configured"


# --- the order ------------------------------------------------------------------------------------

REQUIRED_STATUS = {
    SignatureRole.HOMEROOM: Status.FROZEN,
    SignatureRole.PRINCIPAL: Status.SIGNED_HOMEROOM,
    SignatureRole.SCHOOL: Status.SIGNED_PRINCIPAL,
}
NEXT_STATUS = {
    SignatureRole.HOMEROOM: Status.SIGNED_HOMEROOM,
    SignatureRole.PRINCIPAL: Status.SIGNED_PRINCIPAL,
    SignatureRole.SCHOOL: Status.ISSUED,
}
# The permission each signature needs (``directory.roles``), and the appointment roles granting it,
# the preferred one first (principal before vice-principal).
SIGNATURE_PERMISSIONS = {
    SignatureRole.HOMEROOM: Permission.SIGN_AS_HOMEROOM,
    SignatureRole.PRINCIPAL: Permission.SIGN_AS_PRINCIPAL,
    SignatureRole.SCHOOL: Permission.APPLY_SCHOOL_SEAL,
}
SIGNING_ROLES = {role: roles_granting(permission) for role, permission in SIGNATURE_PERMISSIONS.items()}
# Personal signatures: one person gives at most one of them on a version (the seal is the school's).
PERSONAL_SIGNATURES = (SignatureRole.HOMEROOM, SignatureRole.PRINCIPAL)
# Titles are document text (Vietnamese, not UI): shown in the PDF signature and XAdES ClaimedRole.
TITLES = {
    Role.HOMEROOM_TEACHER: "Giáo viên chủ nhiệm",
    Role.PRINCIPAL: "Hiệu trưởng",
    Role.VICE_PRINCIPAL: "KT. Hiệu trưởng",
}
SEAL_TITLE = "Xác nhận của nhà trường"

# Called with (version, by) inside the transaction that issues a version; the ledger registers here.
ISSUED_CALLBACKS: list[Callable[[RecordVersion, Any], None]] = []

# How long a sealed batch authorisation may be used by a worker.
AUTHORISATION_TTL_SECONDS = 3600


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


def required_status(version: RecordVersion, role: str) -> str | None:
    """The status ``version`` must have to take ``role``'s signature; None when it never takes it
    (a digitised copy takes only the school seal, on ``frozen``)."""
    if version.origin == Origin.DIGITISED:
        return Status.FROZEN if role == SignatureRole.SCHOOL else None
    return REQUIRED_STATUS[SignatureRole(role)]


def certifies(version: RecordVersion, role: str) -> bool:
    """Whether ``role``'s PDF signature is the certification signature (DocMDP "fill forms"): the
    homeroom teacher's on a born-digital record, the school seal's on a digitised copy."""
    if version.origin == Origin.DIGITISED:
        return role == SignatureRole.SCHOOL
    return role == SignatureRole.HOMEROOM


def next_role(status: str) -> str | None:
    """The signature role a version in ``status`` waits for, or None."""
    for role, required in REQUIRED_STATUS.items():
        if required == status:
            return role
    return None


def appointment_for(
    signer: StaffMember, version: RecordVersion, role: str, *, on: dt.date, at: dt.datetime | None = None
) -> tuple[Appointment, str]:
    """The appointment that entitles ``signer`` to sign ``version`` as ``role`` on ``on``, and the title shown.

    Only appointments recorded at or before ``at`` (now by default) count, the same rule the
    verification applies. Raises ``SignerNotAppointed`` when no appointment fits, and
    ``SignerInTwoRoles`` when ``signer`` already gave the version's other personal signature.
    """
    allowed = SIGNING_ROLES[SignatureRole(role)]
    candidates = appointments_granting(
        signer, SIGNATURE_PERMISSIONS[SignatureRole(role)], on=on, recorded_before=at or clock.now()
    )
    if role == SignatureRole.HOMEROOM:
        candidates = candidates.filter(class_group_id=version.class_group_id)
    else:
        candidates = candidates.filter(school_id=version.school_id)
    found = sorted(candidates, key=lambda a: allowed.index(Role(a.role)))
    if not found:
        raise SignerNotAppointed(
            _("%(name)s does not hold the role needed for this signature on %(day)s.")
            % {"name": signer.full_name, "day": on.strftime("%d/%m/%Y")}
        )
    refuse_second_role(signer, version, role)
    appointment = found[0]
    title = SEAL_TITLE if role == SignatureRole.SCHOOL else TITLES[Role(appointment.role)]
    return appointment, title


def refuse_second_role(signer: StaffMember, version: RecordVersion, role: str) -> None:
    """Raise ``SignerInTwoRoles`` if ``signer`` already gave another personal signature on ``version``."""
    if role not in PERSONAL_SIGNATURES:
        return
    others = [r for r in PERSONAL_SIGNATURES if r != role]
    if SignatureEvent.objects.filter(version_id=version.pk, signer=signer, role__in=others).exists():
        raise SignerInTwoRoles(
            _("%(name)s already signed this record in another role; one person signs it in one role only.")
            % {"name": signer.full_name}
        )


# --- what waits for whom ----------------------------------------------------------------------------


@dataclass
class PendingGroup:
    role: str
    class_group: ClassGroup
    versions: list[RecordVersion]


def pending_for(user: Any, *, on: dt.date | None = None) -> list[PendingGroup]:
    """Versions waiting for ``user``'s signature, grouped by (role, class), by appointments valid on ``on``.

    Homeroom teachers see the frozen versions of their classes; principals and vice-principals the
    versions their school's homeroom teachers signed; principals and clerks the versions waiting
    for the school seal. Scoped by construction: only the user's own appointments open anything.
    """
    staff = staff_of(user)
    if staff is None:
        return []
    day = on or clock.today()
    conditions: dict[str, Q] = {}
    homeroom_classes = list(
        appointments_granting(staff, Permission.SIGN_AS_HOMEROOM, on=day).values_list("class_group_id", flat=True)
    )
    if homeroom_classes:
        conditions[SignatureRole.HOMEROOM] = Q(class_group_id__in=homeroom_classes)
    for school_role in (SignatureRole.PRINCIPAL, SignatureRole.SCHOOL):
        granting = appointments_granting(staff, SIGNATURE_PERMISSIONS[school_role], on=day)
        schools = list(granting.values_list("school_id", flat=True))
        if schools:
            conditions[school_role] = Q(school_id__in=schools)
    groups: list[PendingGroup] = []
    for role, condition in conditions.items():
        waiting = Q(status=REQUIRED_STATUS[SignatureRole(role)], origin=Origin.DIGITAL)
        if role == SignatureRole.SCHOOL:  # digitised copies wait for the seal alone
            waiting |= Q(status=Status.FROZEN, origin=Origin.DIGITISED)
        versions = RecordVersion.objects.filter(condition, waiting).exclude(signature_events__role=role)
        paper_years = SchoolYearSetting.objects.filter(
            paper_mode=True, school_id=OuterRef("school_id"), school_year_id=OuterRef("school_year_id")
        )
        # a paper year's record is signed by hand, never here; the copies digitised from its paper
        # books are what the seal certifies here
        versions = versions.exclude(Exists(paper_years), origin=Origin.DIGITAL)
        if role in PERSONAL_SIGNATURES:  # not what this person already signed in the other personal role
            versions = versions.exclude(
                pk__in=SignatureEvent.objects.filter(signer=staff, role__in=PERSONAL_SIGNATURES).values("version_id")
            )
        versions = versions.select_related("class_group__school_year", "record__student", "school").order_by(
            "class_group__school_year__code", "class_group__name", "pk"
        )
        current: PendingGroup | None = None
        ordered = sorted(
            versions,
            key=lambda v: (
                v.class_group.school_year.code,
                v.class_group.name,
                name_key(v.record.student.full_name),
                v.pk,
            ),
        )
        for version in ordered:
            if current is None or current.class_group.pk != version.class_group_id:
                current = PendingGroup(role, version.class_group, [])
                groups.append(current)
            current.versions.append(version)
    return groups


def credentials_for(user: Any, role: str) -> QuerySet[SigningCredential]:
    """Active credentials ``user`` may use for ``role``: their own personal ones, or their schools' seals."""
    staff = staff_of(user)
    if staff is None:
        return SigningCredential.objects.none()
    now = clock.now()
    usable = SigningCredential.objects.filter(active=True, not_after__gt=now)
    if role == SignatureRole.SCHOOL:
        schools = schools_where(user, Permission.APPLY_SCHOOL_SEAL)
        return usable.filter(for_organisation=True, school_id__in=schools.values("pk")).order_by("label")
    return usable.filter(staff=staff, for_organisation=False).order_by("label")


# --- trust and timestamps --------------------------------------------------------------------------


def demo_pki_dir() -> Path:
    return Path(settings.VAR_DIR) / "pki"


def configured(name: str) -> str:
    """A setting, else the environment variable of that name, else ""."""
    return str(getattr(settings, name, "") or os.environ.get(name, ""))


def demo_pkcs12_password() -> str:
    """The password of the demo PKCS#12 files (``HOCBASO_DEMO_PKCS12_PASSWORD``, default "demo"); demo mode only."""
    if not settings.DEMO_MODE:
        raise SigningNotConfigured(_("Demo credentials exist only in demo mode."), code="demo_only")
    return configured("HOCBASO_DEMO_PKCS12_PASSWORD") or "demo"


@lru_cache(maxsize=4)
def _demo_pki(directory: str, mtime: float) -> Any:
    from hocbaso.signing.pki import DemoPKI

    return DemoPKI.load(directory)


def demo_pki() -> Any:
    """The demo PKI of this deployment (``hocbaso pki init``), or ``SigningNotConfigured``."""
    directory = demo_pki_dir()
    state = directory / "pki.json"
    if not settings.DEMO_MODE or not state.exists():
        raise SigningNotConfigured(_("No demo PKI: run “hocbaso pki init” first."), code="demo_pki_missing")
    pki = _demo_pki(str(directory), state.stat().st_mtime)
    pki.refresh()
    return pki


def default_trust() -> pades.Trust:
    """Trust for signing checks and LTV: the PEM roots in ``HOCBASO_TRUSTED_ROOTS`` (fetching CRL/OCSP),
    or in demo mode the demo root with the demo CAs' current CRLs (offline)."""
    roots_file = configured("HOCBASO_TRUSTED_ROOTS")
    if roots_file:
        roots = x509.load_pem_x509_certificates(Path(roots_file).read_bytes())
        return pades.Trust.of(roots)
    pki = demo_pki()
    return pades.Trust.of(
        pki.roots(),
        other_certs=tuple(pki.chain()),
        crls=tuple(pki.crl_der(a.slug) for a in pki._authorities()),
        allow_fetching=False,
    )


@dataclass(frozen=True)
class Timestamping:
    """Where RFC 3161 timestamps come from: a TSA URL, or an in-process timestamper (demo)."""

    url: str | None = None
    timestamper: TimeStamper | None = None

    def kwargs(self) -> dict[str, Any]:
        return {"timestamper_url": self.url, "timestamper": self.timestamper}


def default_timestamping(url: str | None = None) -> Timestamping:
    """``url``, else ``HOCBASO_TSA_URL``, else (demo mode only) the demo TSA key in process."""
    chosen = url or configured("HOCBASO_TSA_URL")
    if chosen:
        return Timestamping(url=chosen)
    from hocbaso.signing.services import LoadedKeyTimeStamper

    pki = demo_pki()
    return Timestamping(timestamper=LoadedKeyTimeStamper(pki.tsa_cert, pki.tsa_key, pki.chain()))


USABILITY_REFUSALS = {
    "certificate_expired": _("The signing certificate is not valid now."),
    "certificate_not_yet_valid": _("The signing certificate is not valid yet."),
    "certificate_wrong_usage": _("This certificate may not be used for signatures."),
}


def check_certificate(cert: x509.Certificate, chain: Sequence[x509.Certificate], trust: pades.Trust) -> None:
    """Refuse a signing certificate that is expired, not yet valid, revoked or not trusted, now.

    Codes: ``certificate_expired``, ``certificate_not_yet_valid``, ``certificate_revoked``,
    ``certificate_untrusted``, ``certificate_status_unknown`` (the check could not run: fails closed).
    """
    try:
        ensure_usable(cert)
    except ValidationFailed as exc:
        raise CredentialRefused(USABILITY_REFUSALS.get(exc.code, exc.message), code=exc.code) from None
    context = dataclasses.replace(trust, other_certs=(*trust.other_certs, *chain), moment=None).context()

    async def body() -> None:
        try:
            validator = CertificateValidator(to_asn1(cert), validation_context=context)
            await validator.async_validate_path()
        finally:
            await context.aclose()

    try:
        asyncio.run(body())
    except RevokedError:
        raise CredentialRefused(_("The signing certificate has been revoked."), code="certificate_revoked") from None
    except (ExpiredError, NotYetValidError):
        raise CredentialRefused(_("The signing certificate is not valid now."), code="certificate_expired") from None
    except (PathBuildingError, PathValidationError, InvalidCertificateError):
        raise CredentialRefused(
            _("The signing certificate is not issued by a trusted authority."), code="certificate_untrusted"
        ) from None
    except Exception as exc:  # network or parsing failures: the status is unknown, so refuse
        raise CredentialRefused(
            _("The status of the signing certificate could not be checked (%(error)s).")
            % {"error": type(exc).__name__},
            code="certificate_status_unknown",
        ) from None


# --- keys ------------------------------------------------------------------------------------------


class SignerKey:
    """A pyHanko ``Signer`` (e.g. a PKCS#11 token) shaped like a ``cryptography`` private key for signxml."""

    def __init__(self, signer: Signer, certificate: x509.Certificate):
        self._signer = signer
        self._certificate = certificate
        self.key_size = certificate.public_key().key_size  # type: ignore[union-attr]

    def public_key(self) -> Any:
        return self._certificate.public_key()

    def sign(self, data: bytes, *args: Any, **kwargs: Any) -> bytes:
        # signxml only asks for SHA-256 here (xades.sign_xml); pyHanko returns DER for ECDSA as signxml expects.
        return asyncio.run(self._signer.async_sign_raw(data, "sha256"))


@dataclass
class Kit:
    """An opened signing means for one batch: certificate, chain, a PDF signer and an XML key."""

    certificate: x509.Certificate
    chain: list[x509.Certificate]
    pdf_signer: Signer
    xml_key: Any

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex().upper()


Source = KeySource | Pkcs11Source | CscSource | Kit


# What the people signing read when their key cannot be opened (the backends' codes are kept).
OPENING_REFUSALS = {
    "pkcs12_unreadable": _("The certificate file could not be opened: the password is wrong or the file is damaged."),
    "pkcs12_no_key": _("The certificate file holds no usable key and certificate."),
    "pkcs11_unavailable": _("The USB token could not be opened: the PIN is wrong or the token is not plugged in."),
    "csc_unavailable": _("The signing service could not be reached or does not know this credential."),
    "csc_pin_refused": _("The signing service refused the PIN."),
}


@contextmanager
def plain_refusals() -> Iterator[None]:
    """Turn a backend's refusal to open a key into a ``CredentialRefused`` people can read (same code)."""
    try:
        yield
    except ValidationFailed as exc:
        if exc.code not in OPENING_REFUSALS or isinstance(exc, CredentialRefused):
            raise
        raise CredentialRefused(OPENING_REFUSALS[exc.code], code=exc.code, field="authorisation") from None


@contextmanager
def open_kit(source: Source) -> Iterator[Kit]:
    """Open ``source`` once for a whole batch (PKCS#11: one logged-in session; CSC: one HTTP session)."""
    if isinstance(source, Kit):
        yield source
    elif isinstance(source, KeySource):
        yield Kit(source.certificate, list(source.chain), source.signer(), source.key)
    elif isinstance(source, Pkcs11Source):
        with ExitStack() as stack:
            with plain_refusals():
                stack.enter_context(source)
            signer = source._signer(source._session)
            assert signer.signing_cert is not None
            certificate = from_asn1(signer.signing_cert)
            yield Kit(certificate, list(source.chain), signer, SignerKey(signer, certificate))
    elif isinstance(source, CscSource):
        with ExitStack() as stack:
            with plain_refusals():
                signer = stack.enter_context(opened_in_thread(source))
            assert signer.signing_cert is not None
            certificate = from_asn1(signer.signing_cert)
            chain = [from_asn1(c) for c in signer.cert_registry if c != signer.signing_cert]
            yield Kit(certificate, chain, signer, SignerKey(signer, certificate))
    else:
        raise CredentialRefused(
            _("This kind of credential cannot sign batches yet."), code="credential_kind_unsupported"
        )


def source_for(credential: SigningCredential, authorisation: str) -> KeySource | Pkcs11Source | CscSource:
    """The signer source of ``credential`` opened with ``authorisation`` (PKCS#12 password, token or service PIN).

    A CSC credential signs through the service at ``config["url"]`` with the deployment's OAuth
    token for it (``HOCBASO_CSC_TOKEN``); the signer's PIN authorises each signature there. A phone
    app credential has no source: its batches are prepared and wait (:mod:`hocbaso.signing.remote`).
    """
    config = credential.config or {}
    if credential.kind == CredentialKind.PKCS12:
        path = Path(settings.VAR_DIR) / str(config.get("file", ""))
        if not config.get("file") or not path.is_file():
            raise CredentialRefused(_("The certificate file is missing."), code="credential_file_missing")
        with plain_refusals():
            source = KeySource.from_pkcs12(path.read_bytes(), authorisation)
        if source.certificate.fingerprint(hashes.SHA256()).hex().upper() != credential.fingerprint:
            raise CredentialRefused(
                _("The certificate file does not hold the registered certificate."), code="credential_mismatch"
            )
        return source
    if credential.kind == CredentialKind.PKCS11:
        chain = x509.load_pem_x509_certificates(config["chain_pem"].encode()) if config.get("chain_pem") else []
        return Pkcs11Source(
            library=config["library"],
            token_label=config["token_label"],
            pin=authorisation,
            key_label=config["key_label"],
            cert_label=config.get("cert_label"),
            chain=chain,
        )
    if credential.kind == CredentialKind.CSC:
        token = configured("HOCBASO_CSC_TOKEN")
        if not token:
            raise SigningNotConfigured(
                _("The remote signing service is not configured on this server (HOCBASO_CSC_TOKEN)."),
                code="csc_not_configured",
            )
        return CscSource(
            service_url=config["url"], credential_id=config["credential_id"], token=token, pin=authorisation
        )
    raise CredentialRefused(_("This kind of credential cannot sign batches yet."), code="credential_kind_unsupported")


# --- sealing the authorisation for a worker ----------------------------------------------------------


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"hocbaso signing batch authorisation").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(authorisation: str) -> str:
    return _fernet().encrypt(authorisation.encode()).decode()


def unseal(token: str) -> str:
    """The authorisation sealed by :func:`seal`, if younger than the TTL; else ``AuthorisationRequired``."""
    if not token:
        raise AuthorisationRequired(_("Enter the password or PIN again to continue signing."))
    try:
        return _fernet().decrypt(token.encode(), ttl=AUTHORISATION_TTL_SECONDS).decode()
    except InvalidToken:
        raise AuthorisationRequired(
            _("The authorisation has expired; enter the password or PIN again."), code="authorisation_expired"
        ) from None


def store_secret(batch: SigningBatch, authorisation: str) -> None:
    """Keep ``authorisation`` sealed for the batch's workers until the TTL (replacing any earlier one)."""
    BatchSecret.objects.update_or_create(
        batch=batch,
        defaults={
            "sealed": seal(authorisation),
            "expires_at": clock.now() + dt.timedelta(seconds=AUTHORISATION_TTL_SECONDS),
        },
    )


def drop_secret(batch_id: int) -> None:
    """Delete the batch's sealed authorisation (the row, not only its value)."""
    BatchSecret.objects.filter(batch_id=batch_id).delete()


def has_secret(batch_id: int) -> bool:
    """Whether a sealed authorisation not yet expired waits for the batch's workers."""
    return BatchSecret.objects.filter(batch_id=batch_id, expires_at__gt=clock.now()).exists()


def secret_of(batch_id: int) -> str:
    """The batch's sealed authorisation, or ``AuthorisationRequired`` (``authorisation_expired``
    when it had expired: it is deleted then)."""
    row = BatchSecret.objects.filter(batch_id=batch_id).first()
    if row is None:
        raise AuthorisationRequired(_("Enter the password or PIN again to continue signing."))
    try:
        if row.expires_at <= clock.now():
            raise AuthorisationRequired(
                _("The authorisation has expired; enter the password or PIN again."), code="authorisation_expired"
            )
        return unseal(row.sealed)
    except AuthorisationRequired:
        drop_secret(batch_id)
        raise


# --- batches ---------------------------------------------------------------------------------------


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


OPEN_OUTCOMES = (ItemOutcome.PENDING, ItemOutcome.AWAITING)


def finish_item(item: SigningBatchItem, outcome: str, code: str = "", message: str = "") -> bool:
    """Give a still open (pending or awaiting) item its outcome, count it and move the batch's heartbeat.

    Returns False and writes nothing when the item was already finished, e.g. by a second worker
    running the same batch after a resumption: an outcome is never overwritten nor counted twice.
    """
    now = clock.now()
    updated = SigningBatchItem.objects.filter(pk=item.pk, outcome__in=OPEN_OUTCOMES).update(
        outcome=outcome, code=code, message=message, finished_at=now
    )
    if not updated:
        item.refresh_from_db()
        return False
    item.outcome, item.code, item.message, item.finished_at = outcome, code, message, now
    SigningBatch.objects.filter(pk=item.batch_id).update(done=F("done") + 1, heartbeat_at=now)
    return True


def read_current(version: RecordVersion) -> tuple[bytes, bytes]:
    if version.signed_pdf_name:
        pdf = storage.get(version.signed_pdf_name, version.signed_pdf_sha256)
    else:
        pdf = storage.get(version.pdf_name, version.pdf_sha256)
    if version.signed_xml_name:
        xml = storage.get(version.signed_xml_name, version.signed_xml_sha256)
    else:
        xml = storage.get(version.xml_name, version.xml_sha256)
    return pdf, xml


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
        field_name=role,
        signer=kit.pdf_signer,
        certify=certifies(version, role),
        reason=title,
        location=version.school.name,
        qr_text=paper_text(version, kit) if role == SignatureRole.SCHOOL else None,
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
    version = RecordVersion.objects.select_related("school", "class_group").get(pk=item.version_id)
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
        before = {"pdf": locked.signed_pdf_sha256 or locked.pdf_sha256, "xml": locked.signed_xml_sha256}
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
    starting = SigningBatch.objects.filter(pk=batch.pk)
    if shards > 1:  # a sibling shard's refusal stays visible until someone resumes the whole batch
        starting = starting.exclude(state=SigningBatch.State.FAILED)
    now = clock.now()
    starting.update(
        state=SigningBatch.State.RUNNING, started_at=batch.started_at or now, heartbeat_at=now, error="", error_code=""
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
        SigningBatch.objects.filter(pk=batch.pk).update(
            state=SigningBatch.State.FAILED,
            error_code=exc.code,
            error=str(exc.message),
            finished_at=clock.now(),
        )
        drop_secret(batch.pk)
        raise
    if not batch.items.filter(outcome=ItemOutcome.PENDING).exists():
        SigningBatch.objects.filter(pk=batch.pk).update(state=SigningBatch.State.FINISHED, finished_at=clock.now())
        drop_secret(batch.pk)
    batch.refresh_from_db()
    return batch


def mark_failed(batch_id: int, error: DomainError) -> None:
    """Record why a batch stopped before signing (e.g. the sealed authorisation expired); delete its secret."""
    SigningBatch.objects.filter(pk=batch_id).exclude(state=SigningBatch.State.FINISHED).update(
        state=SigningBatch.State.FAILED,
        error_code=error.code,
        error=str(error.message),
        finished_at=clock.now(),
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
        if isinstance(source, CscSource):
            with plain_refusals():
                source.check_authorisation()
        with open_kit(source) as kit:
            check_certificate(kit.certificate, kit.chain, default_trust())


def submit_batch(
    *,
    by: Any,
    version_ids: Sequence[int],
    role: str,
    credential: SigningCredential,
    idempotency_key: str,
    authorisation: str,
) -> SigningBatch:
    """Web entry: check the authorisation and the certificate now, then run the batch as a task.

    Wrong password/PIN, or a revoked/expired/untrusted certificate, is refused here, before any
    batch exists; wrong passwords/PINs are counted and lock the signer and the credential out
    (:mod:`hocbaso.signing.attempts`). A resubmission with the same key returns the first batch without re-queueing it.
    A phone-app credential needs no authorisation here: its batch is prepared and waits for the app.
    """
    if credential.kind == CredentialKind.REMOTE_APP:
        certificate, chain = credential.certificate_and_chain()
        check_certificate(certificate, chain, default_trust())
        authorisation = ""
    else:
        check_authorisation(credential, authorisation, by=by)
    batch, created = create_batch(
        by=by,
        version_ids=version_ids,
        role=role,
        credential=credential,
        idempotency_key=idempotency_key,
        authorisation=authorisation,
        shards=1 if credential.kind == CredentialKind.REMOTE_APP else settings.HOCBASO_SIGNING_SHARDS,
    )
    if created:
        from hocbaso.signing.tasks import sign_batch_task

        def enqueue() -> None:
            for shard in range(batch.shards):
                sign_batch_task.enqueue(batch.pk, shard)

        transaction.on_commit(enqueue)
    return batch


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
