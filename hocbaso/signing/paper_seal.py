"""Paper copies offline: a compact school-seal signature over the essential fields, printed as a QR
code inside the school seal's signature box when the seal is applied.

A printed page cannot carry a PAdES signature, so the seal's visible appearance also carries a QR
code holding ``HB1:`` + Base45 (RFC 9285) of a CBOR (RFC 8949) array::

    [2, kid, code, name, dob, school, school_code, year, result, completion, xml_hash, sealed_on, signature]

- ``kid``: the first 4 bytes of the SHA-256 of the seal certificate (DER) — finds it in the bundle;
- ``code``: the issuance code's 13 symbols without ``HB`` and dashes;
- ``name``, ``school``: the student's full name and the school's name as printed (NFC UTF-8);
- ``school_code``: the school's sector code (an integer when it is all digits) — the trust bundle
  binds each seal certificate to one school code and the school years it may seal, so another
  school's seal cannot vouch for it;
- ``dob``: date of birth as the integer YYYYMMDD; ``year``: the school year's first year (2024);
- ``result``: the year result code (``htt``…); ``completion``: bit 0 the grade completed, bit 1
  primary school completed (the values a forger would upgrade, with ``result``);
- ``xml_hash``: the first 16 bytes of the SHA-256 of the record's canonical XML (the one embedded
  in the PDF, so the paper is bound to one version); ``sealed_on``: the sealing day (Vietnam
  time) as days since 2000-01-01;
- ``signature``: ECDSA P-256 / SHA-256, raw r‖s (64 bytes), by the school seal key, over
  ``b"hocbaso-paper-seal/1\\x00" + CBOR(the first twelve elements)``.

Base45 uses only QR alphanumeric characters, so a typical record (≈ 200 bytes) encodes in
≈ 300 characters: QR version 10 at error level M or below, printed ≈ 2.5 cm wide in the seal box.
Format 1 (without school code, completion and date) is no longer made; verifiers refuse to vouch
for it (``paper_format_old``).
The seal is made with whatever signs the PDF (a key file, a token, a remote service), through
pyHanko's raw-signature interface; a seal key that is not P-256 gets no paper QR (the page still
has the verify-link QR). Verification lives in :mod:`hocbaso.verification.paper`. No Django import.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import base45
import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from pyhanko.pdf_utils.writer import init_xobject_dictionary
from pyhanko.sign.signers import Signer
from pyhanko.stamp import QRStamp, QRStampStyle

from hocbaso.records import qr_mask
from hocbaso.signing import stamp

PREFIX = "HB1:"
DOMAIN = b"hocbaso-paper-seal/1\x00"
FORMAT_VERSION = 2
BODY_LENGTH = 12  # elements before the signature
EPOCH = dt.date(2000, 1, 1)  # sealed_on counts days from here
QR_QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


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
    school_code: str = ""
    completed_grade: bool = False
    completed_primary: bool = False
    sealed_on: str = "1970-01-01"  # YYYY-MM-DD, the day the seal was applied (Vietnam time)

    @property
    def completion(self) -> int:
        return int(self.completed_grade) | int(self.completed_primary) << 1


def key_id(cert: x509.Certificate) -> bytes:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()[:4]


def body(fields: PaperFields, kid: bytes) -> list[Any]:
    """The first twelve elements of the CBOR array (everything but the signature)."""
    return [
        FORMAT_VERSION,
        kid,
        *registered_body(fields),
        (dt.date.fromisoformat(fields.sealed_on) - EPOCH).days,
    ]


def compact_code(school_code: str) -> int | str:
    """A numeric sector code as a CBOR integer (4 bytes fewer than the text), others as text."""
    return int(school_code) if school_code.isdigit() and not school_code.startswith("0") else school_code


def registered_body(fields: PaperFields) -> list[Any]:
    """The elements a registry can vouch for (no seal key id, no sealing day), in body order."""
    return [
        fields.issuance_code.replace("-", "").removeprefix("HB"),
        fields.student_name,
        int(fields.date_of_birth.replace("-", "")),
        fields.school_name,
        compact_code(fields.school_code),
        int(fields.school_year[:4]),
        fields.result,
        fields.completion,
        bytes.fromhex(fields.xml_sha256)[:16],
    ]


def fields_digest(items: list[Any]) -> str:
    """SHA-256 (hex) of the CBOR of :func:`registered_body`'s elements: what the registry publishes
    for a version (instead of personal data) so a printed copy's fields can be compared with it."""
    return hashlib.sha256(cbor2.dumps(items)).hexdigest()


def signed_message(items: list[Any]) -> bytes:
    """The bytes the seal key signs for ``items`` (the twelve-element body)."""
    return DOMAIN + cbor2.dumps(items)


def _encode(items: list[Any], der_signature: bytes) -> str:
    r, s = decode_dss_signature(der_signature)
    encoded: bytes = base45.b45encode(cbor2.dumps([*items, r.to_bytes(32, "big") + s.to_bytes(32, "big")]))
    return PREFIX + encoded.decode()


def _is_p256(cert: x509.Certificate) -> bool:
    public_key = cert.public_key()
    return isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1)


def make_seal(fields: PaperFields, *, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> str:
    """The QR text for ``fields``, signed with the school seal ``key`` (ECDSA P-256 only)."""
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not _is_p256(cert):
        raise PaperSealError("the paper seal needs an ECDSA P-256 seal key")
    items = body(fields, key_id(cert))
    return _encode(items, key.sign(signed_message(items), ec.ECDSA(hashes.SHA256())))


def make_seal_with(fields: PaperFields, signer: Signer, cert: x509.Certificate) -> str | None:
    """The QR text for ``fields`` signed through a pyHanko ``signer`` (key file, token, CSC), or None
    when the seal certificate is not ECDSA P-256."""
    if not _is_p256(cert):
        return None
    items = body(fields, key_id(cert))
    der = asyncio.run(signer.async_sign_raw(signed_message(items), "sha256"))
    return _encode(items, der)


def fields_of(
    data: dict[str, Any], *, issuance_code: str, xml_sha256: str, sealed_on: str = "1970-01-01"
) -> PaperFields:
    """The paper fields of a record's parsed XML (``records.xml.parse_xml``); ``sealed_on`` YYYY-MM-DD."""
    student, school, year = data["student"], data["school"], data["year"]
    completion = year.get("completion") or {}
    return PaperFields(
        issuance_code=issuance_code,
        student_name=student["full_name"],
        date_of_birth=str(student["date_of_birth"]),
        school_name=school["name"],
        school_year=year["school_year"],
        result=year.get("result") or "",
        xml_sha256=xml_sha256,
        school_code=str(school.get("code") or ""),
        completed_grade=bool(completion.get("completed_grade")),
        completed_primary=bool(completion.get("completed_primary")),
        sealed_on=sealed_on,
    )


# --- the QR inside the seal's signature box ------------------------------------------------------------


class _VectorQRStamp(QRStamp):
    """pyHanko's QR stamp, drawn from segno's module matrix as filled squares (no image library)."""

    def _qr_xobject(self) -> tuple[Any, int]:
        matrix = qr_mask.make(self.url, boost_error=False).matrix  # segno's symbol, its mask chosen faster
        size = len(matrix) + 2 * QR_QUIET_ZONE
        commands = [b"0 g"]
        for row, line in enumerate(matrix):
            y = size - QR_QUIET_ZONE - row - 1
            commands.extend(b"%d %d 1 1 re" % (QR_QUIET_ZONE + col, y) for col, dark in enumerate(line) if dark)
        commands.append(b"f")
        xobject = init_xobject_dictionary(b"\n".join(commands), size, size)
        xobject.compress()  # type: ignore[no-untyped-call]  # pyHanko's StreamObject.compress is unannotated
        assert self.writer is not None  # pyHanko always gives the stamp its writer when signing
        return self.writer.add_object(xobject), size


class SealQRStampStyle(QRStampStyle):
    """The seal's appearance: the paper-seal QR on the left, "Đã ký số…" on the right."""

    def create_stamp(self, writer: Any, box: Any, text_params: dict[str, Any]) -> QRStamp:
        params = dict(text_params)
        return _VectorQRStamp(writer, style=self, url=params.pop("url"), text_params=params, box=box)


def stamp_style() -> SealQRStampStyle:
    """The usual stamp style (:func:`hocbaso.signing.stamp.stamp_style`) with the QR; pass the seal
    text as the ``url`` appearance parameter."""
    base = stamp.stamp_style()
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(base) if f.init}
    return SealQRStampStyle(**values, innsep=2)
