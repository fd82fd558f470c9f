"""Signing providers: how a credential's key is reached and opened for one batch (ADR 0005, 0014).

A provider is one class (a subclass of :class:`Provider`) naming the credential ``kind`` it serves
and the ``source_type`` it opens; subclassing registers it. It builds the signer source of a
credential with the signer's authorisation (:meth:`Provider.build`), may check that authorisation
before a batch exists (:meth:`Provider.check_authorisation`), and opens the source once for a whole
batch as a :class:`Kit` (:meth:`Provider.open`). So a new way of holding a key is one new class
here; the batches, the credential checks and the pages ask :func:`source_for`, :func:`open_kit`
and :func:`check_authorisation` and never the kind.

Kinds served: ``pkcs12`` (a file under ``VAR_DIR``, opened with its password), ``pkcs11`` (a USB
token, one logged-in session per batch), ``csc`` (a remote signing service, the deployment's OAuth
token ``HOCBASO_CSC_TOKEN`` and the signer's PIN; one HTTP session per batch in its own loop
thread). A phone-app credential (``remote_app``) has no source: its batches are prepared and wait
for the app (:mod:`hocbaso.signing.remote`). An opened :class:`Kit` is a source too (tests, bench).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pyhanko.sign.signers import Signer

from hocbaso.core.errors import ValidationFailed
from hocbaso.signing.backends import CscSource, KeySource, Pkcs11Source, from_asn1, opened_in_thread
from hocbaso.signing.models import CredentialKind, SigningCredential
from hocbaso.signing.refusals import CredentialRefused, SigningNotConfigured


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


def _unsupported() -> CredentialRefused:
    return CredentialRefused(_("This kind of credential cannot sign batches yet."), code="credential_kind_unsupported")


class Provider:
    """One way of holding a signing key. Subclasses set ``kind`` (a ``CredentialKind``, or None for
    a source no credential names) and ``source_type``, and are registered by being defined."""

    kind: ClassVar[str | None] = None
    source_type: ClassVar[type]
    by_kind: ClassVar[dict[str, type[Provider]]] = {}
    by_source: ClassVar[dict[type, type[Provider]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind is not None:
            Provider.by_kind[cls.kind] = cls
        Provider.by_source[cls.source_type] = cls

    @classmethod
    def build(cls, credential: SigningCredential, authorisation: str) -> Any:
        """The signer source of ``credential`` with ``authorisation`` (password, PIN…); nothing opened yet."""
        raise _unsupported()

    @classmethod
    def check_authorisation(cls, source: Any) -> None:
        """Refuse a wrong authorisation before a batch exists, when opening the key would not show it."""

    @classmethod
    def open(cls, source: Any) -> AbstractContextManager[Kit]:
        """``source`` opened once for a whole batch."""
        raise NotImplementedError


class OpenedKit(Provider):
    """A means already opened by the caller (tests, benches)."""

    source_type = Kit

    @classmethod
    @contextmanager
    def open(cls, source: Kit) -> Iterator[Kit]:
        yield source


class Pkcs12File(Provider):
    """A PKCS#12 file under ``VAR_DIR`` (``config["file"]``), opened with its password."""

    kind = CredentialKind.PKCS12
    source_type = KeySource

    @classmethod
    def build(cls, credential: SigningCredential, authorisation: str) -> KeySource:
        config = credential.config or {}
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

    @classmethod
    @contextmanager
    def open(cls, source: KeySource) -> Iterator[Kit]:
        yield Kit(source.certificate, list(source.chain), source.signer(), source.key)


class Pkcs11Token(Provider):
    """A key on a PKCS#11 token (``config``: library, token/key/cert labels, chain PEM), opened with its PIN."""

    kind = CredentialKind.PKCS11
    source_type = Pkcs11Source

    @classmethod
    def build(cls, credential: SigningCredential, authorisation: str) -> Pkcs11Source:
        config = credential.config or {}
        chain = x509.load_pem_x509_certificates(config["chain_pem"].encode()) if config.get("chain_pem") else []
        return Pkcs11Source(
            library=config["library"],
            token_label=config["token_label"],
            pin=authorisation,
            key_label=config["key_label"],
            cert_label=config.get("cert_label"),
            chain=chain,
        )

    @classmethod
    @contextmanager
    def open(cls, source: Pkcs11Source) -> Iterator[Kit]:
        with ExitStack() as stack:
            with plain_refusals():
                stack.enter_context(source)
            signer = source._signer(source._session)
            assert signer.signing_cert is not None
            certificate = from_asn1(signer.signing_cert)
            yield Kit(certificate, list(source.chain), signer, SignerKey(signer, certificate))


class CscService(Provider):
    """A credential on a remote signing service (CSC API) at ``config["url"]``, with the deployment's
    OAuth token for it (``HOCBASO_CSC_TOKEN``); the signer's PIN authorises each signature there and
    is checked with ``credentials/authorize`` before a batch exists."""

    kind = CredentialKind.CSC
    source_type = CscSource

    @classmethod
    def build(cls, credential: SigningCredential, authorisation: str) -> CscSource:
        token = csc_token()
        config = credential.config or {}
        return CscSource(
            service_url=config["url"], credential_id=config["credential_id"], token=token, pin=authorisation
        )

    @classmethod
    def check_authorisation(cls, source: CscSource) -> None:
        with plain_refusals():
            source.check_authorisation()

    @classmethod
    @contextmanager
    def open(cls, source: CscSource) -> Iterator[Kit]:
        with ExitStack() as stack:
            with plain_refusals():
                signer = stack.enter_context(opened_in_thread(source))
            assert signer.signing_cert is not None
            certificate = from_asn1(signer.signing_cert)
            chain = [from_asn1(c) for c in signer.cert_registry if c != signer.signing_cert]
            yield Kit(certificate, chain, signer, SignerKey(signer, certificate))


def csc_token() -> str:
    """The deployment's OAuth token for remote signing services, or ``csc_not_configured``."""
    token = str(settings.HOCBASO_CSC_TOKEN or "")
    if not token:
        raise SigningNotConfigured(
            _("The remote signing service is not configured on this server (HOCBASO_CSC_TOKEN)."),
            code="csc_not_configured",
        )
    return token


def source_for(credential: SigningCredential, authorisation: str) -> Any:
    """The signer source of ``credential`` opened with ``authorisation`` (PKCS#12 password, token or
    service PIN), built by the provider of its kind (``credential_kind_unsupported`` without one)."""
    provider = Provider.by_kind.get(credential.kind)
    if provider is None:
        raise _unsupported()
    return provider.build(credential, authorisation)


def _provider_of(source: Any) -> type[Provider] | None:
    return next((Provider.by_source[t] for t in type(source).__mro__ if t in Provider.by_source), None)


def check_authorisation(source: Any) -> None:
    """Let ``source``'s provider refuse a wrong authorisation now (a CSC PIN); others show it on opening."""
    provider = _provider_of(source)
    if provider is not None:
        provider.check_authorisation(source)


@contextmanager
def open_kit(source: Source) -> Iterator[Kit]:
    """Open ``source`` once for a whole batch (PKCS#11: one logged-in session; CSC: one HTTP session)."""
    provider = _provider_of(source)
    if provider is None:
        raise _unsupported()
    with provider.open(source) as kit:
        yield kit
