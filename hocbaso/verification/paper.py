"""Paper copies offline: a compact school-seal signature over the essential fields, in a QR code.

A printed page cannot carry a PAdES signature, so the record also prints a second QR code (next
to the verify-link QR) holding ``HB1:`` + Base45 (RFC 9285) of a CBOR (RFC 8949) array::

    [1, kid, code, name, dob, school, year, result, xml_hash, signature]

- ``kid``: the first 4 bytes of the SHA-256 of the seal certificate (DER) — finds it in the bundle;
- ``code``: the issuance code's 13 symbols without ``HB`` and dashes;
- ``name``, ``school``: the student's full name and the school's name as printed (NFC UTF-8);
- ``dob``: date of birth as the integer YYYYMMDD; ``year``: the school year's first year (2024);
- ``result``: the year result code (``htt``…); ``xml_hash``: the first 16 bytes of the SHA-256 of
  the record's canonical XML (so the paper is bound to one version);
- ``signature``: ECDSA P-256 / SHA-256, raw r‖s (64 bytes), by the school seal key, over
  ``b"hocbaso-paper-seal/1\\x00" + CBOR(the first nine elements)``.

Base45 uses only QR alphanumeric characters, so a typical record (≈ 180 bytes) encodes in
≈ 270 characters: QR version 10 at error level M or below, which scans from paper. Verifiers
check the signature with a seal certificate from the trust bundle and that certificate's chain to
a trusted root; the page then shows exactly the signed fields. This module has no Django import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import base45
import cbor2
import segno
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from hocbaso.verification import core

PREFIX = "HB1:"
DOMAIN = b"hocbaso-paper-seal/1\x00"
FORMAT_VERSION = 1


class PaperSealError(ValueError):
    """The paper seal cannot be made (e.g. the seal key is not ECDSA P-256)."""


@dataclass(frozen=True)
class PaperFields:
    """The essential fields a printed page's seal covers (as printed on the page)."""

    issuance_code: str
    student_name: str
    date_of_birth: str  # YYYY-MM-DD
    school_name: str
    school_year: str  # YYYY-YYYY
    result: str
    xml_sha256: str  # hex; the first 16 bytes are signed


def key_id(cert: x509.Certificate) -> bytes:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()[:4]


def _body(fields: PaperFields, kid: bytes) -> list[Any]:
    return [
        FORMAT_VERSION,
        kid,
        fields.issuance_code.replace("-", "").removeprefix("HB"),
        fields.student_name,
        int(fields.date_of_birth.replace("-", "")),
        fields.school_name,
        int(fields.school_year[:4]),
        fields.result,
        bytes.fromhex(fields.xml_sha256)[:16],
    ]


def make_seal(fields: PaperFields, *, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> str:
    """The QR text for ``fields``, signed with the school seal ``key`` (ECDSA P-256 only)."""
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise PaperSealError("the paper seal needs an ECDSA P-256 seal key")
    body = _body(fields, key_id(cert))
    der = key.sign(DOMAIN + cbor2.dumps(body), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return PREFIX + base45.b45encode(cbor2.dumps([*body, signature])).decode("ascii")


def qr_svg(seal: str) -> str:
    """The seal as a QR code (SVG), error level M; alphanumeric mode keeps it small."""
    out = io.BytesIO()
    segno.make(seal, error="m", boost_error=False).save(out, kind="svg", xmldecl=False, border=0, scale=3)
    return out.getvalue().decode("ascii")


def _fail(code: str, **params: str) -> core.Report:
    return core.report_of([core.Check("paper_seal", "failed", code, dict(params))])


def _extract(text: str) -> str | None:
    text = text.strip()
    at = text.find(PREFIX)
    return text[at + len(PREFIX) :] if at >= 0 else None


def verify_paper(text: str, *, trust: core.TrustStore, seals: Sequence[x509.Certificate]) -> core.Report:
    """Check a scanned paper seal with the bundle's seal certificates and trust roots.

    ``valid`` only when the signature verifies with a known seal certificate whose chain reaches a
    trusted root (checked for revocation as the trust store allows); the report's document facts
    are exactly the signed fields.
    """
    encoded = _extract(text)
    if encoded is None:
        return _fail("paper_malformed")
    try:
        items = cbor2.loads(base45.b45decode(encoded))
        if not isinstance(items, list) or len(items) != 10 or items[0] != FORMAT_VERSION:
            raise ValueError("shape")
        kid, code, name, dob, school, year, result, xml_hash, signature = items[1:]
        if not (isinstance(kid, bytes) and isinstance(signature, bytes) and len(signature) == 64):
            raise ValueError("types")
        born = dt.date(dob // 10000, dob // 100 % 100, dob % 100)
    except (ValueError, TypeError, cbor2.CBORDecodeError):
        return _fail("paper_malformed")
    cert = next((c for c in seals if key_id(c) == kid), None)
    if cert is None:
        return _fail("paper_seal_unknown")
    public_key = cert.public_key()
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        public_key.verify(der, DOMAIN + cbor2.dumps(items[:9]), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return _fail("paper_signature_invalid")
    chain = core.certificate_check("paper_chain", cert, list(trust.intermediates), trust)
    facts = core.DocumentFacts(
        kind="paper",
        sha256="",
        xml_sha256=xml_hash.hex(),
        issuance_code=f"HB-{code[0:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}",
        student_name=name,
        date_of_birth=born.isoformat(),
        school_name=school,
        school_year=f"{year}-{year + 1}",
        result=result,
    )
    checks = [core.Check("paper_seal", "passed", "paper_ok"), chain]
    return core.report_of(checks, document=facts, demo=trust.demo)
