"""The versioned mapping to the Ministry's exchange tables: every curriculum subject has one
Ministry code, the code tables are complete, and a record maps field by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hocbaso.directory import codes
from hocbaso.records import ministry
from hocbaso.records.samples import (
    as_format_1_0,
    sample_individual_plan_data,
    sample_record_data,
    sample_remediated_data,
)

CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum" / "data" / "gdpt2018-primary.json"


def test_every_curriculum_subject_has_one_ministry_code() -> None:
    subjects = {s["code"] for s in json.loads(CURRICULUM.read_text(encoding="utf-8"))["subjects"]}
    assert set(ministry.SUBJECT_CODES) == subjects
    assert len(set(ministry.SUBJECT_CODES.values())) == len(subjects)


def test_the_54_ethnic_groups_have_distinct_codes_and_names() -> None:
    assert list(codes.ETHNICITIES) == [f"{n:02d}" for n in range(1, 55)]
    folded = {codes._fold(name) for name in codes.ETHNICITIES.values()}
    assert len(folded) == 54  # no two names read alike once marks are dropped


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Kinh", "01"),
        ("Hrê", "19"),
        ("H'Mông", "08"),
        ("Mông", "08"),
        ("Xơ Đăng", "14"),
        ("Cơ-tu", "26"),
        ("Co", "30"),
        ("Klingon", ""),
    ],
)
def test_ethnicity_codes_read_names_as_written(name: str, code: str) -> None:
    assert codes.ethnicity_code(name) == code


@pytest.mark.parametrize(("name", "code"), [("Việt Nam", "VN"), ("việt nam", "VN"), ("Lào", "LA"), ("Atlantis", "")])
def test_nationality_codes(name: str, code: str) -> None:
    assert codes.nationality_code(name) == code


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            sample_record_data(),
            {"makhoi": 5, "dahthanhctrinhtieuhoc": 1, "duoclenlop": "", "dantoc": "01", "masogd": "51"},
        ),
        (
            sample_remediated_data(),
            {"makhoi": 4, "dahthanhctrinhlophoc": 0, "dahthanhctrinhtieuhoc": "", "duoclenlop": 1},
        ),
        (
            sample_individual_plan_data(),
            {"cokhuyettatkhongdanhgia": 1, "dahthanhctrinhlophoc": 1, "khuyettat": "Khuyết tật trí tuệ"},
        ),
        (as_format_1_0(sample_record_data()), {"dantoc": "", "masogd": "", "dahthanhctrinhtieuhoc": 1}),
    ],
)
def test_record_rows(data: dict, expected: dict) -> None:
    row = ministry.record_row(data)
    assert {key: row[key] for key in expected} == expected
    assert row["phienbananhxa"] == ministry.MAPPING_VERSION


def test_score_rows_keep_both_values_after_the_summer() -> None:
    rows = {r["mamonhoc"]: r for r in ministry.score_rows(sample_remediated_data())}
    assert (rows["TOAN"]["mucdatduoc"], rows["TOAN"]["diemktdk"]) == ("C", 3)
    assert (rows["TOAN"]["mucdatduocsauhe"], rows["TOAN"]["diemktdksauhe"]) == ("C", 4)
    assert rows["TV"]["mucdatduocsauhe"] == ""
