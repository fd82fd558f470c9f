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
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, Literal, TypeVar

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    async_add_validation_info,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hocbaso.core.errors import ValidationFailed
from hocbaso.signing import stamp
from hocbaso.signing.backends import SignerSource, ensure_usable, from_asn1, to_asn1

T = TypeVar("T")

FIELD_ORDER = ("homeroom", "principal", "school")


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

    @classmethod
    def of(cls, roots: Sequence[x509.Certificate], **kwargs: Any) -> Trust:
        return cls(roots=tuple(roots), **kwargs)

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

    def context_with_dss(self, reader: PdfFileReader) -> ValidationContext:
        """A context that also knows the certificates and revocation data stored in the PDF's DSS."""
        try:
            dss = DocumentSecurityStore.read_dss(reader)
        except NoDSSFoundError:
            return self.context()
        return dss.as_validation_context(self.kwargs())


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
) -> bytes:
    """Sign the existing empty field ``field_name`` and return the new PDF (an incremental update).

    ``certify=True`` makes a certification signature with DocMDP FILL_FORMS (use it for the first,
    ``homeroom``, signature only). The signature is PAdES B-T: a timestamp from ``timestamper_url``
    (RFC 3161 over HTTP) or ``timestamper`` is required. ``embed_validation_info=True`` also embeds
    revocation data for the signer (needs ``trust``). Refuses with ``SigningRefused`` when the field
    is missing or already signed, when the certificate is expired / not yet valid, or when pyHanko
    refuses (e.g. DocMDP forbids further signatures).
    """
    reader = PdfFileReader(BytesIO(pdf_bytes))
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
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            reason=reason,
            location=location,
            contact_info=contact,
            embed_validation_info=embed_validation_info,
            validation_context=context,
        )
        pdf_signer = signers.PdfSigner(meta, signer=pdf_signer_key, timestamper=tsa, stamp_style=stamp.stamp_style())
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
        try:
            out = await pdf_signer.async_sign_pdf(writer, existing_fields_only=True)
        except SigningError as exc:
            raise SigningRefused(f"signing refused: {exc}", code="signing_refused") from exc
        return out.getvalue()

    return _run(body(), context)


def make_ltv(
    pdf_bytes: bytes,
    trust: Trust,
    *,
    timestamper_url: str | None = None,
    timestamper: TimeStamper | None = None,
    archive: bool = True,
) -> bytes:
    """Add revocation data of every signature to the DSS (B-LT) and, if ``archive``, a document timestamp (B-LTA).

    Call when the record is complete (all signatures present). Revocation data is collected with
    ``trust`` (fetching allowed so OCSP/CRLs come from the CAs), and must be obtainable: a
    certificate whose status cannot be established makes this refuse (``ltv_incomplete``).
    """
    tsa = _timestamper(timestamper_url, timestamper) if archive else None

    async def body() -> bytes:
        data = pdf_bytes
        count = len(PdfFileReader(BytesIO(data)).embedded_regular_signatures)
        for index in range(count):
            reader = PdfFileReader(BytesIO(data))
            embedded = reader.embedded_regular_signatures[index]
            context = trust.context_with_dss(reader)
            try:
                out = await async_add_validation_info(embedded, context, output=BytesIO())
            except Exception as exc:  # pyhanko-certvalidator raises path/revocation errors of several classes
                raise SigningRefused(f"validation data incomplete: {exc}", code="ltv_incomplete") from exc
            finally:
                await context.aclose()
            data = out.getvalue()
        if tsa is not None:
            data = await _document_timestamp(data, trust, tsa)
        return data

    return _run(body())


async def _document_timestamp(data: bytes, trust: Trust, tsa: TimeStamper) -> bytes:
    reader = PdfFileReader(BytesIO(data))
    context = trust.context_with_dss(reader)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
        out = await signers.PdfTimeStamper(tsa).async_timestamp_pdf(
            writer, md_algorithm="sha256", validation_context=context, output=BytesIO()
        )
    finally:
        await context.aclose()
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
) -> PreparedSignature:
    """First half of an interrupted signature: reserve the signature in ``field_name`` and compute what to sign.

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
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            reason=reason,
        )
        pdf_signer = signers.PdfSigner(meta, signer=external, timestamper=tsa, stamp_style=stamp.stamp_style())
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
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
    public_key = cert.public_key()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature_value, prepared.signed_attrs, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature_value, prepared.signed_attrs, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise SigningRefused("unsupported key type", code="signature_value_invalid")
    except InvalidSignature:
        raise SigningRefused("the returned signature does not match", code="signature_value_invalid") from None
    tsa = _timestamper(prepared.timestamper_url, timestamper)
    from asn1crypto import x509 as asn1_x509

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
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    for name in names:
        fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name=name, on_page=-1))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
