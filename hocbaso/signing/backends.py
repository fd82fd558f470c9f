"""Where signature values come from: one interface over a key file, a token and a remote service.

A *signer source* knows a certificate and can open a pyHanko :class:`~pyhanko.sign.signers.Signer`
inside the running event loop (remote signers need the loop for their HTTP session)::

    async with source.open() as signer:   # a pyhanko Signer
        ...

Sources:

- :class:`KeySource` — a key held in memory (loaded once per batch from PKCS#12 with
  :meth:`KeySource.from_pkcs12`). Signs with the already-parsed key object: pyHanko's
  ``SimpleSigner`` re-parses the key from DER for every raw signature (~47 ms for RSA).
- :class:`Pkcs11Source` — a PKCS#11 token (SoftHSM2 in tests, a USB token in schools). Use it as a
  context manager to keep one session open for a batch.
- :class:`CscSource` — a remote signing service speaking the Cloud Signature Consortium API v1
  (``credentials/info``, ``credentials/authorize``, ``signatures/signHash``) through pyHanko's
  ``CSCSigner``.

:func:`opened_in_thread` keeps a source open for a whole batch in a thread of its own, for code that
runs each document in a fresh event loop (a CSC session's HTTP client belongs to one loop).

Interrupted signing (a phone app returns the signature value later) lives in
:mod:`hocbaso.signing.pades` (``prepare_pdf_signature`` / ``finish_pdf_signature``) and
:mod:`hocbaso.signing.remote` (the workflow around it).

Also: :func:`certificate_summary` and :func:`expiring_soon` for certificate lists in the UI.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import os
import threading
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import Signer
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCServiceSessionInfo,
    CSCSigner,
    fetch_certs_in_csc_credential,
)
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from hocbaso.core.errors import ValidationFailed

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    """``cryptography`` certificate → ``asn1crypto`` certificate (what pyHanko speaks)."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def from_asn1(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


class SignerSource(Protocol):
    """Anything that can open a pyHanko ``Signer`` inside the running event loop."""

    def open(self) -> Any:  # an async context manager yielding a pyhanko Signer
        ...


# --- keys in memory (PKCS#12) ------------------------------------------------------------------------


class LoadedKeySigner(Signer):
    """A pyHanko signer around an already-parsed ``cryptography`` private key (RSA PKCS#1 v1.5/PSS or ECDSA)."""

    def __init__(self, key: PrivateKey, cert: x509.Certificate, chain: Sequence[x509.Certificate] = ()):
        self._key = key
        super().__init__(
            signing_cert=to_asn1(cert),
            cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
        )

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism.signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey) and algo == "ecdsa":
            return self._key.sign(data, ec.ECDSA(hash_algo))
        if isinstance(self._key, rsa.RSAPrivateKey) and algo == "rsassa_pkcs1v15":
            return self._key.sign(data, padding.PKCS1v15(), hash_algo)
        if isinstance(self._key, rsa.RSAPrivateKey) and algo == "rsassa_pss":
            params = mechanism["parameters"]
            pss = padding.PSS(
                mgf=padding.MGF1(
                    get_pyca_cryptography_hash(params["mask_gen_algorithm"]["parameters"]["algorithm"].native)
                ),
                salt_length=params["salt_length"].native,
            )
            return self._key.sign(data, pss, hash_algo)
        raise SigningError(f"unsupported signature mechanism {algo}")


@dataclass
class KeySource:
    """A private key held in memory with its certificate and CA chain (nearest CA first)."""

    key: PrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)

    @classmethod
    def from_pkcs12(cls, data: bytes, password: str | None) -> KeySource:
        """Load a PKCS#12 file once (do this once per batch, not per document).

        Refuses a wrong password, a file without a key, or an unsupported key type with
        ``ValidationFailed`` (codes ``pkcs12_unreadable`` / ``pkcs12_no_key``).
        """
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
        except ValueError:
            raise ValidationFailed("PKCS#12 file could not be opened", code="pkcs12_unreadable") from None
        if cert is None or not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise ValidationFailed("PKCS#12 file holds no usable key and certificate", code="pkcs12_no_key")
        return cls(key, cert, list(extra))

    @asynccontextmanager
    async def open(self) -> AsyncIterator[Signer]:
        yield self.signer()

    def signer(self) -> LoadedKeySigner:
        return LoadedKeySigner(self.key, self.certificate, self.chain)


# --- PKCS#11 tokens ----------------------------------------------------------------------------------


@dataclass
class Pkcs11Source:
    """A key on a PKCS#11 token, found by token label and key/certificate label.

    ``use_raw_mechanism`` hashes in software and asks the token for raw ECDSA (SoftHSM2 does not
    offer ``CKM_ECDSA_SHA256``); it is switched on automatically for EC keys. Enter the source
    (``with source:``) to keep one logged-in session for a batch; otherwise each ``open()`` logs in.
    """

    library: str
    token_label: str
    pin: str
    key_label: str
    cert_label: str | None = None
    chain: list[x509.Certificate] = field(default_factory=list)
    _session: Any = field(default=None, repr=False)

    def __enter__(self) -> Pkcs11Source:
        self._session = self._open_session()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _open_session(self) -> Any:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import open_pkcs11_session

        try:
            return open_pkcs11_session(
                self.library, token_criteria=TokenCriteria(label=self.token_label), user_pin=self.pin
            )
        except Exception as exc:  # python-pkcs11 raises many unrelated classes (PinIncorrect, NoSuchToken…)
            raise ValidationFailed(
                f"PKCS#11 token unavailable: {type(exc).__name__}", code="pkcs11_unavailable"
            ) from exc

    def _signer(self, session: Any) -> Signer:
        from pyhanko.sign.pkcs11 import PKCS11Signer

        probe = PKCS11Signer(
            session,
            cert_label=self.cert_label or self.key_label,
            key_label=self.key_label,
            ca_chain=[to_asn1(c) for c in self.chain],
        )
        is_ec = probe.signing_cert.public_key.algorithm == "ec"
        if not is_ec:
            return probe
        return PKCS11Signer(
            session,
            cert_label=self.cert_label or self.key_label,
            key_label=self.key_label,
            ca_chain=[to_asn1(c) for c in self.chain],
            use_raw_mechanism=True,
        )

    @asynccontextmanager
    async def open(self) -> AsyncIterator[Signer]:
        if self._session is not None:
            yield self._signer(self._session)
            return
        session = self._open_session()
        try:
            yield self._signer(session)
        finally:
            session.close()


# --- remote signing over the CSC API -----------------------------------------------------------------


class CscPinRefused(SigningError):
    """The service refused ``credentials/authorize`` (wrong PIN, locked credential)."""


class _PinAuthorization(CSCAuthorizationManager):
    """Calls ``credentials/authorize`` with the PIN (and the hashes, so SCAL 2 services work) per signHash."""

    def __init__(
        self, session_info: CSCServiceSessionInfo, credential_info: Any, http: aiohttp.ClientSession, pin: str
    ):
        super().__init__(session_info, credential_info)
        self._http = http
        self._pin = pin

    async def authorize_signature(self, hash_b64s: list[str] | None) -> CSCAuthorizationInfo:
        body = self.format_csc_auth_request(pin=self._pin, hash_b64s=hash_b64s)
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        try:
            async with self._http.post(url, headers=self.auth_headers, json=body, raise_for_status=True) as response:
                return self.parse_csc_auth_response(await response.json())
        except aiohttp.ClientError as exc:
            raise CscPinRefused("CSC authorisation refused") from exc


@dataclass
class CscSource:
    """A credential on a remote CSC v1 service (base URL without ``/csc/v1``), an OAuth bearer token and a PIN."""

    service_url: str
    credential_id: str
    token: str
    pin: str
    timeout: int = 30

    @asynccontextmanager
    async def open(self) -> AsyncIterator[Signer]:
        info = CSCServiceSessionInfo(self.service_url, self.credential_id, oauth_token=self.token)
        async with aiohttp.ClientSession() as http:
            try:
                credential = await fetch_certs_in_csc_credential(http, info, timeout=self.timeout)
            except SigningError as exc:
                raise ValidationFailed("remote signing service unavailable", code="csc_unavailable") from exc
            yield CSCSigner(http, _PinAuthorization(info, credential, http, self.pin), sign_timeout=self.timeout)

    def check_authorisation(self) -> None:
        """Refuse a wrong PIN before a batch starts (``csc_pin_refused``).

        Asks ``credentials/authorize`` for one signature; a service that binds authorisations to
        hashes (SCAL 2) gets the hash of a random nonce, so the authorisation can sign nothing real.
        """

        async def body() -> None:
            info = CSCServiceSessionInfo(self.service_url, self.credential_id, oauth_token=self.token)
            async with aiohttp.ClientSession() as http:
                credential = await fetch_certs_in_csc_credential(http, info, timeout=self.timeout)
                nonce = [base64.b64encode(hashlib.sha256(os.urandom(32)).digest()).decode()]
                manager = _PinAuthorization(info, credential, http, self.pin)
                await manager.authorize_signature(nonce if credential.hash_pinning_required else None)

        try:
            asyncio.run(body())
        except CscPinRefused as exc:
            raise ValidationFailed("the remote signing service refused the PIN", code="csc_pin_refused") from exc
        except SigningError as exc:
            raise ValidationFailed("remote signing service unavailable", code="csc_unavailable") from exc


class LoopThreadSigner(Signer):
    """Another pyHanko signer, driven in the event loop of its own thread.

    pyHanko's ``CSCSigner`` holds an ``aiohttp`` session, which belongs to the loop that opened it;
    the signing code runs every document in a fresh loop (``asyncio.run``). This adapter sends each
    raw signature to the session's loop and waits for it from whichever loop asks.
    """

    def __init__(self, inner: Signer, loop: asyncio.AbstractEventLoop):
        self._inner = inner
        self._loop = loop
        super().__init__(
            signing_cert=inner.signing_cert,
            cert_registry=inner.cert_registry,
            prefer_pss=inner.prefer_pss,
            embed_roots=inner.embed_roots,
        )

    def get_signature_mechanism_for_digest(self, digest_algorithm: str | None) -> Any:
        return self._inner.get_signature_mechanism_for_digest(digest_algorithm)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        future = asyncio.run_coroutine_threadsafe(
            self._inner.async_sign_raw(data, digest_algorithm, dry_run=dry_run), self._loop
        )
        return await asyncio.wrap_future(future)


@contextmanager
def opened_in_thread(source: SignerSource) -> Iterator[Signer]:
    """Open ``source`` once in a dedicated event-loop thread and yield a signer usable from any loop.

    The source is closed and the thread stopped on exit. Errors while opening (e.g. the service is
    unreachable: ``csc_unavailable``) are raised here, before anything is signed.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="signer-loop", daemon=True)
    thread.start()
    manager = source.open()
    try:
        inner = asyncio.run_coroutine_threadsafe(manager.__aenter__(), loop).result()
        try:
            yield LoopThreadSigner(inner, loop)
        finally:
            asyncio.run_coroutine_threadsafe(manager.__aexit__(None, None, None), loop).result()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def fetch_csc_certificates(
    service_url: str, credential_id: str, token: str, *, timeout: int = 30
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The certificate of a CSC credential and the CA certificates the service returns with it.

    ``ValidationFailed`` (``csc_unavailable``) when the service cannot be reached or refuses.
    """

    async def body() -> Any:
        info = CSCServiceSessionInfo(service_url, credential_id, oauth_token=token)
        async with aiohttp.ClientSession() as http:
            return await fetch_certs_in_csc_credential(http, info, timeout=timeout)

    try:
        credential = asyncio.run(body())
    except (SigningError, aiohttp.ClientError, OSError, KeyError, ValueError) as exc:
        raise ValidationFailed("remote signing service unavailable", code="csc_unavailable") from exc
    certificate = from_asn1(credential.signing_cert)
    chain = [from_asn1(c) for c in credential.chain if c != credential.signing_cert]
    return certificate, chain


async def list_csc_credentials(service_url: str, token: str) -> list[str]:
    """``credentials/list`` of a CSC service: the credential IDs the token may use."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{service_url}/csc/v1/credentials/list",
            headers={"Authorization": f"Bearer {token}"},
            json={},
            raise_for_status=True,
        ) as response,
    ):
        return list((await response.json())["credentialIDs"])


# --- certificate facts for people ---------------------------------------------------------------------


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def certificate_summary(cert: x509.Certificate) -> dict[str, Any]:
    """What a person needs to recognise a certificate: names, serial, validity, SHA-256 fingerprint."""
    return {
        "subject_name": _attr(cert.subject, NameOID.COMMON_NAME) or cert.subject.rfc4514_string(),
        "title": _attr(cert.subject, NameOID.TITLE),
        "organisation": _attr(cert.subject, NameOID.ORGANIZATION_NAME),
        "issuer_name": _attr(cert.issuer, NameOID.COMMON_NAME) or cert.issuer.rfc4514_string(),
        "serial": f"{cert.serial_number:X}",
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "fingerprint_sha256": cert.fingerprint(hashes.SHA256()).hex().upper(),
    }


def expiring_soon(
    certs: Iterable[x509.Certificate], within_days: int, *, now: dt.datetime | None = None
) -> list[x509.Certificate]:
    """Certificates that expire within ``within_days`` from ``now`` (already expired ones included), soonest first."""
    moment = now or dt.datetime.now(tz=dt.UTC)
    limit = moment + dt.timedelta(days=within_days)
    return sorted((c for c in certs if c.not_valid_after_utc <= limit), key=lambda c: c.not_valid_after_utc)


def ensure_usable(cert: x509.Certificate, *, at: dt.datetime | None = None) -> None:
    """Refuse to sign with a certificate outside its validity period (code ``certificate_expired`` /
    ``certificate_not_yet_valid``) or without the digitalSignature/nonRepudiation key usage."""
    moment = at or dt.datetime.now(tz=dt.UTC)
    if moment > cert.not_valid_after_utc:
        raise ValidationFailed("the signing certificate has expired", code="certificate_expired")
    if moment < cert.not_valid_before_utc:
        raise ValidationFailed("the signing certificate is not valid yet", code="certificate_not_yet_valid")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise ValidationFailed("the certificate may not be used for signatures", code="certificate_wrong_usage")


def signature_value_matches(certificate: x509.Certificate, data: bytes, value: bytes) -> bool:
    """Whether ``value`` is the SHA-256 signature of ``data`` by ``certificate``'s key (ECDSA as DER,
    RSA PKCS#1 v1.5): how a signature made elsewhere (a phone app) is checked before it is used."""
    public_key = certificate.public_key()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(value, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def spki_sha256(cert: x509.Certificate) -> str:
    """Base64 SHA-256 of the public key info (stable across re-issued certificates of the same key)."""
    der = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()
