"""Transfer bundles (format ``hocbaso-transfer-bundle/1``, docs/transfer-bundle.md): what goes in,
and the complete verification of what comes in before anything is written.

A bundle is an ASiC-E container (:mod:`hocbaso.transfers.asic`) sealed by the sending school,
holding ``bundle.json`` (the header), the signed transfer decision (``decision/…``, absent from an
admission bundle) and every issued year's record as issued (``records/<year>/record.pdf`` and
``record.xml``). :func:`verify` checks the container, then the decision and every record with the
verification core, and returns what an import needs; any problem is a :class:`BundleRefused`
with a stable code and a Vietnamese message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed
from hocbaso.records.xml import parse_xml
from hocbaso.transfers import asic, documents
from hocbaso.verification import core

FORMAT = "hocbaso-transfer-bundle/1"
HEADER = "bundle.json"
DECISION = "decision/transfer-decision.xml"

REFUSALS: dict[str, Any] = {
    "bundle_too_large": _("The bundle is larger than the limit (%(limit)d MB)."),
    "bundle_unreadable": _("The file is not a readable zip bundle."),
    "bundle_too_many_entries": _("The bundle holds more files than allowed (%(limit)d)."),
    "bundle_unsafe_path": _("The bundle holds a file with a forbidden path (“..”, absolute or drive path)."),
    "bundle_duplicate_entry": _("The bundle holds the same file twice."),
    "bundle_zip_bomb": _("The bundle expands far beyond its size (zip bomb); it was not opened."),
    "bundle_not_asic": _("The file is not a transfer bundle (ASiC-E container with its mimetype first)."),
    "bundle_manifest_invalid": _("The bundle's manifest is unreadable."),
    "bundle_file_not_in_manifest": _("The bundle holds a file its manifest does not list."),
    "bundle_file_missing": _("A file listed in the bundle's manifest is missing."),
    "bundle_hash_mismatch": _("A file of the bundle does not match its SHA-256 in the manifest: it was changed."),
    "bundle_signature_invalid": _("The sending school's seal on the bundle is not valid."),
    "bundle_signature_revoked": _("The certificate of the sending school's seal has been revoked."),
    "bundle_unknown_issuer": _(
        "Cannot determine — unknown issuer: the certificate was not issued by an authority this system trusts."
        " An operator must first import the sending system's trust bundle."
    ),
    "bundle_format_unknown": _("The bundle's header is missing or of an unknown format version."),
    "bundle_decision_invalid": _("The transfer decision in the bundle is missing or its signature is not valid."),
    "bundle_decision_mismatch": _("The transfer decision does not list exactly the records in the bundle."),
    "bundle_record_invalid": _("A record in the bundle is not valid (signature, data or content)."),
    "bundle_already_imported": _("This bundle (this transfer) has already been imported."),
    "bundle_duplicate_student": _("This child already exists in this system; a second student cannot be created."),
}

LIMITS = {"bundle_too_large": asic.MAX_BUNDLE_BYTES >> 20, "bundle_too_many_entries": asic.MAX_ENTRIES}


class BundleRefused(ValidationFailed):
    """A refused bundle; nothing was written."""

    def __init__(self, code: str, detail: str = ""):
        message = REFUSALS.get(code, code)
        if code in LIMITS:
            message = message % {"limit": LIMITS[code]}
        super().__init__(message, code=code, field="bundle")
        self.detail = detail


@dataclass(frozen=True)
class ReceivedYear:
    school_year: str
    issuance_code: str
    pdf: bytes
    xml: bytes
    data: dict[str, Any]


@dataclass(frozen=True)
class Verified:
    """A bundle that passed every check: its header, decision content and records, oldest first."""

    sha256: str
    header: dict[str, Any]
    decision: bytes | None
    decision_data: dict[str, Any] | None
    years: list[ReceivedYear]
    seal_name: str


def record_paths(school_year: str) -> tuple[str, str]:
    return f"records/{school_year}/record.pdf", f"records/{school_year}/record.xml"


def header(
    *,
    kind: str,
    transfer_id: str,
    source: dict[str, Any],
    destination: str,
    student: dict[str, Any],
    school_year: str,
    effective_date: str,
    years: list[tuple[str, str]],
    with_decision: bool,
) -> bytes:
    """``bundle.json`` (sorted keys, UTF-8): ``years`` are (school year, issuance code), oldest first."""
    data = {
        "format": FORMAT,
        "kind": kind,
        "transfer_id": transfer_id,
        "created": dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": source,
        "destination": destination,
        "student": student,
        "school_year": school_year,
        "effective_date": effective_date,
        "decision": DECISION if with_decision else None,
        "records": [
            {"school_year": year, "issuance_code": code, "pdf": record_paths(year)[0], "xml": record_paths(year)[1]}
            for year, code in years
        ],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def _refuse_report(report: core.Report, code: str, detail: str) -> None:
    if report.outcome == "valid":
        return
    if report.reason == "signature_untrusted" or report.reason == "xml_signature_revocation_unknown":
        raise BundleRefused("bundle_unknown_issuer", f"{detail}: {report.reason}")
    raise BundleRefused(code, f"{detail}: {report.reason}")


def _header(files: dict[str, bytes]) -> dict[str, Any]:
    try:
        data = json.loads(files[HEADER].decode("utf-8"))
    except (KeyError, ValueError):
        raise BundleRefused("bundle_format_unknown") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("kind") not in ("transfer", "admission"):
        raise BundleRefused("bundle_format_unknown")
    if not isinstance(data.get("records"), list) or not isinstance(data.get("student"), dict):
        raise BundleRefused("bundle_format_unknown")
    return data


def _year(files: dict[str, bytes], entry: Any, trust: core.TrustStore) -> ReceivedYear:
    try:
        year, code = str(entry["school_year"]), str(entry["issuance_code"])
        pdf, xml = files[entry["pdf"]], files[entry["xml"]]
    except (KeyError, TypeError):
        raise BundleRefused("bundle_format_unknown", "record entry") from None
    for document in (pdf, xml):
        findings = core.examine(document, trust=trust)
        _refuse_report(core.report_of(findings.checks), "bundle_record_invalid", f"{year}")
        facts = findings.facts
        if facts is None or facts.issuance_code != code or facts.school_year != year:
            raise BundleRefused("bundle_record_invalid", f"{year}: not the record the header names")
    return ReceivedYear(year, code, pdf, xml, parse_xml(xml))


def verify(raw: bytes, *, trust: core.TrustStore) -> Verified:
    """Every check of docs/transfer-bundle.md, in order; ``BundleRefused`` at the first failure."""
    try:
        container = asic.unpack(raw, trust=trust)
    except asic.ContainerRefused as exc:
        raise BundleRefused(exc.code, exc.detail) from None
    files = container.files
    data = _header(files)
    decision = decision_data = None
    if data["kind"] == "transfer":
        decision = files.get(DECISION)
        if decision is None:
            raise BundleRefused("bundle_decision_invalid", "missing")
        _refuse_report(
            documents.verify(decision, trust, kind="TransferDecision"), "bundle_decision_invalid", "decision"
        )
        decision_data = documents.parse(decision, kind="TransferDecision")
        if decision_data.get("TransferId") != data.get("transfer_id"):
            raise BundleRefused("bundle_decision_mismatch", "transfer id")
    years = [_year(files, entry, trust) for entry in data["records"]]
    if decision_data is not None:
        listed = {(r["IssuanceCode"], r["PdfSha256"], r["XmlSha256"]) for r in decision_data.get("Records") or []}
        carried = {
            (y.issuance_code, hashlib.sha256(y.pdf).hexdigest(), hashlib.sha256(y.xml).hexdigest()) for y in years
        }
        if listed != carried:
            raise BundleRefused("bundle_decision_mismatch", "records")
    name = container.seal.subject.rfc4514_string()
    return Verified(container.sha256, data, decision, decision_data, sorted(years, key=lambda y: y.school_year), name)
