"""The mapping of a full record to the Ministry's tables, formats 1.0 and 1.1, and the code tables:
what the schema fixes, the mapping produces, column for column."""

from __future__ import annotations

import pytest
from lxml import etree

from hocbaso.directory import codes
from hocbaso.records import ministry
from hocbaso.records.models import Level
from hocbaso.records.samples import (
    as_format_1_0,
    sample_individual_plan_data,
    sample_record_data,
    sample_remediated_data,
)
from hocbaso.reporting.ministry import batch

XS = "{http://www.w3.org/2001/XMLSchema}"


def _schema_columns(type_name: str, element: str | None = None) -> list[str]:
    tree = etree.parse(str(batch.SCHEMA_PATH))
    row = tree.find(f"{XS}complexType[@name='{type_name}']")
    assert row is not None
    sequence = row.find(f"{XS}sequence")
    if element is not None:
        sequence = row.find(f".//{XS}element[@name='{element}']//{XS}sequence")
    assert sequence is not None
    return [e.get("name", "") for e in sequence.findall(f"{XS}element")]


def test_schema_and_mapping_agree_column_for_column() -> None:
    assert _schema_columns("row")[: len(batch.MAIN_COLUMNS)] == list(batch.MAIN_COLUMNS)
    assert _schema_columns("row", "bangdiem") == list(batch.SCORE_COLUMNS)
    assert _schema_columns("row", "hoctap") == list(batch.HISTORY_COLUMNS)
    data = sample_record_data()
    assert set(ministry.record_row(data)) == set(batch.MAIN_COLUMNS)
    assert set(ministry.score_rows(data)[0]) - {"madinhdanhhocba"} == set(batch.SCORE_COLUMNS)
    assert set(ministry.history_rows(data)[0]) - {"madinhdanhhocba"} == set(batch.HISTORY_COLUMNS)


def test_a_full_1_1_record_maps_field_by_field() -> None:
    data = sample_record_data()
    entry = batch.entry_for(data, ref="r1", record_xml_sha256="a" * 64, department_code="51")
    row = entry.row
    assert row == {
        "madinhdanhhocba": data["record_id"],
        "phienban": 1,
        "trangthaithongtinhocba": "final",
        "masogd": "51",
        "matruong": "51000123",
        "macaphoc": "1",
        "mahocsinh": "5100012320200417",
        "madinhdanhcanhan": "051314012345",
        "hovaten": "Nguyễn Thị Thu Hằng",
        "gioitinh": 2,
        "ngaysinh": "2014-09-12",
        "noisinh": "Bệnh viện Đa khoa tỉnh Quảng Ngãi",
        "quequan": "Xã Bình Dương, huyện Bình Sơn, tỉnh Quảng Ngãi",
        "noiohiennay": "Thôn Phú Long, thị trấn Châu Ổ, huyện Bình Sơn, tỉnh Quảng Ngãi",
        "dantoc": "01",
        "quoctich": "VN",
        "doituongchinhsach": "",
        "khuyettat": "",
        "makhoi": 5,
        "namhoc": data["year"]["school_year"],
        "hotencha": "Nguyễn Văn Đức",
        "hotenme": "Lê Khánh Thủy",
        "hotennguoigiamho": "",
        "duoclenlop": "",
        "dahthanhctrinhlophoc": 1,
        "dahthanhctrinhtieuhoc": 1,
        "chucvugiamhieu": row["chucvugiamhieu"],
        "diadanhphathanh": "Huyện Bình Sơn",
        "cokhuyettatkhongdanhgia": 0,
        "ketquagiaoduc": data["year"]["result"],
        "nhanxetchung": data["year"]["general_comment"],
        "chieucao": "138.5",
        "cannang": str(data["year"]["weight_kg"]),
        "songaynghi": 2,
        "phienbananhxa": ministry.MAPPING_VERSION,
    }
    assert row["chucvugiamhieu"] in ("Hiệu trưởng", "KT. Hiệu trưởng Phó Hiệu trưởng")
    assert [s["mamonhoc"] for s in entry.scores] == [
        ministry.SUBJECT_CODES[s["code"]] for s in data["year"]["subjects"]
    ]
    assert entry.history[0] == {
        "namhoc": "2020-2021",
        "lop": "1A",
        "tentruong": "Trường Tiểu học Bình Sơn số 1",
        "sodangbo": "17/2020",
        "ngaynhaphoc": "2020-09-05",
    }
    assert len(entry.history) == len(data["history"])


def test_a_1_0_record_gets_the_sending_department_and_the_primary_level() -> None:
    data = as_format_1_0(sample_record_data())
    assert ministry.record_row(data)["masogd"] == ""  # the record itself does not say
    entry = batch.entry_for(data, ref="r1", record_xml_sha256="a" * 64, department_code="51")
    assert (entry.row["masogd"], entry.row["macaphoc"]) == ("51", "1")
    assert (entry.row["dantoc"], entry.row["quoctich"], entry.row["doituongchinhsach"]) == ("", "", "")
    assert all(s["mucdatduocsauhe"] == "" for s in entry.scores)
    assert ministry.code_problems(data) == [
        "ethnicity_code_unknown",
        "nationality_code_unknown",
        "department_code_missing",
        "level_code_unknown",
    ]


def test_an_individual_plan_is_not_classified_and_a_summer_keeps_both_values() -> None:
    plan = ministry.record_row(sample_individual_plan_data())
    assert (plan["cokhuyettatkhongdanhgia"], plan["ketquagiaoduc"], plan["khuyettat"]) == (1, "", "Khuyết tật trí tuệ")
    summer = {s["mamonhoc"]: s for s in ministry.score_rows(sample_remediated_data())}
    assert (summer["TOAN"]["diemktdk"], summer["TOAN"]["diemktdksauhe"]) == (3, 4)


def test_school_level_codes_cover_every_level_of_a_record() -> None:
    assert set(ministry.LEVEL_CODES) == set(Level.values)
    assert set(ministry.LEVEL_CODES.values()) == set(codes.SCHOOL_LEVELS)
    assert codes.SCHOOL_LEVELS["1"] == "Tiểu học"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["student"].update(ethnicity_code="99"), "ethnicity_code_unknown"),
        (lambda d: d["student"].update(nationality_code="XX"), "nationality_code_unknown"),
        (lambda d: d["school"].update(department_code=""), "department_code_missing"),
        (lambda d: d["school"].update(level_code="9"), "level_code_unknown"),
    ],
)
def test_code_problems_name_what_is_missing(change, problem) -> None:  # type: ignore[no-untyped-def]
    data = sample_record_data()
    assert ministry.code_problems(data) == []
    change(data)
    assert ministry.code_problems(data) == [problem]
