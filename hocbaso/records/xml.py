"""The canonical record XML (format 1.0): build, parse, validate, hash.

The XML is the source of a record version: the PDF is rendered from it and carries it
embedded. Contracts:

- ``build_xml(data)`` turns the record data dict (``docs/record-format.md``; example in
  ``records.samples``) into UTF-8 XML 1.0 that validates against
  ``schema/hocbaso-record-1.0.xsd``. Every string is NFC-normalised with line ends folded to
  ``\\n``. The output is deterministic: equal data (after that normalisation) gives equal bytes.
- ``parse_xml(xml)`` is its inverse: ``parse_xml(build_xml(d)) == d`` for any valid NFC ``d``.
  It ignores signatures (elements of other namespaces appended to the root).
- ``validate_xml(xml)`` raises ``RecordXmlInvalid`` (code ``xml_invalid``) with the XSD's
  message, or a rule's message (a final record must have every rating and its result).
- ``xml_sha256(xml)`` is the hex SHA-256 of the bytes as given.

The mapping between dict keys and elements is one table (``_CONTENT``), read by both directions.
"""

from __future__ import annotations

import hashlib
import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _
from lxml import etree

from hocbaso.core.errors import ValidationFailed

FORMAT_VERSION = "1.0"
NAMESPACE = "urn:hocbaso:record:1.0"
SCHEMA_PATH = Path(__file__).parent / "schema" / "hocbaso-record-1.0.xsd"
CONTENT_ID = "content"
_NS = f"{{{NAMESPACE}}}"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


class RecordXmlInvalid(ValidationFailed):
    code = "xml_invalid"


# A field is (dict key, element name, kind). Kinds: "str" (always present, may be empty), "int",
# "int?" / "num?" / "bool?" (element absent for None), "bool", ("obj", fields), ("obj?", fields),
# ("list", item element, fields).
_RATED = [("code", "Code", "str"), ("name", "Name", "str"), ("rating", "Rating", "str"), ("comment", "Comment", "str")]
_CONTENT: list[tuple[str, str, Any]] = [
    ("record_id", "RecordId", "str"),
    ("version", "Version", "int"),
    ("issuance_code", "IssuanceCode", "str"),
    ("status", "Status", "str"),
    ("assembled_on", "AssembledOn", "str"),
    ("previous_version_sha256", "PreviousVersionSha256", "str"),
    ("verify_url", "VerifyUrl", "str"),
    (
        "school",
        "School",
        (
            "obj",
            [
                ("code", "Code", "str"),
                ("name", "Name", "str"),
                ("address", "Address", "str"),
                ("province", "Province", "str"),
                ("units", "Units", ("list", "Unit", [("kind", "Kind", "str"), ("name", "Name", "str")])),
            ],
        ),
    ),
    (
        "student",
        "Student",
        (
            "obj",
            [
                ("full_name", "FullName", "str"),
                ("gender", "Gender", "int"),
                ("date_of_birth", "DateOfBirth", "str"),
                ("place_of_birth", "PlaceOfBirth", "str"),
                ("ethnicity", "Ethnicity", "str"),
                ("nationality", "Nationality", "str"),
                ("hometown", "Hometown", "str"),
                ("residence", "Residence", "str"),
                ("father_name", "FatherName", "str"),
                ("mother_name", "MotherName", "str"),
                ("guardian_name", "GuardianName", "str"),
                ("personal_id", "PersonalId", "str"),
                ("sector_code", "SectorCode", "str"),
            ],
        ),
    ),
    (
        "history",
        "History",
        (
            "list",
            "Entry",
            [
                ("school_year", "SchoolYear", "str"),
                ("class_name", "ClassName", "str"),
                ("school_name", "SchoolName", "str"),
                ("register_number", "RegisterNumber", "str"),
                ("start_date", "StartDate", "str"),
            ],
        ),
    ),
    (
        "year",
        "Year",
        (
            "obj",
            [
                ("school_year", "SchoolYear", "str"),
                ("class_name", "ClassName", "str"),
                ("grade", "Grade", "int"),
                ("height_cm", "HeightCm", "num?"),
                ("weight_kg", "WeightKg", "num?"),
                ("days_absent", "DaysAbsent", "int"),
                (
                    "subjects",
                    "Subjects",
                    (
                        "list",
                        "Subject",
                        [
                            ("code", "Code", "str"),
                            ("name", "Name", "str"),
                            ("rating", "Rating", "str"),
                            ("score", "Score", "int?"),
                            ("comment", "Comment", "str"),
                        ],
                    ),
                ),
                ("qualities", "Qualities", ("list", "Quality", _RATED)),
                ("general_competencies", "GeneralCompetencies", ("list", "Competency", _RATED)),
                ("specific_competencies", "SpecificCompetencies", ("list", "Competency", _RATED)),
                ("result", "Result", "str"),
                ("general_comment", "GeneralComment", "str"),
                ("awards", "Awards", ("list", "Award", [("title", "Title", "str"), ("date", "Date", "str")])),
                (
                    "completion",
                    "Completion",
                    (
                        "obj",
                        [
                            ("completed_grade", "CompletedGrade", "bool"),
                            ("completed_primary", "CompletedPrimary", "bool"),
                            ("promoted", "Promoted", "bool?"),
                            ("text", "Text", "str"),
                        ],
                    ),
                ),
                (
                    "remediation",
                    "Remediation",
                    (
                        "obj?",
                        [
                            ("first_result", "FirstResult", "str"),
                            ("final_result", "FinalResult", "str"),
                            ("decision", "Decision", "str"),
                            ("decided_by", "DecidedBy", "str"),
                            ("decided_on", "DecidedOn", "str"),
                        ],
                    ),
                ),
            ],
        ),
    ),
    (
        "signers",
        "Signers",
        (
            "obj",
            [
                ("homeroom", "Homeroom", ("obj", [("name", "Name", "str")])),
                ("principal", "Principal", ("obj", [("name", "Name", "str"), ("title", "Title", "str")])),
                ("school", "School", ("obj", [("name", "Name", "str")])),
            ],
        ),
    ),
]


def normalise_text(value: str) -> str:
    """NFC, with CR LF and lone CR folded to LF (XML parsers fold them anyway)."""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _invalid(path: str, problem: str) -> RecordXmlInvalid:
    return RecordXmlInvalid(
        _("Record data is invalid at %(path)s: %(problem)s") % {"path": path, "problem": problem}, field=path
    )


def _text(kind: str, value: Any, path: str) -> str:
    """The element text for a scalar of ``kind`` (None was handled by the caller)."""
    if kind == "str":
        if not isinstance(value, str):
            raise _invalid(path, "expected text")
        return normalise_text(value)
    if kind in ("bool", "bool?"):
        if not isinstance(value, bool):
            raise _invalid(path, "expected true or false")
        return "true" if value else "false"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(path, "expected a number")
    if isinstance(value, float):
        if kind != "num?":
            raise _invalid(path, "expected a whole number")
        return repr(value)  # shortest repr that reads back as the same float
    return str(value)


def _build(parent: etree._Element, fields: list[tuple[str, str, Any]], data: Any, path: str) -> None:
    if not isinstance(data, dict):
        raise _invalid(path or "/", "expected an object")
    for key, name, kind in fields:
        where = f"{path}.{key}" if path else key
        if key not in data:
            raise _invalid(where, "missing")
        value = data[key]
        if isinstance(kind, tuple):
            if kind[0] == "obj?" and value is None:
                continue
            element = etree.SubElement(parent, _NS + name)
            if kind[0] == "list":
                if not isinstance(value, list):
                    raise _invalid(where, "expected a list")
                for index, item in enumerate(value):
                    _build(etree.SubElement(element, _NS + kind[1]), kind[2], item, f"{where}[{index}]")
            else:
                _build(element, kind[1], value, where)
        elif value is None:
            if not kind.endswith("?"):
                raise _invalid(where, "missing")
        else:
            etree.SubElement(parent, _NS + name).text = _text(kind, value, where)
    extra = set(data) - {key for key, _name, _kind in fields}
    if extra:
        raise _invalid(path or "/", f"unknown keys {sorted(extra)}")


def build_xml(data: dict[str, Any]) -> bytes:
    """The canonical XML of ``data`` (see the module docstring); validated before it is returned."""
    if data.get("format_version") != FORMAT_VERSION:
        raise _invalid("format_version", f"this code writes format {FORMAT_VERSION}")
    root = etree.Element(_NS + "Record", nsmap={None: NAMESPACE})
    root.set("formatVersion", FORMAT_VERSION)
    content = etree.SubElement(root, _NS + "Content")
    content.set("Id", CONTENT_ID)
    body = {key: value for key, value in data.items() if key != "format_version"}
    try:
        _build(content, _CONTENT, body, "")
    except ValueError as exc:  # lxml refuses control characters that XML 1.0 cannot carry
        raise _invalid("/", str(exc)) from None
    etree.indent(root, space="  ")
    xml = _DECLARATION + etree.tostring(root, encoding="UTF-8") + b"\n"
    validate_xml(xml)
    return xml


def _value(kind: str, text: str) -> Any:
    if kind == "str":
        return text
    if kind in ("bool", "bool?"):
        return text in ("true", "1")
    if kind == "num?" and ("." in text or "e" in text.lower()):
        return float(Decimal(text))
    return int(text)


def _parse(element: etree._Element, fields: list[tuple[str, str, Any]]) -> dict[str, Any]:
    children: dict[str, list[etree._Element]] = {}
    for child in element:
        if isinstance(child.tag, str):
            children.setdefault(child.tag, []).append(child)
    out: dict[str, Any] = {}
    for key, name, kind in fields:
        found = children.get(_NS + name, [])
        child = found[0] if found else None
        if isinstance(kind, tuple):
            if child is None:
                out[key] = None
            elif kind[0] == "list":
                out[key] = [_parse(item, kind[2]) for item in child if item.tag == _NS + kind[1]]
            else:
                out[key] = _parse(child, kind[1])
        elif child is None:
            out[key] = None
        else:
            out[key] = _value(kind, child.text or "")
    return out


def _parse_root(xml_bytes: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as exc:
        raise RecordXmlInvalid(_("The record XML is not well-formed: %(error)s") % {"error": str(exc)}) from None
    if root.getroottree().docinfo.doctype:
        # a record never has a DTD; refusing it also shuts out entity tricks
        raise RecordXmlInvalid(_("The record XML must not contain a document type declaration."))
    return root


def parse_xml(xml_bytes: bytes) -> dict[str, Any]:
    """The record data of a (valid) record XML; the inverse of ``build_xml``."""
    validate_xml(xml_bytes)
    root = _parse_root(xml_bytes)
    content = root.find(_NS + "Content")
    assert content is not None  # the schema requires it
    return {"format_version": root.get("formatVersion"), **_parse(content, _CONTENT)}


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _final_rules(root: etree._Element) -> list[str]:
    """Rules XSD 1.0 cannot express: a final record has every rating and a year result."""
    if root.findtext(f"{_NS}Content/{_NS}Status") != "final":
        return []
    problems = []
    for rating in root.iterfind(f"{_NS}Content/{_NS}Year//{_NS}Rating"):
        if not rating.text:
            item = rating.getparent()
            code = item.findtext(_NS + "Code") if item is not None else "?"
            problems.append(f"a final record has no rating for {code}")
    if not root.findtext(f"{_NS}Content/{_NS}Year/{_NS}Result"):
        problems.append("a final record has no year result")
    return problems


def validate_xml(xml_bytes: bytes) -> None:
    """Raise ``RecordXmlInvalid`` (``xml_invalid``) unless ``xml_bytes`` is a valid record XML."""
    root = _parse_root(xml_bytes)
    schema = _schema()
    try:
        valid = schema.validate(root)
    except etree.XMLSchemaValidateError as exc:
        raise RecordXmlInvalid(_("The record XML does not match its schema: %(error)s") % {"error": str(exc)}) from None
    if not valid:
        error = schema.error_log.last_error
        detail = f"line {error.line}: {error.message}" if error is not None else "invalid"
        raise RecordXmlInvalid(_("The record XML does not match its schema: %(error)s") % {"error": detail})
    problems = _final_rules(root)
    if problems:
        raise RecordXmlInvalid(_("The record XML breaks a rule: %(error)s") % {"error": "; ".join(problems)})


def xml_sha256(xml_bytes: bytes) -> str:
    """Hex SHA-256 of the XML bytes exactly as stored."""
    return hashlib.sha256(xml_bytes).hexdigest()
