"""The batch document alone (no database, no signature): built deterministically, valid against
the schema kept in the repository, and every fault named by its row."""

from __future__ import annotations

import copy
import uuid

from lxml import etree

from hocbaso.records.samples import (
    as_format_1_0,
    sample_individual_plan_data,
    sample_record_data,
    sample_remediated_data,
)
from hocbaso.reporting.ministry import batch

NS = f"{{{batch.NAMESPACE}}}"
HEADER = {
    "BatchId": "51-2024-2025-test",
    "DepartmentCode": "51",
    "DepartmentName": "Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi",
    "SchoolYear": "2024-2025",
    "Kind": "delta",
    "MappingVersion": "2025.1-reconstructed",
    "CreatedAt": "2025-07-15T08:00:00+07:00",
}


def _data() -> list[dict]:
    found = [
        sample_record_data(),
        sample_remediated_data(),
        sample_individual_plan_data(),
        as_format_1_0(sample_record_data()),
    ]
    for data in found:
        data["record_id"] = str(uuid.uuid4())
        data["status"] = "final"  # only issued versions are sent (a draft is refused: see below)
    return found


def _entries(datas: list[dict]) -> list[batch.Entry]:
    return [
        batch.entry_for(data, ref=f"r{n}", record_xml_sha256=f"{n:064x}", department_code="51")
        for n, data in enumerate(datas, start=1)
    ]


def test_a_batch_of_every_kind_of_record_is_valid_and_deterministic() -> None:
    entries = _entries(_data())
    xml = batch.build(HEADER, entries)
    assert xml == batch.build(HEADER, entries)
    checked = batch.check(xml)
    assert checked.problems == []
    assert checked.header["RowCount"] == "4"
    assert [(r.ref, r.record_id, r.version, r.department_code) for r in checked.rows] == [
        (e.ref, e.record_id, e.version, "51") for e in entries
    ]
    assert "Nguyễn Thị Thu Hằng".encode() in xml  # UTF-8 as is, not character references


def test_one_invalid_row_names_that_row_and_only_it() -> None:
    datas = _data()
    datas[1]["student"]["gender"] = 7  # QCVN 109 has 0, 1, 2
    datas[1]["year"]["subjects"][0]["score"] = 11
    checked = batch.check(batch.build(HEADER, _entries(datas)))
    assert checked.problems
    assert {(p.code, p.ref, p.record_id) for p in checked.problems} == {("schema_invalid", "r2", datas[1]["record_id"])}
    assert any("gioitinh" in p.detail for p in checked.problems)
    assert any("diemktdk" in p.detail for p in checked.problems)


def test_a_row_changed_after_building_no_longer_matches_the_manifest() -> None:
    root = etree.fromstring(batch.build(HEADER, _entries(_data())))
    name = root.find(f".//{NS}thongtinsohocbasotieuhoc[@Ref='r3']/{NS}hovaten")
    assert name is not None
    name.text = "Tên Khác"
    checked = batch.check(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert [(p.code, p.ref) for p in checked.problems] == [("row_hash_mismatch", "r3")]


def test_a_row_removed_or_doubled_is_found() -> None:
    root = etree.fromstring(batch.build(HEADER, _entries(_data())))
    rows = root.find(f".//{NS}Rows")
    assert rows is not None
    rows.remove(rows[0])
    rows.append(copy.deepcopy(rows[0]))
    codes = {(p.code, p.ref) for p in batch.check(etree.tostring(root)).problems}
    assert codes == {("row_ref_repeated", "r2"), ("manifest_entry_without_row", "r1")}


def test_a_rows_hash_depends_on_its_content_only() -> None:
    datas = _data()
    first = batch.entry_for(datas[0], ref="r1", record_xml_sha256="a" * 64, department_code="51")
    again = batch.entry_for(datas[0], ref="r77", record_xml_sha256="a" * 64, department_code="51")
    assert batch.entry_sha256(first) == batch.entry_sha256(again)
    manifest = etree.fromstring(batch.build(HEADER, [first])).find(f".//{NS}Entry")
    assert manifest is not None and manifest.get("RowSha256") == batch.entry_sha256(first)
    datas[0]["student"]["full_name"] = "Tên Khác"
    changed = batch.entry_for(datas[0], ref="r1", record_xml_sha256="a" * 64, department_code="51")
    assert batch.entry_sha256(changed) != batch.entry_sha256(first)


def test_hostile_documents_are_refused_before_reading() -> None:
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><MinistryBatch xmlns="urn:hocbaso:ministry-batch:1"/>'
    )
    assert [p.code for p in batch.check(doctype).problems] == ["doctype_refused"]
    assert [p.code for p in batch.check(b"<MinistryBatch").problems] == ["not_well_formed"]
    other = b'<MinistryBatch xmlns="urn:other" FormatVersion="1.0"/>'
    assert [p.code for p in batch.check(other).problems] == ["schema_invalid"]


def test_a_draft_is_never_a_valid_row() -> None:
    datas = _data()
    datas[0]["status"] = "draft"
    problems = batch.check(batch.build(HEADER, _entries(datas))).problems
    assert [(p.code, p.ref) for p in problems] == [("schema_invalid", "r1")]
