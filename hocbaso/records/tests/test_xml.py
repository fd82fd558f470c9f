"""The canonical record XML: schema, round trip, determinism, normalisation."""

from __future__ import annotations

import copy
import unicodedata

import pytest
from lxml import etree

from hocbaso.records.samples import sample_record_data, sample_remediated_data
from hocbaso.records.xml import NAMESPACE, RecordXmlInvalid, build_xml, parse_xml, validate_xml, xml_sha256

NS = f"{{{NAMESPACE}}}"


@pytest.mark.parametrize("data", [sample_record_data(), sample_remediated_data()], ids=["grade5", "remediated"])
def test_round_trip(data):
    xml = build_xml(data)
    validate_xml(xml)
    assert parse_xml(xml) == data


def test_output_is_deterministic_and_declared_utf8():
    first = build_xml(sample_record_data())
    second = build_xml(copy.deepcopy(sample_record_data()))
    assert first == second
    assert xml_sha256(first) == xml_sha256(second)
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Record xmlns="urn:hocbaso:record:1.1"')
    assert "Nguyễn Thị Thu Hằng".encode() in first  # raw UTF-8, no character references


def test_key_order_does_not_change_the_bytes():
    data = sample_record_data()
    reordered = dict(reversed(list(data.items())))
    reordered["student"] = dict(reversed(list(data["student"].items())))
    assert build_xml(reordered) == build_xml(data)


def test_nfd_input_is_stored_as_nfc():
    data = sample_record_data()
    nfd = copy.deepcopy(data)
    nfd["student"]["full_name"] = unicodedata.normalize("NFD", data["student"]["full_name"])
    nfd["year"]["subjects"][0]["comment"] = unicodedata.normalize("NFD", data["year"]["subjects"][0]["comment"])
    assert nfd["student"]["full_name"] != data["student"]["full_name"]
    assert build_xml(nfd) == build_xml(data)
    assert parse_xml(build_xml(nfd))["student"]["full_name"] == "Nguyễn Thị Thu Hằng"


def test_line_ends_are_folded():
    data = sample_record_data()
    data["year"]["general_comment"] = "Dòng một\r\nDòng hai\rDòng ba"
    assert parse_xml(build_xml(data))["year"]["general_comment"] == "Dòng một\nDòng hai\nDòng ba"


def test_numbers_round_trip_with_their_type():
    data = sample_record_data()
    data["year"]["height_cm"] = 140
    data["year"]["weight_kg"] = 30.25
    parsed = parse_xml(build_xml(data))["year"]
    assert (parsed["height_cm"], type(parsed["height_cm"])) == (140, int)
    assert (parsed["weight_kg"], type(parsed["weight_kg"])) == (30.25, float)


def test_sha256_is_of_the_bytes():
    xml = build_xml(sample_record_data())
    assert xml_sha256(xml) == __import__("hashlib").sha256(xml).hexdigest()
    assert len(xml_sha256(xml)) == 64


def _with(path: list, value):
    data = sample_record_data()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


BAD_DATA = [
    ("subject rating", ["year", "subjects", 0, "rating"], "A"),
    ("quality rating uses the subject scale", ["year", "qualities", 0, "rating"], "H"),
    ("score above 10", ["year", "subjects", 0, "score"], 11),
    ("decimal score", ["year", "subjects", 0, "score"], 8.5),
    ("gender code", ["student", "gender"], 3),
    ("date of birth", ["student", "date_of_birth"], "12/09/2014"),
    ("personal id length", ["student", "personal_id"], "05131401234"),
    ("issuance code", ["issuance_code"], "HB-1234"),
    ("result", ["year", "result"], "gioi"),
    ("status", ["status"], "signed"),
    ("grade", ["year", "grade"], 6),
    ("school year", ["year", "school_year"], "2024"),
    ("student name", ["student", "full_name"], ""),
    ("missing key", ["year", "completion"], {"completed_grade": True}),
    ("unknown key", ["student", "nickname"], "Bé Na"),
    ("wrong type", ["year", "days_absent"], "hai"),
    ("boolean as text", ["year", "completion", "completed_grade"], "true"),
    ("control character", ["year", "general_comment"], "bad \x07 bell"),
    ("final without a rating", ["year", "subjects", 0, "rating"], ""),
    ("final without a result", ["year", "result"], ""),
]


@pytest.mark.parametrize(("label", "path", "value"), BAD_DATA, ids=[row[0] for row in BAD_DATA])
def test_bad_data_is_refused(label, path, value):
    with pytest.raises(RecordXmlInvalid) as caught:
        build_xml(_with(path, value))
    assert caught.value.code == "xml_invalid"
    assert str(caught.value)


def test_a_draft_may_lack_ratings_and_result():
    data = sample_record_data(status="draft")
    data["year"]["subjects"][0]["rating"] = ""
    data["year"]["result"] = ""
    assert parse_xml(build_xml(data)) == data


def _tamper(xml: bytes, edit) -> bytes:
    root = etree.fromstring(xml)
    edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_validate_reports_the_xsd_message():
    xml = build_xml(sample_record_data())
    bad = _tamper(xml, lambda r: setattr(r.find(f".//{NS}Year/{NS}Grade"), "text", "9"))
    with pytest.raises(RecordXmlInvalid) as caught:
        validate_xml(bad)
    assert caught.value.code == "xml_invalid"
    assert "Grade" in str(caught.value)


@pytest.mark.parametrize(
    "xml",
    [
        b"not xml",
        b'<?xml version="1.0"?><Record xmlns="urn:other"/>',
        b'<Record xmlns="urn:hocbaso:record:1.1" formatVersion="2.0"/>',
    ],
)
def test_validate_refuses_foreign_documents(xml):
    with pytest.raises(RecordXmlInvalid):
        validate_xml(xml)


def test_foreign_children_are_refused_inside_content_but_signatures_allowed_after_it():
    xml = build_xml(sample_record_data())
    ds = "http://www.w3.org/2000/09/xmldsig#"

    def add_signature(root):
        sig = etree.SubElement(root, f"{{{ds}}}Signature")
        etree.SubElement(sig, f"{{{ds}}}SignedInfo")

    signed = _tamper(xml, add_signature)
    validate_xml(signed)
    assert parse_xml(signed) == sample_record_data()

    def add_own_namespace_element(root):
        etree.SubElement(root, f"{NS}Extra")

    with pytest.raises(RecordXmlInvalid):
        validate_xml(_tamper(xml, add_own_namespace_element))


def test_entities_are_not_expanded():
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Record xmlns="urn:hocbaso:record:1.1" formatVersion="1.0">&x;</Record>'
    )
    with pytest.raises(RecordXmlInvalid):
        parse_xml(evil)


def test_content_carries_the_id_signatures_reference():
    root = etree.fromstring(build_xml(sample_record_data()))
    children = [child for child in root if child.get("Id")]
    assert [child.tag for child in children] == [f"{NS}Content"]
    assert children[0].get("Id") == "content"


# ---- format 1.1 and records issued in 1.0 ----


def test_format_1_1_round_trips_every_sample():
    from hocbaso.records.samples import sample_individual_plan_data

    for data in (sample_record_data(), sample_remediated_data(), sample_individual_plan_data()):
        xml = build_xml(data)
        assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Record xmlns="urn:hocbaso:record:1.1"')
        assert parse_xml(xml) == data


def test_a_record_issued_in_format_1_0_still_validates_and_parses():
    from hocbaso.records.samples import as_format_1_0
    from hocbaso.records.xml import upgrade

    old = as_format_1_0(sample_record_data())
    xml = build_xml(old)
    assert b'xmlns="urn:hocbaso:record:1.0" formatVersion="1.0"' in xml
    validate_xml(xml)
    assert parse_xml(xml) == old
    lifted = upgrade(parse_xml(xml))
    assert lifted["format_version"] == "1.1"
    assert lifted["year"]["dated_on"] == old["assembled_on"]
    assert lifted["student"]["ethnicity_code"] == ""


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"urn:hocbaso:record:1.1", b"urn:hocbaso:record:9.9"),  # an unknown format is refused
        (b'formatVersion="1.1"', b'formatVersion="1.0"'),  # a 1.1 body cannot pass as 1.0
    ],
)
def test_unknown_or_mismatched_formats_are_refused(old, new):
    xml = build_xml(sample_record_data()).replace(old, new)
    with pytest.raises(RecordXmlInvalid):
        validate_xml(xml)


def test_a_1_1_body_under_the_1_0_namespace_is_refused():
    xml = build_xml(sample_record_data()).replace(b"urn:hocbaso:record:1.1", b"urn:hocbaso:record:1.0")
    with pytest.raises(RecordXmlInvalid):
        validate_xml(xml)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["student", "ethnicity_code"], "1"),
        (["student", "nationality_code"], "vn"),
        (["year", "completion", "decision"], "skipped"),
        (["year", "dated_on"], "26/05/2025"),
    ],
)
def test_new_fields_are_typed(path, value):
    data = sample_record_data()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(RecordXmlInvalid):
        build_xml(data)
