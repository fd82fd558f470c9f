"""Sealing a periodic report with its subject's seal, and checking a sealed report.

A unit's roll-up asked by an officer of that very unit, or a school's year-end summary asked by
who holds that school's seal (``signing.seals``), with the seal's password, is sealed by the
background task with the signing app's own means (``signing.providers.source_for`` / ``open_kit``:
a PKCS#12 file, a PKCS#11 token or a remote CSC service alike):

- **the PDF**: an invisible signature field ``unit_seal`` is added and signed PAdES B-T (RFC 3161
  timestamp), the reason naming the unit or the school (the field keeps its name for both); then
  B-LT/B-LTA (``pades.make_ltv``), as the school seal on a record, so the seal can still be
  checked after the certificate expires. Any PDF reader
  (poppler's ``pdfsig``, Acrobat) shows it.
- **the .xlsx**: a spreadsheet has no signature container the validators read, so the seal is a
  detached document beside it, ``<ReportSeal xmlns="urn:hocbaso:report-seal:1">`` whose ``Content``
  names the file (its download name and SHA-256), the sealing organisation (``UnitCode`` and
  ``UnitName``: the unit's, or the school's code and name), the year, the point and the time, with
  one XAdES-BES signature over ``#content`` claiming that name as role (``signing.xades``).
  Changing one byte of the .xlsx breaks the hash; changing the seal file breaks the signature.

:func:`verify` checks the three files together (fail closed: ``valid`` only when every check ran
and passed); ``hocbaso report-seal verify`` runs it from the command line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from hocbaso.core import clock
from hocbaso.signing import pades, providers, trust, xades
from hocbaso.signing.models import SigningCredential

FIELD = "unit_seal"
NAMESPACE = "urn:hocbaso:report-seal:1"
Outcome = Literal["valid", "invalid", "indeterminate"]


@dataclass(frozen=True)
class Sealed:
    pdf: bytes
    seal_xml: bytes
    fingerprint: str
    subject: str


def seal_document(*, file_name: str, sha256: str, subject_code: str, subject_name: str, year: str, point: str) -> bytes:
    """The unsigned seal document of an .xlsx (its ``Content`` is what the seal signs); the sealing
    organisation, a unit or a school, goes in ``UnitCode``/``UnitName``."""
    root = etree.Element(f"{{{NAMESPACE}}}ReportSeal", nsmap={None: NAMESPACE}, FormatVersion="1.0")
    content = etree.SubElement(root, f"{{{NAMESPACE}}}Content", Id="content")
    for tag, text in (
        ("FileName", file_name),
        ("FileSha256", sha256),
        ("UnitCode", subject_code),
        ("UnitName", subject_name),
        ("SchoolYear", year),
        ("Point", point),
        ("SealedAt", clock.now().astimezone(dt.UTC).replace(microsecond=0).isoformat()),
    ):
        etree.SubElement(content, f"{{{NAMESPACE}}}{tag}").text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def seal_report(
    *,
    credential: SigningCredential,
    authorisation: str,
    pdf: bytes,
    xlsx: bytes,
    xlsx_name: str,
    subject_code: str,
    subject_name: str,
    year: str,
    point: str,
) -> Sealed:
    """Seal ``pdf`` (PAdES) and ``xlsx`` (detached XAdES over its hash) with ``credential``, opened
    with ``authorisation``, in the name of ``subject_name`` (the unit or the school: the PDF's
    reason and location, the XAdES role); the certificate is checked now (valid, trusted, not
    revoked)."""
    trusted = trust.default_trust()
    timestamping = trust.default_timestamping()
    source = providers.source_for(credential, authorisation)
    with providers.open_kit(source) as kit:
        trust.check_certificate(kit.certificate, kit.chain, trusted)
        prepared = pades.add_signature_fields(pdf, names=[FIELD])
        signed = pades.sign_pdf(
            prepared,
            field_name=FIELD,
            signer=kit.pdf_signer,
            reason=subject_name,
            location=subject_name,
            **timestamping.kwargs(),
        )
        signed = pades.make_ltv(signed, trusted, **timestamping.kwargs())
        document = seal_document(
            file_name=xlsx_name,
            sha256=hashlib.sha256(xlsx).hexdigest(),
            subject_code=subject_code,
            subject_name=subject_name,
            year=year,
            point=point,
        )
        seal_xml = xades.sign_xml(
            document, key=kit.xml_key, cert_chain=[kit.certificate, *kit.chain], role=subject_name, data_id="content"
        )
        return Sealed(pdf=signed, seal_xml=seal_xml, fingerprint=kit.fingerprint, subject=credential.subject_name)


@dataclass(frozen=True)
class Verdict:
    """A sealed report judged: ``outcome`` fails closed; ``reasons`` are short stable codes."""

    outcome: Outcome
    pdf_signer: str | None = None
    pdf_fingerprint: str | None = None
    xlsx_signer: str | None = None
    xlsx_fingerprint: str | None = None
    reasons: tuple[str, ...] = field(default=())


def _file_sha256(seal_xml: bytes) -> str | None:
    try:
        root = etree.fromstring(seal_xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return None
    found = root.find(f"{{{NAMESPACE}}}Content/{{{NAMESPACE}}}FileSha256")
    return found.text if found is not None else None


def verify(pdf: bytes, xlsx: bytes, seal_xml: bytes, trust: pades.Trust) -> Verdict:
    """Check a sealed report: the PDF's ``unit_seal`` signature (pyHanko: intact, trusted, not
    revoked, timestamped), the seal document's XAdES signature against the same roots, the .xlsx's
    SHA-256 against the one sealed, and that both were sealed with the same certificate."""
    reasons: list[str] = []
    invalid = False
    pdf_reports = [r for r in pades.validate_pdf(pdf, trust) if r.field_name == FIELD]
    pdf_report = pdf_reports[0] if pdf_reports else None
    if pdf_report is None:
        reasons.append("pdf_not_sealed")
        invalid = True
    elif pdf_report.outcome != "valid":
        reasons.extend(f"pdf_{r}" for r in pdf_report.reasons or (pdf_report.outcome,))
        invalid = invalid or pdf_report.outcome == "invalid"
    try:
        xml_reports = xades.verify_xml(seal_xml, trust.roots, data_id="content")
    except Exception:  # an unreadable seal file vouches for nothing
        xml_reports = []
    xml_report = xml_reports[0] if len(xml_reports) == 1 else None
    if xml_report is None:
        reasons.append("xlsx_seal_missing")
        invalid = True
    elif xml_report.outcome != "valid":
        reasons.extend(f"xlsx_{r}" for r in xml_report.reasons or (xml_report.outcome,))
        invalid = invalid or xml_report.outcome == "invalid"
    if _file_sha256(seal_xml) != hashlib.sha256(xlsx).hexdigest():
        reasons.append("xlsx_hash_mismatch")
        invalid = True
    fingerprints = {(r.signer_fingerprint or "").upper() for r in (pdf_report, xml_report) if r is not None}
    if len(fingerprints) > 1:
        reasons.append("different_seals")
        invalid = True
    outcome: Outcome = "valid" if not reasons else ("invalid" if invalid else "indeterminate")
    return Verdict(
        outcome=outcome,
        pdf_signer=pdf_report.signer_name if pdf_report else None,
        pdf_fingerprint=pdf_report.signer_fingerprint if pdf_report else None,
        xlsx_signer=xml_report.signer_name if xml_report else None,
        xlsx_fingerprint=xml_report.signer_fingerprint if xml_report else None,
        reasons=tuple(reasons),
    )
