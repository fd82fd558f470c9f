"""PAdES signatures on the record PDF with pyHanko: B-T signing, B-LT/B-LTA, validation.

Order on a record (fields pre-created by the renderer, named exactly so):

1. ``homeroom`` — certification signature, DocMDP "fill forms" (later signatures allowed, edits not);
2. ``principal`` — approval signature;
3. ``school`` — approval signature with the school's organisation certificate (the seal).

Every signature carries an RFC 3161 signature timestamp (PAdES B-T): a TSA is mandatory here.
:func:`make_ltv` adds validation data (DSS, B-LT) and a document timestamp (B-LTA);
:func:`renew_archive_timestamp` adds a further document timestamp before the last one's TSA
certificate expires. :func:`validate_pdf` reports per signature and fails closed: a check that
could not run gives ``indeterminate``, never ``valid``.

Interrupted signing (the signature value arrives later, e.g. from a phone app):
:func:`prepare_pdf_signature` returns a :class:`PreparedSignature` (JSON-serialisable) holding the
bytes to be signed; :func:`finish_pdf_signature` embeds the returned signature value.

All functions are synchronous wrappers that run pyHanko's async API in a fresh event loop and
release network sessions before returning, so they are safe to call from Django views and tasks.

Why one module over 500 lines: it is the PAdES profile of the record, whole — signing, LTV and
validation share the trust settings, the revocation cache and the reserved-size cache, and each
half is the other's test oracle; the signature dictionary every means uses is
:func:`signature_metadata`. The vocabulary (field names, order) is ``records.signed_record``'s.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import logging
import threading
import time
import weakref
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from io import BytesIO
from typing import Any, Literal, TypeVar

from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pyhanko.pdf_utils.generic import NameObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError, extract_certificate_info
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import NoDSSFoundError, ValidationInfoReadingError
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.fetchers import CRLFetcher, Fetchers, OCSPFetcher, OwnedFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hocbaso.core.errors import ValidationFailed
from hocbaso.records import signed_record
from hocbaso.records.pdfa import PdfA3IncrementalWriter
from hocbaso.signing import cms_attributes, paper_seal, pdf_parsing, stamp
from hocbaso.signing.backends import SignerSource, ensure_usable, from_asn1, signature_value_matches, to_asn1

T = TypeVar("T")
logger = logging.getLogger(__name__)

pdf_parsing.install()  # pyHanko's reader of hex strings (every /Contents), without its byte-at-a-time loop
cms_attributes.install()  # the signing-certificate-v2 attribute encoded once per certificate

FIELD_ORDER = signed_record.FIELD_NAMES  # the signature fields, in signing order


class SigningRefused(ValidationFailed):
    """The document cannot be signed as asked (missing field, no TSA, bad certificate, pyHanko refusal)."""

    code = "signing_refused"


# --- trust settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trust:
    """How to decide trust: anchors, revocation sources and strictness.

    ``revocation_mode`` is pyhanko-certvalidator's: ``"hard-fail"`` (default: revocation must be
    checked and found good for every certificate that names a CRL/OCSP source), ``"soft-fail"`` or
    ``"require"``. ``allow_fetching`` lets the validator fetch CRLs/OCSP from the URLs in the
    certificates. Build a fresh pyHanko context per operation with :meth:`context` (contexts hold
    network sessions bound to one event loop).
    """

    roots: tuple[x509.Certificate, ...]
    allow_fetching: bool = True
    revocation_mode: str = "hard-fail"
    crls: tuple[bytes, ...] = ()
    ocsps: tuple[bytes, ...] = ()
    other_certs: tuple[x509.Certificate, ...] = ()
    moment: dt.datetime | None = None
    revocation_cache: RevocationCache | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, roots: Sequence[x509.Certificate], **kwargs: Any) -> Trust:
        return cls(roots=tuple(roots), **kwargs)

    def for_batch(self) -> Trust:
        """This trust with a :class:`RevocationCache` shared by the documents of one batch (kept if present)."""
        if self.revocation_cache is not None:
            return self
        return replace(self, revocation_cache=RevocationCache())

    def kwargs(self) -> dict[str, Any]:
        return {
            "trust_roots": [to_asn1(c) for c in self.roots],
            "allow_fetching": self.allow_fetching,
            "revocation_mode": self.revocation_mode,
            "crls": list(self.crls),
            "ocsps": list(self.ocsps),
            "other_certs": [to_asn1(c) for c in self.other_certs],
            "moment": self.moment,
        }

    def context(self) -> ValidationContext:
        return ValidationContext(**self.kwargs())

    def context_with_dss(self, reader: PdfFileReader, cache: RevocationCache | None = None) -> ValidationContext:
        """A context that also knows the certificates and revocation data stored in the PDF's DSS.

        With ``cache`` (and fetching allowed), OCSP responses and CRLs are fetched through it.
        """
        kwargs = self.kwargs()
        if cache is not None and self.allow_fetching:
            kwargs.update(cache.fetching_kwargs())
        try:
            dss = DocumentSecurityStore.read_dss(reader)
        except NoDSSFoundError:
            return ValidationContext(**kwargs)
        return dss.as_validation_context(kwargs)


# --- revocation data shared by the documents of a batch -------------------------------------------

REVOCATION_MAX_AGE = dt.timedelta(minutes=10)
# a cached response must stay current at least this long, so it is still current when validated
_FRESHNESS_MARGIN = dt.timedelta(minutes=5)


def _digest(obj: Any) -> bytes:
    return hashlib.sha256(obj.dump()).digest()


def _ocsp_next_updates(response: asn1_ocsp.OCSPResponse) -> list[dt.datetime | None]:
    if response["response_status"].native != "successful":
        return [None]
    basic = response["response_bytes"]["response"].parsed
    return [single["next_update"].native for single in basic["tbs_response_data"]["responses"]] or [None]


def _crl_next_update(crl: asn1_crl.CertificateList) -> dt.datetime | None:
    value = crl["tbs_cert_list"]["next_update"].native
    return value if isinstance(value, dt.datetime) else None


class RevocationCache:
    """OCSP responses and CRLs fetched while adding validation data to one batch's files, reused for the next files.

    A class's records name the same principal, seal, CA and TSA certificates again and again; their
    OCSP responses and CRLs are valid for hours, so fetching them anew for every record only costs
    round trips (three signatures, their timestamps and the document timestamp: a dozen fetches
    a record). Entries are kept per certificate, so a document only ever receives data about
    certificates it contains; an entry is reused for at most ``max_age`` after it was fetched and
    only while current (``nextUpdate`` more than five minutes ahead), else it is fetched again.
    Validation is unchanged: pyhanko-certvalidator still checks every response's signature,
    times and status, so a revoked certificate is refused as before (within ``max_age`` of a
    "good" answer, a revocation is seen when the next answer is fetched, as with any OCSP client
    that honours the responder's validity period).

    Create one per batch (:meth:`Trust.for_batch`); thread-safe. ``fetches`` counts network
    fetches made through it, ``reused`` answers served from it.
    """

    def __init__(self, max_age: dt.timedelta = REVOCATION_MAX_AGE) -> None:
        self.max_age = max_age
        self.fetches = 0
        self.reused = 0
        self._ocsps: dict[tuple[bytes, bytes], tuple[float, asn1_ocsp.OCSPResponse]] = {}
        self._crls: dict[tuple[bytes, bool | None], tuple[float, list[asn1_crl.CertificateList]]] = {}
        self._lock = threading.Lock()

    def _current(self, fetched_at: float, next_updates: Iterable[dt.datetime | None]) -> bool:
        if time.monotonic() - fetched_at > self.max_age.total_seconds():
            return False
        horizon = dt.datetime.now(tz=dt.UTC) + _FRESHNESS_MARGIN
        return all(moment is not None and moment > horizon for moment in next_updates)

    def ocsp(self, key: tuple[bytes, bytes]) -> asn1_ocsp.OCSPResponse | None:
        with self._lock:
            entry = self._ocsps.get(key)
            if entry is None or not self._current(entry[0], _ocsp_next_updates(entry[1])):
                return None
            self.reused += 1
            return entry[1]

    def store_ocsp(self, key: tuple[bytes, bytes], response: asn1_ocsp.OCSPResponse) -> None:
        with self._lock:
            self.fetches += 1
            self._ocsps[key] = (time.monotonic(), response)

    def crls(self, key: tuple[bytes, bool | None]) -> list[asn1_crl.CertificateList] | None:
        with self._lock:
            entry = self._crls.get(key)
            if entry is None or not entry[1] or not self._current(entry[0], map(_crl_next_update, entry[1])):
                return None
            self.reused += 1
            return list(entry[1])

    def store_crls(self, key: tuple[bytes, bool | None], crls: list[asn1_crl.CertificateList]) -> None:
        with self._lock:
            self.fetches += 1
            self._crls[key] = (time.monotonic(), list(crls))

    def fetching_kwargs(self) -> dict[str, Any]:
        """``ValidationContext`` arguments that fetch through this cache (the context closes its own session)."""
        backend = AIOHttpFetcherBackend()
        inner = backend.get_fetchers()
        return {
            "fetchers": Fetchers(
                ocsp_fetcher=_CachedOCSPFetcher(inner.ocsp_fetcher, self),
                crl_fetcher=_CachedCRLFetcher(inner.crl_fetcher, self),
                cert_fetcher=inner.cert_fetcher,
            ),
            "fetcher_backend": OwnedFetcherBackend(backend),
        }


class _CachedOCSPFetcher(OCSPFetcher):
    """One validation context's OCSP fetcher: asks the batch cache first; reports only what this context used."""

    def __init__(self, inner: OCSPFetcher, cache: RevocationCache) -> None:
        self._inner = inner
        self._cache = cache
        self._used: dict[bytes, list[asn1_ocsp.OCSPResponse]] = {}

    async def fetch(self, cert: Any, authority: Authority) -> asn1_ocsp.OCSPResponse:
        key = (_digest(cert), _digest(authority.public_key))
        response = self._cache.ocsp(key)
        if response is None:
            response = await self._inner.fetch(cert, authority)
            self._cache.store_ocsp(key, response)
        self._used.setdefault(key[0], []).append(response)
        return response

    def fetched_responses(self) -> Iterable[asn1_ocsp.OCSPResponse]:
        return [response for responses in self._used.values() for response in responses]

    def fetched_responses_for_cert(self, cert: Any) -> Iterable[asn1_ocsp.OCSPResponse]:
        return list(self._used.get(_digest(cert), ()))


class _CachedCRLFetcher(CRLFetcher):
    """One validation context's CRL fetcher: asks the batch cache first; reports only what this context used."""

    def __init__(self, inner: CRLFetcher, cache: RevocationCache) -> None:
        self._inner = inner
        self._cache = cache
        self._used: dict[bytes, list[asn1_crl.CertificateList]] = {}

    async def fetch(self, cert: Any, *, use_deltas: bool | None = None) -> Iterable[asn1_crl.CertificateList]:
        key = (_digest(cert), use_deltas)
        crls = self._cache.crls(key)
        if crls is None:
            crls = list(await self._inner.fetch(cert, use_deltas=use_deltas))
            self._cache.store_crls(key, crls)
        self._used[key[0]] = crls
        return crls

    def fetched_crls(self) -> Iterable[asn1_crl.CertificateList]:
        seen: dict[bytes, asn1_crl.CertificateList] = {}
        for crls in self._used.values():
            for crl in crls:
                seen.setdefault(crl.dump(), crl)
        return list(seen.values())

    def fetched_crls_for_cert(self, cert: Any) -> Iterable[asn1_crl.CertificateList]:
        return self._used[_digest(cert)]  # KeyError: not fetched for this certificate yet


def _run(coro: Awaitable[T], *contexts: ValidationContext | None) -> T:
    async def body() -> T:
        try:
            return await coro
        finally:
            for context in contexts:
                if context is not None:
                    await context.aclose()

    return asyncio.run(body())


def _timestamper(timestamper_url: str | None, timestamper: TimeStamper | None) -> TimeStamper:
    if timestamper is not None:
        return timestamper
    if timestamper_url:
        return HTTPTimeStamper(timestamper_url, timeout=30)
    raise SigningRefused("a timestamp authority is required (PAdES B-T)", code="timestamp_required")


def _field_names(reader: PdfFileReader) -> dict[str, bool]:
    """Signature field name -> already signed."""
    return {name: value is not None for name, value, _ in fields.enumerate_sig_fields(reader)}


# --- signing ----------------------------------------------------------------------------------------


def signature_metadata(
    field_name: str,
    *,
    certify: bool = False,
    reason: str | None = None,
    location: str | None = None,
    contact: str | None = None,
    embed_validation_info: bool = False,
    validation_context: ValidationContext | None = None,
) -> signers.PdfSignatureMetadata:
    """The PAdES signature dictionary of every backend (a key in hand, a token, a signing service,
    the phone app's interrupted signature): SHA-256, the PAdES subfilter, DocMDP "fill forms" when
    ``certify``, and the texts shown — ``reason`` (the signer's title), ``location`` (the school's
    name), ``contact`` — so signatures made by any means carry the same metadata."""
    return signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        reason=reason,
        location=location,
        contact_info=contact,
        embed_validation_info=embed_validation_info,
        validation_context=validation_context,
    )


def sign_pdf(
    pdf_bytes: bytes,
    *,
    field_name: str,
    signer: SignerSource | signers.Signer,
    certify: bool = False,
    timestamper_url: str | None = None,
    timestamper: TimeStamper | None = None,
    reason: str | None = None,
    location: str | None = None,
    contact: str | None = None,
    embed_validation_info: bool = False,
    trust: Trust | None = None,
    qr_text: str | None = None,
) -> bytes:
    """Sign the existing empty field ``field_name`` and return the new PDF (an incremental update).

    ``qr_text`` (the school seal's paper seal, :mod:`hocbaso.signing.paper_seal`) is drawn as a QR
    code in the signature's visible appearance.

    ``certify=True`` makes a certification signature with DocMDP FILL_FORMS (use it for the first,
    ``homeroom``, signature only). The signature is PAdES B-T: a timestamp from ``timestamper_url``
    (RFC 3161 over HTTP) or ``timestamper`` is required. ``embed_validation_info=True`` also embeds
    revocation data for the signer (needs ``trust``). Refuses with ``SigningRefused`` when the field
    is missing or already signed, when the certificate is expired / not yet valid, or when pyHanko
    refuses (e.g. DocMDP forbids further signatures).
    """
    # one reader for the checks and the writer: reading the fields parses every earlier signature's
    # /Contents (slow in pyHanko), and the writer then finds those objects already parsed
    reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    existing = _field_names(reader)
    if field_name not in existing:
        raise SigningRefused(f"no signature field {field_name!r} in the document", code="signature_field_missing")
    if existing[field_name]:
        raise SigningRefused(f"field {field_name!r} is already signed", code="signature_field_signed")
    if embed_validation_info and trust is None:
        raise SigningRefused("validation info needs trust settings", code="trust_required")
    tsa = _timestamper(timestamper_url, timestamper)
    context = trust.context() if (trust is not None and embed_validation_info) else None

    async def body() -> bytes:
        if isinstance(signer, signers.Signer):
            return await _sign_with(signer)
        async with signer.open() as opened:
            return await _sign_with(opened)

    async def _sign_with(pdf_signer_key: signers.Signer) -> bytes:
        if pdf_signer_key.signing_cert is None:
            raise SigningRefused("the signer has no certificate", code="certificate_missing")
        ensure_usable(from_asn1(pdf_signer_key.signing_cert))
        meta = signature_metadata(
            field_name,
            certify=certify,
            reason=reason,
            location=location,
            contact=contact,
            embed_validation_info=embed_validation_info,
            validation_context=context,
        )
        style = stamp.stamp_style() if qr_text is None else paper_seal.stamp_style()
        pdf_signer = signers.PdfSigner(meta, signer=pdf_signer_key, timestamper=tsa, stamp_style=style)
        writer = PdfA3IncrementalWriter.from_reader(reader)
        try:
            url = timestamper_url if timestamper is None else None
            reserved = None if embed_validation_info else await _bytes_reserved(pdf_signer_key, tsa, url)
            out = await pdf_signer.async_sign_pdf(
                writer,
                existing_fields_only=True,
                bytes_reserved=reserved,
                appearance_text_params=None if qr_text is None else {"url": qr_text},
            )
        except SigningError as exc:
            raise SigningRefused(f"signing refused: {exc}", code="signing_refused") from exc
        return out.getvalue()

    return _run(body(), context)


# /Contents sizes by signer, then by timestamper. pyHanko sizes the placeholder with a dry-run
# signature (a CMS build and, with an HTTP TSA, a timestamp request) on every call, though the size
# only depends on the signer's key and chain and on the TSA; weak keys drop an entry with its signer.
_RESERVED: weakref.WeakKeyDictionary[signers.Signer, dict[tuple[str, object], tuple[Any, int]]] = (
    weakref.WeakKeyDictionary()
)
_RESERVED_LOCK = threading.Lock()


async def _bytes_reserved(signer: signers.Signer, tsa: TimeStamper, url: str | None) -> int | None:
    """pyHanko's own estimate (dry-run size + 50 %), computed once per signer and timestamper.

    ``url``: the TSA's URL when ``tsa`` was made from it (a new client per call), else ``None``.
    """
    key: tuple[str, object] = ("url", url) if url else ("tsa", id(tsa))
    with _RESERVED_LOCK:
        try:
            known = _RESERVED.setdefault(signer, {})
        except TypeError:  # a signer that cannot be weakly referenced: let pyHanko estimate each time
            return None
        entry = known.get(key)
        if entry is not None and (key[0] == "url" or entry[0]() is tsa):
            return entry[1]
    dry_run = await signer.async_sign(
        hashlib.sha256().digest(),
        "sha256",
        dry_run=True,
        use_pades=True,
        timestamper=tsa,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=dt.datetime.now(tz=dt.UTC)),
    )
    size = len(dry_run.dump()) * 2
    reserved = size + 2 * (size // 4)  # as pyHanko: TSAs do not always answer with the same size
    try:
        tsa_ref = weakref.ref(tsa) if key[0] == "tsa" else None
    except TypeError:
        return reserved
    with _RESERVED_LOCK:
        _RESERVED.setdefault(signer, {})[key] = (tsa_ref, reserved)
    return reserved


def make_ltv(
    pdf_bytes: bytes,
    trust: Trust,
    *,
    timestamper_url: str | None = None,
    timestamper: TimeStamper | None = None,
    archive: bool = True,
    revocation_cache: RevocationCache | None = None,
) -> bytes:
    """Add revocation data of every signature to the DSS (B-LT) and, if ``archive``, a document timestamp (B-LTA).

    Call when the record is complete (all signatures present). Revocation data is collected with
    ``trust`` (fetching allowed so OCSP/CRLs come from the CAs), and must be obtainable: a
    certificate whose status cannot be established makes this refuse (``ltv_incomplete``).
    ``revocation_cache`` (default: ``trust.revocation_cache``) reuses what earlier documents of
    the same batch fetched; see :class:`RevocationCache`.

    The data of all signatures goes into one incremental update (one DSS with a VRI entry per
    signature), then the document timestamp and its own validation data follow.
    """
    tsa = _timestamper(timestamper_url, timestamper) if archive else None
    cache = revocation_cache if revocation_cache is not None else trust.revocation_cache
    reader = PdfFileReader(BytesIO(pdf_bytes))
    # parsed once: pyHanko reads each /Contents hex string byte by byte (~20 ms a signature)
    signatures = list(reader.embedded_regular_signatures)

    async def body() -> bytes:
        context = trust.context_with_dss(reader, cache)
        try:
            data = pdf_bytes
            if signatures:
                try:
                    collected = await _collect_paths(signatures, context)
                except Exception as exc:  # pyhanko-certvalidator raises path/revocation errors of several classes
                    raise SigningRefused(f"validation data incomplete: {exc}", code="ltv_incomplete") from exc
                entries = [
                    (embedded.pkcs7_content.hex().encode("ascii"), paths)
                    for embedded, paths in zip(signatures, collected, strict=True)
                ]
                writer = PdfA3IncrementalWriter.from_reader(reader)
                _supply_dss(writer, entries, context)
                out = BytesIO()
                writer.write(out)
                data = out.getvalue()
            if tsa is not None:
                data = await _document_timestamp(data, context, tsa)
            return data
        finally:
            await context.aclose()

    return _run(body())


async def _collect_paths(signatures: Sequence[EmbeddedPdfSignature], context: ValidationContext) -> list[list[Any]]:
    """pyHanko's ``collect_validation_info`` for every signature of one file, in one context, with
    each certificate validated once per file.

    For each signature, in order: the validation path of its signer's certificate, then of each of
    its timestamp tokens' TSA certificates (unsigned, then signed attributes), exactly as
    ``collect_validation_info``. A record's three signatures carry three tokens of one TSA, so of
    six validations two were repeats: a certificate met again with the same intermediate
    certificates gets the path found the first time (same context, so same trust roots, moment and
    revocation data). A failure raises as pyHanko's does.
    """
    if not context.revinfo_policy.revocation_checking_policy.essential:
        logger.warning("revocation mode is soft-fail/tolerant: the collected revocation data may be incomplete")
    found: dict[tuple[bytes, frozenset[bytes]], Any] = {}

    async def path_of(signed_data: cms.SignedData) -> Any:
        info = extract_certificate_info(signed_data)
        key = (_digest(info.signer_cert), frozenset(_digest(cert) for cert in info.other_certs))
        if key not in found:
            validator = CertificateValidator(
                info.signer_cert, intermediate_certs=info.other_certs, validation_context=context
            )
            found[key] = await validator.async_validate_usage(key_usage=set())
        return found[key]

    collected = []
    for embedded in signatures:
        paths = [await path_of(embedded.signed_data)]
        for signed in (False, True):
            for token in extract_tst_data_iter(embedded.signer_info, signed=signed):
                paths.append(await path_of(token))
        collected.append(paths)
    return collected


def _supply_dss(
    writer: IncrementalPdfFileWriter, entries: Sequence[tuple[bytes, list[Any]]], context: ValidationContext
) -> None:
    """pyHanko's ``DocumentSecurityStore.supply_dss_in_writer`` for several signatures in one revision.

    ``entries``: (hex of the signature's /Contents, its validation paths). Every VRI entry gets the
    certificates of its paths and the revocation data the context gathered, as pyHanko does.
    """
    try:
        dss = DocumentSecurityStore.read_dss(writer)
        created = False
    except ValidationInfoReadingError:
        dss = DocumentSecurityStore(writer=writer)
        created = True
    ocsps, crls = list(context.ocsps), list(context.crls)
    for contents, paths in entries:
        dss.register_vri(
            DocumentSecurityStore.sig_content_identifier(contents),
            certs=[cert for path in paths for cert in path],
            ocsps=ocsps,
            crls=crls,
        )
    dss_dict = dss.as_pdf_object()
    if created:
        writer.root[NameObject("/DSS")] = writer.add_object(dss_dict)
        writer.update_root()


async def _document_timestamp(data: bytes, context: ValidationContext, tsa: TimeStamper) -> bytes:
    writer = PdfA3IncrementalWriter(BytesIO(data), strict=False)
    out = await signers.PdfTimeStamper(tsa).async_timestamp_pdf(
        writer, md_algorithm="sha256", validation_context=context, output=BytesIO()
    )
    return out.getvalue()


def renew_archive_timestamp(
    pdf_bytes: bytes,
    trust: Trust,
    *,
    timestamper_url: str | None = None,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """Extend a B-LTA file: validation data for the last document timestamp, then a new document timestamp.

    Do this before the last timestamp's TSA certificate expires (or its algorithms weaken).
    Refuses (``no_archive_timestamp``) when the file has no document timestamp yet — use :func:`make_ltv`.
    """
    tsa = _timestamper(timestamper_url, timestamper)
    reader = PdfFileReader(BytesIO(pdf_bytes))
    if not any(s.sig_object_type == "/DocTimeStamp" for s in reader.embedded_signatures):
        raise SigningRefused("the file has no archive timestamp yet", code="no_archive_timestamp")

    async def body() -> bytes:
        context = trust.context_with_dss(reader)
        try:
            out = await signers.PdfTimeStamper(tsa).async_update_archival_timestamp_chain(
                reader, context, in_place=False, output=BytesIO()
            )
        finally:
            await context.aclose()
        return out.getvalue()

    return _run(body())


# --- interrupted signing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedSignature:
    """Everything needed to finish a signature later; store :meth:`to_json` and hand ``to_be_signed`` out.

    The remote party signs ``to_be_signed`` (the DER of the CMS signed attributes) with
    SHA-256 + the certificate's key (ECDSA, or RSA PKCS#1 v1.5); ``digest_to_sign`` is its SHA-256
    for hash-only signers.
    """

    pdf_with_placeholder: bytes
    document_digest: bytes
    reserved_region_start: int
    reserved_region_end: int
    signed_attrs: bytes
    md_algorithm: str
    certificate: bytes
    chain: tuple[bytes, ...]
    field_name: str
    timestamper_url: str | None = None

    @property
    def to_be_signed(self) -> bytes:
        return self.signed_attrs

    @property
    def digest_to_sign(self) -> bytes:
        digest = hashes.Hash(hashes.SHA256())
        digest.update(self.signed_attrs)
        return digest.finalize()

    def to_json(self) -> str:
        b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
        return json.dumps(
            {
                "v": 1,
                "pdf": b64(self.pdf_with_placeholder),
                "document_digest": b64(self.document_digest),
                "reserved_region": [self.reserved_region_start, self.reserved_region_end],
                "signed_attrs": b64(self.signed_attrs),
                "md_algorithm": self.md_algorithm,
                "certificate": b64(self.certificate),
                "chain": [b64(c) for c in self.chain],
                "field_name": self.field_name,
                "timestamper_url": self.timestamper_url,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> PreparedSignature:
        data = json.loads(text)
        if data.get("v") != 1:
            raise SigningRefused("unknown prepared-signature format", code="prepared_signature_format")
        d = base64.b64decode
        return cls(
            pdf_with_placeholder=d(data["pdf"]),
            document_digest=d(data["document_digest"]),
            reserved_region_start=data["reserved_region"][0],
            reserved_region_end=data["reserved_region"][1],
            signed_attrs=d(data["signed_attrs"]),
            md_algorithm=data["md_algorithm"],
            certificate=d(data["certificate"]),
            chain=tuple(d(c) for c in data["chain"]),
            field_name=data["field_name"],
            timestamper_url=data["timestamper_url"],
        )


def prepare_pdf_signature(
    pdf_bytes: bytes,
    *,
    field_name: str,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    certify: bool = False,
    timestamper_url: str | None = None,
    timestamper: TimeStamper | None = None,
    reason: str | None = None,
    location: str | None = None,
    contact: str | None = None,
) -> PreparedSignature:
    """First half of an interrupted signature: reserve the signature in ``field_name`` and compute what to sign.

    The signature dictionary is :func:`signature_metadata`'s, as for :func:`sign_pdf`.
    The timestamp is requested at :func:`finish_pdf_signature` (after the signature value exists);
    ``timestamper_url`` is kept in the prepared state for that, or pass ``timestamper`` again there.
    """
    reader = PdfFileReader(BytesIO(pdf_bytes))
    existing = _field_names(reader)
    if field_name not in existing or existing[field_name]:
        raise SigningRefused(f"no empty signature field {field_name!r}", code="signature_field_missing")
    ensure_usable(certificate)
    tsa = _timestamper(timestamper_url, timestamper)
    external = signers.ExternalSigner(
        signing_cert=to_asn1(certificate),
        cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
        signature_value=512,
    )

    async def body() -> PreparedSignature:
        meta = signature_metadata(field_name, certify=certify, reason=reason, location=location, contact=contact)
        pdf_signer = signers.PdfSigner(meta, signer=external, timestamper=tsa, stamp_style=stamp.stamp_style())
        writer = PdfA3IncrementalWriter(BytesIO(pdf_bytes), strict=False)
        prepared, tbs, output = await pdf_signer.async_digest_doc_for_signing(writer, existing_fields_only=True)
        output.seek(0)
        signed_attrs = await external.signed_attrs(prepared.document_digest, tbs.md_algorithm, use_pades=True)
        return PreparedSignature(
            pdf_with_placeholder=output.read(),
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.reserved_region_start,
            reserved_region_end=prepared.reserved_region_end,
            signed_attrs=signed_attrs.dump(),
            md_algorithm=tbs.md_algorithm,
            certificate=to_asn1(certificate).dump(),
            chain=tuple(to_asn1(c).dump() for c in chain),
            field_name=field_name,
            timestamper_url=timestamper_url,
        )

    return _run(body())


def finish_pdf_signature(
    prepared: PreparedSignature,
    signature_value: bytes,
    *,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """Second half: check ``signature_value`` against the certificate, timestamp it, embed it; return the PDF.

    Refuses with code ``signature_value_invalid`` when the value does not verify over
    ``prepared.to_be_signed`` with the certificate's public key.
    """
    cert = x509.load_der_x509_certificate(prepared.certificate)
    if not signature_value_matches(cert, prepared.signed_attrs, signature_value):
        raise SigningRefused("the returned signature does not match", code="signature_value_invalid")
    tsa = _timestamper(prepared.timestamper_url, timestamper)
    external = signers.ExternalSigner(
        signing_cert=asn1_x509.Certificate.load(prepared.certificate),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(c) for c in prepared.chain]),
        signature_value=signature_value,
    )

    async def body() -> bytes:
        signed_attrs = cms.CMSAttributes.load(prepared.signed_attrs)
        signature_cms = await external.async_sign_prescribed_attributes(
            prepared.md_algorithm, signed_attrs, timestamper=tsa
        )
        output = BytesIO(prepared.pdf_with_placeholder)
        digest = PreparedByteRangeDigest(
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.reserved_region_start,
            reserved_region_end=prepared.reserved_region_end,
        )
        await PdfTBSDocument.async_finish_signing(output, digest, signature_cms)
        return output.getvalue()

    return _run(body())


# --- validation -------------------------------------------------------------------------------------

Outcome = Literal["valid", "invalid", "indeterminate"]


@dataclass(frozen=True)
class SignatureReport:
    """One signature (or document timestamp) of a PDF, as judged by pyHanko.

    ``outcome`` fails closed: ``invalid`` when the bytes/crypto/DocMDP/revocation say so,
    ``indeterminate`` when trust or a timestamp could not be established, ``valid`` only when
    every check ran and passed. ``reasons`` lists stable short codes explaining a non-valid outcome.
    """

    field_name: str
    kind: Literal["signature", "document_timestamp"]
    outcome: Outcome
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    certify: bool
    signer_name: str | None
    signer_serial: str | None
    signer_fingerprint: str | None
    signing_time: dt.datetime | None
    timestamp_ok: bool | None
    timestamp_time: dt.datetime | None
    modification_level: str | None
    coverage: str | None
    docmdp_ok: bool | None
    reasons: tuple[str, ...] = field(default=())


def _cn(cert: Any) -> str | None:
    if cert is None:
        return None
    native = cert.subject.native
    return native.get("common_name") or cert.subject.human_friendly


def validate_pdf(pdf_bytes: bytes, trust: Trust) -> list[SignatureReport]:
    """Validate every signature and document timestamp in ``pdf_bytes``, in document order.

    Revocation data embedded in the DSS is used, plus fetching if ``trust.allow_fetching``.
    A file that cannot be parsed yields one ``invalid`` report named ``""`` with reason ``unreadable``.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes))
        embedded = list(reader.embedded_signatures)
    except Exception:  # pyHanko raises PdfReadError, ValueError, KeyError… on damaged input
        return [_unreadable()]

    async def one(sig: Any) -> SignatureReport:
        context = trust.context_with_dss(reader)
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                ts_status = await async_validate_pdf_timestamp(sig, validation_context=context)
                return _report_timestamp(sig.field_name, ts_status)
            status = await async_validate_pdf_signature(sig, signer_validation_context=context)
            return _report_signature(sig, status)
        except Exception as exc:  # a check that crashed cannot vouch for anything
            return _empty_report(sig.field_name, "indeterminate", f"error:{type(exc).__name__}")
        finally:
            await context.aclose()

    async def body() -> list[SignatureReport]:
        return [await one(sig) for sig in embedded]

    return _run(body())


def _empty_report(
    field_name: str, outcome: Literal["valid", "invalid", "indeterminate"], reason: str
) -> SignatureReport:
    """A report for a signature that could not be examined: nothing about it is vouched for."""
    return SignatureReport(
        field_name=field_name,
        kind="signature",
        outcome=outcome,
        intact=False,
        valid=False,
        trusted=False,
        revoked=False,
        certify=False,
        signer_name=None,
        signer_serial=None,
        signer_fingerprint=None,
        signing_time=None,
        timestamp_ok=None,
        timestamp_time=None,
        modification_level=None,
        coverage=None,
        docmdp_ok=None,
        reasons=(reason,),
    )


def _unreadable() -> SignatureReport:
    return _empty_report("", "invalid", "unreadable")


def _report_signature(sig: Any, status: Any) -> SignatureReport:
    reasons: list[str] = []
    if not status.intact:
        reasons.append("digest_mismatch")
    if not status.valid:
        reasons.append("signature_invalid")
    if status.revoked:
        reasons.append("revoked")
    if status.docmdp_ok is False:
        reasons.append("disallowed_modification")
    ts = status.timestamp_validity
    timestamp_ok = None if ts is None else bool(ts.intact and ts.valid and ts.trusted)
    invalid = bool(reasons)
    if not status.trusted and not status.revoked:
        reasons.append(f"untrusted:{status.trust_problem_indic.name if status.trust_problem_indic else 'no_path'}")
    if ts is None:
        reasons.append("no_timestamp")
    elif not timestamp_ok:
        reasons.append("timestamp_untrusted" if ts.intact and ts.valid else "timestamp_invalid")
        invalid = invalid or not (ts.intact and ts.valid)
    outcome: Outcome = "invalid" if invalid else ("valid" if not reasons else "indeterminate")
    cert = status.signing_cert
    level = status.modification_level
    return SignatureReport(
        field_name=sig.field_name,
        kind="signature",
        outcome=outcome,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revoked=bool(status.revoked),
        certify=sig.docmdp_level is not None,
        signer_name=_cn(cert),
        signer_serial=f"{cert.serial_number:X}" if cert is not None else None,
        signer_fingerprint=cert.sha256.hex().upper() if cert is not None else None,
        signing_time=ts.timestamp if ts is not None else status.signer_reported_dt,
        timestamp_ok=timestamp_ok,
        timestamp_time=ts.timestamp if ts is not None else None,
        modification_level=level.name if level is not None else None,
        coverage=status.coverage.name if status.coverage is not None else None,
        docmdp_ok=status.docmdp_ok,
        reasons=tuple(reasons),
    )


def _report_timestamp(field_name: str, status: Any) -> SignatureReport:
    reasons: list[str] = []
    if not status.intact:
        reasons.append("digest_mismatch")
    if not status.valid:
        reasons.append("signature_invalid")
    invalid = bool(reasons)
    if not status.trusted:
        reasons.append("untrusted")
    outcome: Outcome = "invalid" if invalid else ("valid" if not reasons else "indeterminate")
    cert = status.signing_cert
    level = status.modification_level
    return SignatureReport(
        field_name=field_name,
        kind="document_timestamp",
        outcome=outcome,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revoked=bool(status.revoked),
        certify=False,
        signer_name=_cn(cert),
        signer_serial=f"{cert.serial_number:X}" if cert is not None else None,
        signer_fingerprint=cert.sha256.hex().upper() if cert is not None else None,
        signing_time=status.timestamp,
        timestamp_ok=outcome == "valid",
        timestamp_time=status.timestamp,
        modification_level=level.name if level is not None else None,
        coverage=status.coverage.name if status.coverage is not None else None,
        docmdp_ok=status.docmdp_ok,
        reasons=tuple(reasons),
    )


# --- test/demo documents ----------------------------------------------------------------------------


def add_signature_fields(pdf_bytes: bytes, names: Sequence[str] = FIELD_ORDER) -> bytes:
    """Add empty, invisible signature fields ``names`` on the last page (renderers that lack them; tests)."""
    writer = PdfA3IncrementalWriter(BytesIO(pdf_bytes), strict=False)
    for name in names:
        fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name=name, on_page=-1))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
