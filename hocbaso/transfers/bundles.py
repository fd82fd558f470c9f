"""Transfer bundles (format ``hocbaso-transfer-bundle/1``, docs/transfer-bundle.md): what goes in,
and the complete verification of what comes in before anything is written.

A bundle is an ASiC-E container (:mod:`hocbaso.transfers.asic`) sealed by the sending school,
holding ``bundle.json`` (the header), the signed transfer decision (``decision/…``, absent from an
admission bundle) and every issued year's record as issued (``records/<year>/record.pdf`` and
``record.xml``). :func:`open_bundle` makes the cheap checks (the container, its seal, the header,
the decision and its list of records), :func:`examine_records` then judges every record with the
verification core (the expensive part), so a caller refuses what it can (an admission bundle, a
bundle already imported, a child already here) before paying for it; :func:`verify` is both.
Any problem is a :class:`BundleRefused` with a stable code and a Vietnamese message.
"""

from __future__ import annotations

import datetime as dt
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
    """One year's record as the bundle carries it: the files' bytes, their SHA-256 (computed once,
    while checking the manifest) and the XML's data (parsed once)."""

    school_year: str
    issuance_code: str
    pdf: bytes
    xml: bytes
    data: dict[str, Any]
    pdf_sha256: str
    xml_sha256: str


@dataclass(frozen=True)
class Opened:
    """A bundle that passed every cheap check (:func:`open_bundle`): container, seal, header,
    decision and its list of records; its records not yet examined (:func:`examine_records`).
    ``years`` oldest first."""

    sha256: str
    header: dict[str, Any]
    decision: bytes | None
    decision_data: dict[str, Any] | None
    years: tuple[ReceivedYear, ...]
    seal_name: str


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


def _entries(files: dict[str, bytes], entries: list[Any]) -> list[tuple[str, str, str, str]]:
    """The header's record entries as (school year, issuance code, PDF path, XML path); an entry
    naming no file of the bundle is ``bundle_format_unknown``."""
    found = []
    for entry in entries:
        try:
            year, code, pdf, xml = str(entry["school_year"]), str(entry["issuance_code"]), entry["pdf"], entry["xml"]
            if pdf not in files or xml not in files:
                raise KeyError(pdf)
        except (KeyError, TypeError):
            raise BundleRefused("bundle_format_unknown", "record entry") from None
        found.append((year, code, pdf, xml))
    return found


def _received(files: dict[str, bytes], digests: dict[str, str], entry: tuple[str, str, str, str]) -> ReceivedYear:
    """One entry's year with its files, their hashes and its XML's data (parsed once; an XML that
    is not a valid record is ``bundle_record_invalid``, what the examine would say of it)."""
    year, code, pdf, xml = entry
    try:
        data = parse_xml(files[xml])
    except Exception:  # RecordXmlInvalid, or a parser error on hostile input
        raise BundleRefused("bundle_record_invalid", f"{year}: xml") from None
    return ReceivedYear(year, code, files[pdf], files[xml], data, digests[pdf], digests[xml])


def _listed(decision_data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The decision's records as (issuance code, PDF SHA-256, XML SHA-256), sorted; a list that is
    not one (an item without its three fields, or not an item) is ``bundle_decision_mismatch``."""
    records = decision_data.get("Records", [])
    if not isinstance(records, list):
        raise BundleRefused(code="bundle_decision_mismatch", detail="records: not a list")
    listed = []
    for item in records:
        fields = [item.get(key) for key in ("IssuanceCode", "PdfSha256", "XmlSha256")] if isinstance(item, dict) else []
        code, pdf, xml = [field if isinstance(field, str) else "" for field in fields] or ["", "", ""]
        if not (code and pdf and xml):
            raise BundleRefused(code="bundle_decision_mismatch", detail="records: malformed item")
        listed.append((code, pdf.lower(), xml.lower()))
    return sorted(listed)


def open_bundle(raw: bytes, *, trust: core.TrustStore) -> Opened:
    """The cheap checks of docs/transfer-bundle.md, in order, before any record is examined:
    the container (size, entries, paths, zip bomb, manifest hashes, the seal and its
    certificate), the header, the decision (its signature, its transfer id, its list of records
    — codes and hashes, multiset-equal to what the bundle carries) and the records' XML data.
    ``BundleRefused`` at the first failure. Every file is read and hashed once here."""
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
            raise BundleRefused(code="bundle_decision_mismatch", detail="transfer id")
    entries = _entries(files, data["records"])
    digests = container.digests
    if decision_data is not None:
        carried = sorted((code, digests[pdf], digests[xml]) for _year, code, pdf, xml in entries)
        if _listed(decision_data) != carried:
            raise BundleRefused(code="bundle_decision_mismatch", detail="records")
    years = sorted((_received(files, digests, entry) for entry in entries), key=lambda y: y.school_year)
    name = container.seal.subject.rfc4514_string()
    return Opened(container.sha256, data, decision, decision_data, tuple(years), name)


def examine_records(opened: Opened, *, trust: core.TrustStore) -> Verified:
    """The expensive checks, after :func:`open_bundle`: every year's PDF and XML judged by the
    verification core (signatures, schema, the PDF showing its XML), and each the record the
    header names (issuance code and school year). ``BundleRefused`` at the first failure. Every
    XML first (a fraction of a PDF's cost), then every PDF: a bad record is found at least cost."""
    for year, document in [(y, y.xml) for y in opened.years] + [(y, y.pdf) for y in opened.years]:
        findings = core.examine(document, trust=trust)
        _refuse_report(core.report_of(findings.checks), "bundle_record_invalid", year.school_year)
        facts = findings.facts
        if facts is None or facts.issuance_code != year.issuance_code or facts.school_year != year.school_year:
            raise BundleRefused("bundle_record_invalid", f"{year.school_year}: not the record the header names")
    return Verified(
        opened.sha256, opened.header, opened.decision, opened.decision_data, list(opened.years), opened.seal_name
    )


def verify(raw: bytes, *, trust: core.TrustStore) -> Verified:
    """Every check of docs/transfer-bundle.md, in order (:func:`open_bundle` then
    :func:`examine_records`); ``BundleRefused`` at the first failure."""
    return examine_records(open_bundle(raw, trust=trust), trust=trust)
