"""Paper copies offline: checking the compact school-seal signature a printed page carries in a QR code.

The format and how the seal is made at signing time are in :mod:`hocbaso.signing.paper_seal`
(the QR sits in the school seal's signature box). Verifiers check the signature with a seal
certificate from the trust bundle, that the bundle binds the certificate to the school code and
school year the printout names, and the certificate's chain to a trusted root; online (or with a
signed verification packet) the printed values are compared with the registered version and its
status. The page then shows exactly the signed fields. This module has no Django import.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from typing import Any

import base45
import cbor2
import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from hocbaso.signing.paper_seal import (  # noqa: F401  (re-exported for callers of the verification side)
    BODY_LENGTH,
    EPOCH,
    FORMAT_VERSION,
    PREFIX,
    PaperFields,
    PaperSealError,
    fields_digest,
    key_id,
    make_seal,
    registered_body,
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


def _day(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def verify_paper(
    text: str,
    *,
    trust: core.TrustStore,
    seals: Sequence[core.SealBinding],
    answers_for: Callable[[str], core.RegistryAnswers | None] | None = None,
) -> core.Report:
    """Check a scanned paper seal with the bundle's seal bindings and trust roots, and — when
    ``answers_for`` gives the registry's (or a signed packet's) answers for the code — against the
    registered version.

    ``valid`` only when the signature verifies with a known seal certificate bound to the school
    code and school year the printout names, whose chain reaches a trusted root, and the registry
    confirms the printed values are those of the current version. Without the registry the best
    outcome is ``cannot_determine`` (``paper_offline``): the seal proves that the school sealed these
    values on that day, not that they are still current. The report's document facts are exactly
    the signed fields.
    """
    encoded = _extract(text)
    if encoded is None:
        return _fail("paper_malformed")
    try:
        items = cbor2.loads(base45.b45decode(encoded))
        if not isinstance(items, list) or not items:
            raise ValueError("shape")
        if items[0] == 1:
            return core.report_of([core.Check("paper_seal", "not_checked", "paper_format_old")])
        if len(items) != BODY_LENGTH + 1 or items[0] != FORMAT_VERSION:
            raise ValueError("shape")
        kid, code, name, dob, school, school_code, year, result, completion, xml_hash, sealed, signature = items[1:]
        if not (isinstance(kid, bytes) and isinstance(signature, bytes) and len(signature) == 64):
            raise ValueError("types")
        if not (isinstance(code, str) and isinstance(school_code, (str, int)) and isinstance(year, int)):
            raise ValueError("types")
        if not (isinstance(completion, int) and isinstance(xml_hash, bytes) and isinstance(result, str)):
            raise ValueError("types")
        born, sealed_on = _day(dob), EPOCH + dt.timedelta(days=int(sealed))
        school_code = str(school_code)
    except (ValueError, TypeError, OverflowError, cbor2.CBORDecodeError):
        return _fail("paper_malformed")
    candidates = [b for b in seals if key_id(b.certificate) == kid]
    if not candidates:
        return _fail("paper_seal_unknown")
    public_key = candidates[0].certificate.public_key()
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        public_key.verify(der, signed_message(items[:BODY_LENGTH]), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return _fail("paper_signature_invalid")
    school_year = f"{year}-{year + 1}"
    facts = core.DocumentFacts(
        kind="paper",
        sha256="",
        xml_sha256=xml_hash.hex(),
        issuance_code=f"HB-{code[0:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}",
        student_name=name,
        date_of_birth=born.isoformat(),
        school_name=school,
        school_year=school_year,
        result=result,
        completion=core.completion_of(completion),
        school_code=school_code,
        sealed_on=sealed_on.isoformat(),
    )
    checks = [core.Check("paper_seal", "passed", "paper_ok"), _binding_check(candidates, school_code, year)]
    status = superseded_by = None
    answers = answers_for(facts.issuance_code or "") if answers_for is not None else None
    if answers is None:
        checks.append(core.Check("registered", "not_checked", "paper_offline", {"day": sealed_on.strftime("%d/%m/%Y")}))
    else:
        checks.extend(_registry_checks(answers, facts, items))
        status, superseded_by = (answers.status, answers.superseded_by) if answers.found else (None, None)
    # Last, so that offline the verdict's sentence is what the seal proves (``paper_offline``).
    checks.append(core.certificate_check("paper_chain", candidates[0].certificate, list(trust.intermediates), trust))
    return core.report_of(checks, document=facts, status=status, superseded_by=superseded_by, demo=trust.demo)


def _binding_check(candidates: Sequence[core.SealBinding], school_code: str, year: int) -> core.Check:
    """The seal is bound to the school the printout names, for the printout's school year."""
    ours = [b for b in candidates if b.school_code == school_code]
    if not ours:
        return core.Check("paper_school", "failed", "paper_seal_school", {"school": school_code})
    if not any(b.first_year <= year <= b.last_year for b in ours):
        return core.Check("paper_school", "failed", "paper_seal_year", {"year": f"{year}-{year + 1}"})
    return core.Check(
        "paper_school", "passed", "paper_school_ok", {"school": school_code, "year": f"{year}-{year + 1}"}
    )


def _registry_checks(answers: core.RegistryAnswers, facts: core.DocumentFacts, items: list[Any]) -> list[core.Check]:
    """The printed values are the registered version's (status, XML hash and every field, through
    the registry's digest of them), and that version is current."""
    code = facts.issuance_code or ""
    if answers.issuance_code != code:
        return [core.Check("registered", "failed", "registry_other_code", {"code": answers.issuance_code})]
    if not answers.found:
        return [core.Check("registered", "failed", "not_registered", {"code": code})]
    registered = items[2:11]  # code … xml_hash: registered_body's elements
    if not answers.paper_digest or fields_digest(registered) != answers.paper_digest:
        return [core.Check("registered", "failed", "paper_fields_differ", {"code": code})]
    status = core.status_check(answers)
    if status.status != "passed":
        return [status]
    return [core.Check("registered", "passed", "paper_registered")]


def _item(text: str, index: int) -> Any:
    """Element ``index`` of a paper seal's CBOR array, unverified; None when unreadable."""
    try:
        return cbor2.loads(base45.b45decode(_extract(text) or ""))[index]
    except Exception:  # anything unreadable names nothing; verify_paper says why
        return None


def key_id_of(text: str) -> bytes | None:
    """The seal key id a paper seal names (unverified: only to find the candidate seals)."""
    kid = _item(text, 1)
    return kid if isinstance(kid, bytes) and len(kid) == 4 else None


def code_of(text: str) -> str | None:
    """The issuance code a paper seal names (unverified: only to ask the registry about it)."""
    code = _item(text, 2)
    if not isinstance(code, str) or len(code) != 13:
        return None
    return f"HB-{code[0:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}"
