"""Trust and time for signing: which roots are trusted, where timestamps come from, and whether a
signing certificate may sign now.

Settings are read once, in ``config/settings.py`` (never from the environment at call time):
``HOCBASO_TRUSTED_ROOTS`` (a PEM file of roots; CRL/OCSP fetched), ``HOCBASO_TSA_URL`` (an RFC 3161
timestamp authority), ``HOCBASO_DEMO_PKCS12_PASSWORD``. With them unset in demo mode, trust is the
demo PKI's root with its current CRLs (no network needed) and timestamps come from an in-process
timestamper with the demo PKI's TSA key under ``VAR_DIR/pki`` (``hocbaso pki init``).
``verification.registry`` reads the same trust (:func:`demo_trust_in_use`).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings
from django.utils.translation import gettext_lazy as _
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

from hocbaso.core.errors import ValidationFailed
from hocbaso.signing import pades
from hocbaso.signing.backends import ensure_usable, to_asn1
from hocbaso.signing.refusals import CredentialRefused, SigningNotConfigured
from hocbaso.signing.timestamper import LoadedKeyTimeStamper


def demo_pki_dir() -> Path:
    return Path(settings.VAR_DIR) / "pki"


def trusted_roots_file() -> str:
    """The configured PEM file of trusted roots (``HOCBASO_TRUSTED_ROOTS``), or "" (demo trust)."""
    return str(settings.HOCBASO_TRUSTED_ROOTS or "")


def demo_trust_in_use() -> bool:
    """Whether trust is the demo PKI's (no roots file configured)."""
    return not trusted_roots_file()


def demo_pkcs12_password() -> str:
    """The password of the demo PKCS#12 files (``HOCBASO_DEMO_PKCS12_PASSWORD``, default "demo"); demo mode only."""
    if not settings.DEMO_MODE:
        raise SigningNotConfigured(_("Demo credentials exist only in demo mode."), code="demo_only")
    return str(settings.HOCBASO_DEMO_PKCS12_PASSWORD or "demo")


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
    roots_file = trusted_roots_file()
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
    chosen = url or str(settings.HOCBASO_TSA_URL or "")
    if chosen:
        return Timestamping(url=chosen)
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
