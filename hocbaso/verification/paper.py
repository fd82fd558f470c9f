"""Paper copies offline: checking the compact school-seal signature a printed page carries in a QR code.

The format and how the seal is made at signing time are in :mod:`hocbaso.signing.paper_seal`
(the QR sits in the school seal's signature box). Verifiers check the signature with a seal
certificate from the trust bundle and that certificate's chain to a trusted root; the page then
shows exactly the signed fields. This module has no Django import.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import base45
import cbor2
import segno
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from hocbaso.signing.paper_seal import (  # noqa: F401  (re-exported for callers of the verification side)
    FORMAT_VERSION,
    PREFIX,
    PaperFields,
    PaperSealError,
    key_id,
    make_seal,
    signed_message,
)
from hocbaso.verification import core


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
        public_key.verify(der, signed_message(items[:9]), ec.ECDSA(hashes.SHA256()))
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
