"""The Ministry batch: record rows of one Sở and school year in the exchange tables, as one XML
document with a manifest of SHA-256s, sealed by the Sở (format ``urn:hocbaso:ministry-batch:1``,
docs/ministry-export.md; ADR 0011 says why XML).

::

    <MinistryBatch xmlns="urn:hocbaso:ministry-batch:1" FormatVersion="1.0">
      <Content Id="content">
        <Header> BatchId, DepartmentCode, DepartmentName, SchoolYear, Kind, MappingVersion, CreatedAt, RowCount
        <Manifest> <Entry Ref RecordId Version RecordXmlSha256 RowSha256/> … one per row
      </Content>
      <Rows> <thongtinsohocbasotieuhoc Ref="r1"> columns…, <dsbangdiem>, <quatrinhhoctap> … </Rows>
      <ds:Signature …/>     the Sở's seal (XAdES, claimed role ``DEPARTMENT_TITLE``), over Content
    </MinistryBatch>

The seal covers the header and the manifest; the manifest binds every row by its SHA-256, and the
receiving side checks every row against it (as an ASiC manifest binds its files): a changed row no
longer matches its hash, a changed hash breaks the seal. Signing the manifest rather than the rows
keeps the seal's canonicalisation small (a province-year's rows are hundreds of megabytes).

Pure: no ORM. ``entry_for`` maps one record version's data (``records.ministry``); ``build`` makes
the unsigned document deterministically from a header and entries; ``check`` is what the receiving
side does first — parse safely, validate against the schema kept in ``schema/``, and check every
row against the manifest — and names the row (its ``Ref``, record id and version) of every problem.
A row's hash is the SHA-256 of its values (``row_sha256``): the same record version mapped the same
way always has the same hash, in any batch and at any position, which makes re-sending idempotent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from hocbaso.records import ministry

NAMESPACE = "urn:hocbaso:ministry-batch:1"
FORMAT_VERSION = "1.0"
CONTENT_ID = "content"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "ministry-batch-1.xsd"
DEPARTMENT_TITLE = "Sở Giáo dục và Đào tạo"
MAX_BATCH_BYTES = 256 * 1024 * 1024
_NS = f"{{{NAMESPACE}}}"
_NS_LENGTH = len(_NS)

# Column order of each table, as the schema fixes it (a test holds both together).
MAIN_COLUMNS = (
    "madinhdanhhocba",
    "phienban",
    "trangthaithongtinhocba",
    "masogd",
    "matruong",
    "macaphoc",
    "mahocsinh",
    "madinhdanhcanhan",
    "hovaten",
    "gioitinh",
    "ngaysinh",
    "noisinh",
    "quequan",
    "noiohiennay",
    "dantoc",
    "quoctich",
    "doituongchinhsach",
    "khuyettat",
    "makhoi",
    "namhoc",
    "hotencha",
    "hotenme",
    "hotennguoigiamho",
    "duoclenlop",
    "dahthanhctrinhlophoc",
    "dahthanhctrinhtieuhoc",
    "chucvugiamhieu",
    "diadanhphathanh",
    "cokhuyettatkhongdanhgia",
    "ketquagiaoduc",
    "nhanxetchung",
    "chieucao",
    "cannang",
    "songaynghi",
    "phienbananhxa",
)
SCORE_COLUMNS = ("mamonhoc", "mucdatduoc", "diemktdk", "nhanxet", "mucdatduocsauhe", "diemktdksauhe")
HISTORY_COLUMNS = ("namhoc", "lop", "tentruong", "sodangbo", "ngaynhaphoc")
HEADER_FIELDS = (
    "BatchId",
    "DepartmentCode",
    "DepartmentName",
    "SchoolYear",
    "Kind",
    "MappingVersion",
    "CreatedAt",
    "RowCount",
)


@dataclass(frozen=True)
class Entry:
    """One record version in a batch: its three tables' rows and the hash of its record XML."""

    ref: str
    record_id: str
    version: int
    record_xml_sha256: str
    row: dict[str, Any]
    scores: list[dict[str, Any]]
    history: list[dict[str, Any]]


@dataclass(frozen=True)
class Problem:
    """A reason a batch or a row is refused; ``ref`` names the row ("" for the whole batch)."""

    code: str
    detail: str = ""
    ref: str = ""
    record_id: str = ""
    version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "record_id": self.record_id,
            "version": self.version,
            "code": self.code,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Row:
    """A row as the receiving side reads it from a checked batch."""

    ref: str
    record_id: str
    version: int
    row_sha256: str
    department_code: str
    school_code: str
    school_year: str


@dataclass
class Checked:
    """A batch that parsed: its header, its rows, and every problem found (empty: schema-valid and
    every row matches the manifest)."""

    header: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def entry_for(data: dict[str, Any], *, ref: str, record_xml_sha256: str, department_code: str) -> Entry:
    """The entry of one record version's data. A 1.0 record carries no Sở or level code: the batch
    gives the sending Sở's code and the primary level (the school's own, by construction)."""
    row = ministry.record_row(data)
    if not row["masogd"]:
        row["masogd"] = department_code
    if not row["macaphoc"]:
        row["macaphoc"] = ministry.LEVEL_CODES["primary"]
    scores = [{k: v for k, v in score.items() if k != "madinhdanhhocba"} for score in ministry.score_rows(data)]
    history = [{k: v for k, v in item.items() if k != "madinhdanhhocba"} for item in ministry.history_rows(data)]
    return Entry(ref, str(data["record_id"]), int(data["version"]), record_xml_sha256, row, scores, history)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _columns(parent: etree._Element, values: dict[str, Any], columns: tuple[str, ...]) -> None:
    for column in columns:
        etree.SubElement(parent, f"{_NS}{column}").text = _text(values[column])


def row_element(entry: Entry) -> etree._Element:
    """The ``thongtinsohocbasotieuhoc`` element of ``entry`` with its child tables."""
    element = etree.Element(f"{_NS}thongtinsohocbasotieuhoc", nsmap={None: NAMESPACE}, Ref=entry.ref)
    _columns(element, entry.row, MAIN_COLUMNS)
    scores = etree.SubElement(element, f"{_NS}dsbangdiem")
    for score in entry.scores:
        _columns(etree.SubElement(scores, f"{_NS}bangdiem"), score, SCORE_COLUMNS)
    history = etree.SubElement(element, f"{_NS}quatrinhhoctap")
    for item in entry.history:
        _columns(etree.SubElement(history, f"{_NS}hoctap"), item, HISTORY_COLUMNS)
    return element


def _values(element: etree._Element) -> list[Any]:
    """The row's content as nested lists: [name, text] per column, [name, [item values…]] per child
    table. Layout (white space between elements) and the batch-local ``Ref`` are not content."""
    found: list[Any] = []
    for child in element.iterchildren(etree.Element):
        tag = child.tag
        name = tag[_NS_LENGTH:] if tag.startswith(_NS) else tag
        if len(child):
            found.append([name, [_values(item) for item in child.iterchildren(etree.Element)]])
        else:
            found.append([name, child.text or ""])
    return found


def row_sha256(element: etree._Element) -> str:
    """SHA-256 of the row's values (UTF-8 JSON of ``_values``, no white space): the same version
    mapped the same way hashes the same in every batch, whatever its position or the layout."""
    content = json.dumps(_values(element), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def entry_sha256(entry: Entry) -> str:
    """The row hash of ``entry`` (what the manifest lists and the receiving side recomputes)."""
    return row_sha256(row_element(entry))


def build(header: dict[str, Any], entries: list[Entry]) -> bytes:
    """The unsigned batch document. ``header`` has ``HEADER_FIELDS`` but ``RowCount``."""
    return build_hashed(header, entries)[0]


def build_hashed(header: dict[str, Any], entries: list[Entry]) -> tuple[bytes, list[str]]:
    """``build``, and the row hash of each entry (in order), computed once."""
    root = etree.Element(f"{_NS}MinistryBatch", nsmap={None: NAMESPACE}, FormatVersion=FORMAT_VERSION)
    content = etree.SubElement(root, f"{_NS}Content", Id=CONTENT_ID)
    head = etree.SubElement(content, f"{_NS}Header")
    values = {**header, "RowCount": len(entries)}
    for name in HEADER_FIELDS:
        etree.SubElement(head, f"{_NS}{name}").text = _text(values[name])
    manifest = etree.SubElement(content, f"{_NS}Manifest")
    rows = etree.SubElement(root, f"{_NS}Rows")
    hashes = []
    for entry in entries:
        element = row_element(entry)
        hashes.append(row_sha256(element))
        etree.SubElement(
            manifest,
            f"{_NS}Entry",
            Ref=entry.ref,
            RecordId=entry.record_id,
            Version=str(entry.version),
            RecordXmlSha256=entry.record_xml_sha256,
            RowSha256=hashes[-1],
        )
        rows.append(element)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n", hashes


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=False)


def parse(xml: bytes) -> etree._Element:
    """The document's root; ``ValueError`` when it is too large, not well-formed or carries a DTD."""
    if len(xml) > MAX_BATCH_BYTES:
        raise ValueError("batch_too_large")
    try:
        tree = etree.fromstring(xml, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not_well_formed: {exc}") from None
    if tree.docinfo.doctype:
        raise ValueError("doctype_refused")
    return tree.getroot()


def _row_lines(root: etree._Element) -> list[tuple[int, str, str, int | None]]:
    """(first line, ref, record id, version) of each manifest entry and row, in document order."""
    found: list[tuple[int, str, str, int | None]] = []
    for entry in root.iter(f"{_NS}Entry"):
        version = entry.get("Version", "")
        found.append(
            (
                entry.sourceline or 0,
                entry.get("Ref", ""),
                entry.get("RecordId", ""),
                int(version) if version.isdigit() else None,
            )
        )
    for row in root.iter(f"{_NS}thongtinsohocbasotieuhoc"):
        version = row.findtext(f"{_NS}phienban", "")
        found.append(
            (
                row.sourceline or 0,
                row.get("Ref", ""),
                row.findtext(f"{_NS}madinhdanhhocba", ""),
                int(version) if version.isdigit() else None,
            )
        )
    return sorted(found, key=lambda item: item[0])


def _locate(lines: list[tuple[int, str, str, int | None]], line: int) -> tuple[str, str, int | None]:
    """The row (or manifest entry) an error on ``line`` falls in; ("", "", None) in the header."""
    found: tuple[str, str, int | None] = ("", "", None)
    for start, ref, record_id, version in lines:
        if start > line:
            break
        found = (ref, record_id, version)
    return found


def check(xml: bytes) -> Checked:
    """Everything the receiving side checks before reading a row: well-formed, the schema, the
    header's row count, one manifest entry per row with the row's hash, no row twice. Signatures
    are judged separately (``verification.core.signed_xml_checks``)."""
    try:
        root = parse(xml)
    except ValueError as exc:
        code, _sep, detail = str(exc).partition(": ")
        return Checked({}, problems=[Problem(code, detail[:300])])
    header = {name: root.findtext(f"{_NS}Content/{_NS}Header/{_NS}{name}", "") for name in HEADER_FIELDS}
    checked = Checked(header)
    validator = schema()
    if not validator.validate(root):
        lines = _row_lines(root)
        for error in validator.error_log:
            ref, record_id, version = _locate(lines, error.line)
            checked.problems.append(Problem("schema_invalid", error.message[:300], ref, record_id, version))
        return checked
    manifest = {e.get("Ref", ""): e for e in root.iter(f"{_NS}Entry")}
    seen: set[tuple[str, int]] = set()
    refs: set[str] = set()
    for element in root.iter(f"{_NS}thongtinsohocbasotieuhoc"):
        ref = element.get("Ref", "")
        record_id = element.findtext(f"{_NS}madinhdanhhocba", "")
        version = int(element.findtext(f"{_NS}phienban", "0"))
        digest = row_sha256(element)
        listed = manifest.get(ref)
        where = {"ref": ref, "record_id": record_id, "version": version}
        if ref in refs:
            checked.problems.append(Problem("row_ref_repeated", "", **where))
        elif listed is None:
            checked.problems.append(Problem("row_not_in_manifest", "", **where))
        elif (listed.get("RecordId"), listed.get("Version"), listed.get("RowSha256")) != (
            record_id,
            str(version),
            digest,
        ):
            checked.problems.append(Problem("row_hash_mismatch", "", **where))
        elif (record_id, version) in seen:
            checked.problems.append(Problem("row_repeated", "", **where))
        refs.add(ref)
        seen.add((record_id, version))
        checked.rows.append(
            Row(
                ref,
                record_id,
                version,
                digest,
                element.findtext(f"{_NS}masogd", ""),
                element.findtext(f"{_NS}matruong", ""),
                element.findtext(f"{_NS}namhoc", ""),
            )
        )
    for ref in set(manifest) - refs:
        entry = manifest[ref]
        checked.problems.append(Problem("manifest_entry_without_row", "", ref, entry.get("RecordId", "")))
    if header["RowCount"] != str(len(checked.rows)):
        checked.problems.append(Problem("row_count_mismatch", f"{header['RowCount']} != {len(checked.rows)}"))
    return checked


def batch_sha256(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()
