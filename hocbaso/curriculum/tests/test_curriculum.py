"""The GDPT 2018 primary curriculum as data: what `migrate` provides, idempotent loading, and
each grade's catalogue against Thông tư 27 (domain.md §2.1, §2.3, §2.4)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hocbaso.curriculum import models
from hocbaso.curriculum.catalogue import catalogue_for, clear_cache, version_for_year
from hocbaso.curriculum.loading import catalogue_from_data, load, load_curriculum, read

DATA = read("gdpt2018-primary")
COMMON = ["vietnamese", "math", "ethics", "physical_education", "music", "fine_arts", "experiential_activities"]
SUBJECTS = {
    1: {*COMMON, "nature_society"},
    2: {*COMMON, "nature_society"},
    3: {*COMMON, "nature_society", "foreign_language_1", "informatics_technology"},
    4: {*COMMON, "foreign_language_1", "history_geography", "science", "informatics_technology"},
    5: {*COMMON, "foreign_language_1", "history_geography", "science", "informatics_technology"},
}
OPTIONAL = {1: {"foreign_language_1", "ethnic_language"}, 2: {"foreign_language_1", "ethnic_language"}}
G3 = {"vietnamese", "math", "foreign_language_1", "informatics_technology"}
G45 = G3 | {"history_geography", "science"}
MATRIX = {  # grade → point → subjects with a periodic test
    1: {"mid1": set(), "end1": {"vietnamese", "math"}, "mid2": set(), "year_end": {"vietnamese", "math"}},
    2: {"mid1": set(), "end1": {"vietnamese", "math"}, "mid2": set(), "year_end": {"vietnamese", "math"}},
    3: {"mid1": set(), "end1": G3, "mid2": set(), "year_end": G3},
    4: {"mid1": {"vietnamese", "math"}, "end1": G45, "mid2": {"vietnamese", "math"}, "year_end": G45},
    5: {"mid1": {"vietnamese", "math"}, "end1": G45, "mid2": {"vietnamese", "math"}, "year_end": G45},
}


@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_catalogue_matches_thong_tu_27(grade: int) -> None:
    catalogue = catalogue_from_data(DATA, grade)
    optional = OPTIONAL.get(grade, {"ethnic_language"})
    assert {i.code for i in catalogue.subjects if not i.optional} == SUBJECTS[grade]
    assert {i.code for i in catalogue.subjects if i.optional} == optional
    groups = [i.group for i in catalogue.competencies]
    specific = 5 if grade <= 2 else 7
    assert (groups.count("quality"), groups.count("general"), groups.count("specific")) == (5, 3, specific)
    for point, tested in MATRIX[grade].items():
        assert {code for code, p in catalogue.test_cells if p == point} == tested
    assert catalogue.scales["subject"] == {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}
    assert catalogue.scales["competency"] == {"T": "Tốt", "Đ": "Đạt", "C": "Cần cố gắng"}
    assert catalogue.scales["score"] == {"min": 0, "max": 10, "decimals": 0}
    assert [p.short for p in catalogue.points] == ["GHK1", "CHK1", "GHK2", "CN"]


def test_names_are_official_and_nfc() -> None:
    import unicodedata

    names = {s["code"]: s["name"] for s in DATA["subjects"]}
    assert names["vietnamese"] == "Tiếng Việt"
    assert names["nature_society"] == "Tự nhiên và Xã hội"
    assert names["history_geography"] == "Lịch sử và Địa lí"
    assert names["fine_arts"] == "Mĩ thuật"
    text = str(DATA)
    assert unicodedata.normalize("NFC", text) == text


@pytest.mark.django_db
def test_migrate_provides_the_curriculum_and_loading_is_idempotent() -> None:
    def snapshot() -> list[list[Any]]:
        return [
            sorted(models.CurriculumVersion.objects.values_list("pk", "code", "valid_from_year")),
            sorted(models.Subject.objects.values_list("pk", "code", "name", "kind", "order")),
            sorted(models.GradeSubject.objects.values_list("pk", "subject__code", "grade", "optional")),
            sorted(models.TestCell.objects.values_list("pk", "subject__code", "grade", "point__code")),
            sorted(models.AssessmentPoint.objects.values_list("pk", "code", "short_name", "order")),
            sorted(models.Competency.objects.values_list("pk", "code", "group", "order")),
        ]

    before = snapshot()
    assert [code for _pk, code, _year in before[0]] == ["gdpt2018-primary"]
    assert len(before[1]) == 13
    assert len(before[3]) == 2 * 2 * 2 + 4 * 2 + (2 + 2 + 6 + 6) * 2
    assert len(before[5]) == 15
    assert [(code, short) for _pk, code, short, _order in before[4]] == [
        ("mid1", "GHK1"),
        ("end1", "CHK1"),
        ("mid2", "GHK2"),
        ("year_end", "CN"),
    ]
    load_curriculum()
    load_curriculum()
    assert snapshot() == before


@pytest.mark.django_db
def test_reloading_changed_data_follows_the_file() -> None:
    changed = copy.deepcopy(DATA)
    changed["tests"] = [rule for rule in changed["tests"] if rule["grades"] != [3]]
    changed["subjects"][2]["optional_grades"] = [1]  # foreign language no longer offered in grade 2
    changed["points"][3]["short"] = "Cuối năm"
    load(changed)
    assert not models.TestCell.objects.filter(grade=3).exists()
    assert not models.GradeSubject.objects.filter(subject__code="foreign_language_1", grade=2).exists()
    assert models.AssessmentPoint.objects.get(code="year_end").short_name == "Cuối năm"
    load_curriculum()
    clear_cache()
    for grade in range(1, 6):
        assert catalogue_for("gdpt2018-primary", grade) == catalogue_from_data(DATA, grade)


@pytest.mark.django_db
@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_catalogue_for_reads_the_tables(grade: int) -> None:
    clear_cache()
    catalogue = catalogue_for("gdpt2018-primary", grade)
    assert catalogue == catalogue_from_data(DATA, grade)
    assert catalogue.scales == DATA["scales"]
    assert catalogue_for("gdpt2018-primary", grade) is catalogue  # cached per process
    item = catalogue.item("subject", "math")
    assert item is not None
    assert item.name == "Toán"


@pytest.mark.django_db
def test_version_in_force() -> None:
    clear_cache()
    assert version_for_year("2024-2025") == "gdpt2018-primary"
    assert version_for_year("2020-2021") == "gdpt2018-primary"
    with pytest.raises(LookupError):
        version_for_year("2019-2020")
    with pytest.raises(LookupError):
        version_for_year("2024-2025", level="lower_secondary")
