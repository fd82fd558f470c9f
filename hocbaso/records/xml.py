"""The canonical record XML (formats 1.0 and 1.1): build, parse, validate, hash.

The XML is the source of a record version: the PDF is rendered from it and carries it
embedded. Contracts:

- ``build_xml(data)`` turns the record data dict (``docs/record-format.md``; example in
  ``records.samples``) into UTF-8 XML 1.0 that validates against
  ``schema/hocbaso-record-1.0.xsd``. Every string is NFC-normalised with line ends folded to
  ``\\n``. The output is deterministic: equal data (after that normalisation) gives equal bytes.
  New records are written in the current format (``FORMAT_VERSION``, 1.1); ``build_xml`` still
  writes 1.0 for data that says so (tests of old records).
- ``parse_xml(xml)`` is its inverse: ``parse_xml(build_xml(d)) == d`` for any valid NFC ``d``.
  It ignores signatures (elements of other namespaces appended to the root). It dispatches on the
  root's namespace: a record issued in format 1.0 keeps parsing, validating and verifying.
- ``upgrade(data)`` lifts parsed 1.0 data to the 1.1 shape (new fields empty), for display.
- ``validate_xml(xml)`` raises ``RecordXmlInvalid`` (code ``xml_invalid``) with the XSD's
  message, or a rule's message (a final record must have every rating and its result).
- ``xml_sha256(xml)`` is the hex SHA-256 of the bytes as given.

The mapping between dict keys and elements is one table per format (``_CONTENT``; 1.1 written as
its differences from 1.0), read by both directions.
"""

from __future__ import annotations

import copy
import hashlib
import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _
from lxml import etree

from hocbaso.core.errors import ValidationFailed

FORMAT_VERSION = "1.1"
FORMAT_VERSIONS = ("1.0", "1.1", "1.2")
# Format 1.2 adds the optional Digitisation element; it is written for digitised copies of paper
# books (records.digitising) — born-digital records stay in FORMAT_VERSION.
DIGITISED_FORMAT_VERSION = "1.2"
NAMESPACE = f"urn:hocbaso:record:{FORMAT_VERSION}"
SCHEMA_DIR = Path(__file__).parent / "schema"
SCHEMA_PATH = SCHEMA_DIR / f"hocbaso-record-{FORMAT_VERSION}.xsd"
CONTENT_ID = "content"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


class RecordXmlInvalid(ValidationFailed):
    code = "xml_invalid"


# A field is (dict key, element name, kind). Kinds: "str" (always present, may be empty), "int",
# "int?" / "num?" / "bool?" (element absent for None), "bool", ("obj", fields), ("obj?", fields),
# ("list", item element, fields).
_RATED = [("code", "Code", "str"), ("name", "Name", "str"), ("rating", "Rating", "str"), ("comment", "Comment", "str")]
_CONTENT_1_0: list[tuple[str, str, Any]] = [
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


def _replace(fields: list[tuple[str, str, Any]], path: list[str], change: Any) -> list[tuple[str, str, Any]]:
    """A copy of ``fields`` with the field at ``path`` (dict keys) rewritten by ``change``
    (field → list of fields), so 1.1 is written as its differences from 1.0."""
    out: list[tuple[str, str, Any]] = []
    for field in fields:
        key, name, kind = field
        if key != path[0]:
            out.append(field)
        elif len(path) == 1:
            out.extend(change(field))
        else:
            index = 2 if kind[0] == "list" else 1
            inner = _replace(kind[index], path[1:], change)
            out.append((key, name, (*kind[:index], inner)))
    return out


def _after(*extra: tuple[str, str, Any]) -> Any:
    return lambda field: [field, *extra]


_SUMMER_SUBJECT = ("obj?", [("rating", "Rating", "str"), ("score", "Score", "int?"), ("comment", "Comment", "str")])
_SUMMER_RATED = ("obj?", [("rating", "Rating", "str"), ("comment", "Comment", "str")])
_CONTENT_1_1 = _CONTENT_1_0
for _path, _change in [
    (["school", "code"], _after(("department_code", "DepartmentCode", "str"), ("level_code", "LevelCode", "str"))),
    (
        ["student", "nationality"],
        _after(("ethnicity_code", "EthnicityCode", "str"), ("nationality_code", "NationalityCode", "str")),
    ),
    (
        ["student", "sector_code"],
        _after(("policy_beneficiary", "PolicyBeneficiary", "str"), ("disability", "Disability", "str")),
    ),
    (["year", "days_absent"], _after(("dated_on", "DatedOn", "str"))),
    (["year", "subjects", "comment"], _after(("summer", "Summer", _SUMMER_SUBJECT))),
    *[
        (["year", group, "comment"], _after(("summer", "Summer", _SUMMER_RATED)))
        for group in ("qualities", "general_competencies", "specific_competencies")
    ],
    (
        ["year", "general_comment"],
        _after(
            (
                "individual_plan",
                "IndividualPlan",
                (
                    "obj?",
                    [
                        ("assessment", "Assessment", "str"),
                        ("completed", "Completed", "bool?"),
                        ("note", "Note", "str"),
                        ("decided_by", "DecidedBy", "str"),
                        ("decided_on", "DecidedOn", "str"),
                    ],
                ),
            )
        ),
    ),
    (["year", "completion", "completed_primary"], lambda f: [(f[0], f[1], "bool?")]),
    (["year", "completion", "promoted"], _after(("decision", "Decision", "str"))),
]:
    _CONTENT_1_1 = _replace(_CONTENT_1_1, _path, _change)
_DIGITISATION = (
    "digitisation",
    "Digitisation",
    (
        "obj?",
        [
            ("book_number", "BookNumber", "str"),
            ("original_pages", "OriginalPages", "str"),
            ("original_date", "OriginalDate", "str"),
            ("scan_sha256", "ScanSha256", "str"),
            ("scan_pages", "ScanPages", "int"),
            ("transcribed_by", "TranscribedBy", "str"),
            ("compared_by", "ComparedBy", "str"),
            ("compared_on", "ComparedOn", "str"),
        ],
    ),
)
_CONTENT_1_2 = _replace(_CONTENT_1_1, ["signers"], _after(_DIGITISATION))
_CONTENT = {"1.0": _CONTENT_1_0, "1.1": _CONTENT_1_1, "1.2": _CONTENT_1_2}


def namespace_of(version: str) -> str:
    return f"urn:hocbaso:record:{version}"


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


def _build(parent: etree._Element, fields: list[tuple[str, str, Any]], data: Any, path: str, ns: str) -> None:
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
            element = etree.SubElement(parent, ns + name)
            if kind[0] == "list":
                if not isinstance(value, list):
                    raise _invalid(where, "expected a list")
                for index, item in enumerate(value):
                    _build(etree.SubElement(element, ns + kind[1]), kind[2], item, f"{where}[{index}]", ns)
            else:
                _build(element, kind[1], value, where, ns)
        elif value is None:
            if not kind.endswith("?"):
                raise _invalid(where, "missing")
        else:
            etree.SubElement(parent, ns + name).text = _text(kind, value, where)
    extra = set(data) - {key for key, _name, _kind in fields}
    if extra:
        raise _invalid(path or "/", f"unknown keys {sorted(extra)}")


def build_xml(data: dict[str, Any]) -> bytes:
    """The canonical XML of ``data`` in the format its ``format_version`` names (1.1 for new
    records; see the module docstring); validated before it is returned."""
    version = data.get("format_version")
    if version not in FORMAT_VERSIONS:
        raise _invalid("format_version", f"this code writes formats {', '.join(FORMAT_VERSIONS)}")
    namespace = namespace_of(version)
    ns = f"{{{namespace}}}"
    root = etree.Element(ns + "Record", nsmap={None: namespace})
    root.set("formatVersion", version)
    content = etree.SubElement(root, ns + "Content")
    content.set("Id", CONTENT_ID)
    body = {key: value for key, value in data.items() if key != "format_version"}
    try:
        _build(content, _CONTENT[version], body, "", ns)
    except ValueError as exc:  # lxml refuses control characters that XML 1.0 cannot carry
        raise _invalid("/", str(exc)) from None
    etree.indent(root, space="  ")
    xml: bytes = _DECLARATION + etree.tostring(root, encoding="UTF-8") + b"\n"
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


def _parse(element: etree._Element, fields: list[tuple[str, str, Any]], ns: str) -> dict[str, Any]:
    children: dict[str, list[etree._Element]] = {}
    for child in element:
        if isinstance(child.tag, str):
            children.setdefault(child.tag, []).append(child)
    out: dict[str, Any] = {}
    for key, name, kind in fields:
        found = children.get(ns + name, [])
        child = found[0] if found else None
        if isinstance(kind, tuple):
            if child is None:
                out[key] = None
            elif kind[0] == "list":
                out[key] = [_parse(item, kind[2], ns) for item in child if item.tag == ns + kind[1]]
            else:
                out[key] = _parse(child, kind[1], ns)
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


def _version_of(root: etree._Element) -> str:
    """The format a root declares by its namespace (the one thing a reader dispatches on)."""
    for version in FORMAT_VERSIONS:
        if root.tag == f"{{{namespace_of(version)}}}Record":
            return version
    raise RecordXmlInvalid(
        _("The record XML does not match its schema: %(error)s") % {"error": f"unknown root element {root.tag}"}
    )


def parse_xml(xml_bytes: bytes) -> dict[str, Any]:
    """The record data of a (valid) record XML of any known format; the inverse of ``build_xml``."""
    root = _validated_root(xml_bytes)
    version = _version_of(root)
    ns = f"{{{namespace_of(version)}}}"
    content = root.find(ns + "Content")
    assert content is not None  # the schema requires it
    return {"format_version": root.get("formatVersion"), **_parse(content, _CONTENT[version], ns)}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Parsed data of any format in the current (1.1) shape, for display: 1.0 data gets the new
    fields empty (no codes, no summer values, no plan, dated on its assembly day). The stored
    XML is never rewritten. Format 1.2 is 1.1 with an optional element more: returned as it is."""
    if data.get("format_version") in (FORMAT_VERSION, DIGITISED_FORMAT_VERSION):
        return data
    out = copy.deepcopy(data)
    out["school"] = {**out["school"], "department_code": "", "level_code": ""}
    out["student"] = {
        **out["student"],
        "ethnicity_code": "",
        "nationality_code": "",
        "policy_beneficiary": "",
        "disability": "",
    }
    year = out["year"]
    year["dated_on"] = out["assembled_on"]
    year["individual_plan"] = None
    for group in ("subjects", "qualities", "general_competencies", "specific_competencies"):
        for item in year[group]:
            item["summer"] = None
    year["completion"] = {**year["completion"], "decision": (year.get("remediation") or {}).get("decision", "")}
    out["format_version"] = FORMAT_VERSION
    return out


@cache
def _schema(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"hocbaso-record-{version}.xsd")))


def _final_rules(root: etree._Element, ns: str) -> list[str]:
    """Rules XSD 1.0 cannot express: a final record has every year-end rating and a year result
    (a summer value may re-assess a score alone)."""
    if root.findtext(f"{ns}Content/{ns}Status") != "final":
        return []
    problems = []
    for rating in root.iterfind(f"{ns}Content/{ns}Year//{ns}Rating"):
        item = rating.getparent()
        if not rating.text and item is not None and item.tag != ns + "Summer":
            code = item.findtext(ns + "Code")
            problems.append(f"a final record has no rating for {code}")
    if not root.findtext(f"{ns}Content/{ns}Year/{ns}Result"):
        problems.append("a final record has no year result")
    return problems


def validate_xml(xml_bytes: bytes) -> None:
    """Raise ``RecordXmlInvalid`` (``xml_invalid``) unless ``xml_bytes`` is a valid record XML of
    a known format (its namespace picks the schema)."""
    _validated_root(xml_bytes)


def _validated_root(xml_bytes: bytes) -> etree._Element:
    """The root of ``xml_bytes`` once :func:`validate_xml`'s checks passed (parsed once, for
    :func:`parse_xml` to read; validation does not change the tree)."""
    root = _parse_root(xml_bytes)
    version = _version_of(root)
    schema = _schema(version)
    try:
        valid = schema.validate(root)
    except etree.XMLSchemaValidateError as exc:
        raise RecordXmlInvalid(_("The record XML does not match its schema: %(error)s") % {"error": str(exc)}) from None
    if not valid:
        error = schema.error_log.last_error
        detail = f"line {error.line}: {error.message}" if error is not None else "invalid"
        raise RecordXmlInvalid(_("The record XML does not match its schema: %(error)s") % {"error": detail})
    problems = _final_rules(root, f"{{{namespace_of(version)}}}")
    if problems:
        raise RecordXmlInvalid(_("The record XML breaks a rule: %(error)s") % {"error": "; ".join(problems)})
    return root


def xml_sha256(xml_bytes: bytes) -> str:
    """Hex SHA-256 of the XML bytes exactly as stored."""
    return hashlib.sha256(xml_bytes).hexdigest()
