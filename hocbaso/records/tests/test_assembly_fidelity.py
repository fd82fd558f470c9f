"""What assembly freezes: year-end values with the summer values beside them, only confirmed
awards, the day of the confirmation as the page date, and the school's names and address as
they were on the assembly day (before or after the 2025 reform)."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.assessments import actions as assessment_actions
from hocbaso.assessments.models import Award, AwardStatus, StudentYear
from hocbaso.core import clock
from hocbaso.directory.models import SchoolAddress
from hocbaso.records import assembly
from hocbaso.records.actions import assemble
from hocbaso.records.tests.conftest import fill_year, open_window
from hocbaso.records.xml import parse_xml

BEFORE_REFORM = clock.at(2025, 6, 20, 9, 0)
AFTER_SUMMER = clock.at(2025, 8, 20, 9, 0)


@pytest.fixture
def dated_school(world):  # type: ignore[no-untyped-def]
    school = world.school_a
    SchoolAddress.objects.create(
        school=school,
        address="Thôn Phước Hòa, xã Bình Dương, huyện Bình Sơn, tỉnh Quảng Ngãi",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2025, 6, 30),
    )
    SchoolAddress.objects.create(
        school=school, address="Thôn Phước Hòa, xã Bình Sơn, tỉnh Quảng Ngãi", valid_from=dt.date(2025, 7, 1)
    )
    open_window(world)
    open_window(world, point="summer")
    return world


def _assemble(world, key: str, moment: dt.datetime) -> dict:  # type: ignore[no-untyped-def]
    with clock.pinned(moment):
        made = assemble(by=world.users["homeroom"], student=world.students[key], class_group=world.class_3a)
    return parse_xml(made.xml)


@pytest.mark.parametrize(
    ("moment", "unit", "address"),
    [
        (BEFORE_REFORM, "Huyện Bình Sơn", "Thôn Phước Hòa, xã Bình Dương, huyện Bình Sơn, tỉnh Quảng Ngãi"),
        (AFTER_SUMMER, "Xã Bình Sơn", "Thôn Phước Hòa, xã Bình Sơn, tỉnh Quảng Ngãi"),
    ],
)
def test_names_and_address_as_on_the_assembly_day(dated_school, moment, unit, address) -> None:
    world = dated_school
    with clock.pinned(clock.at(2025, 5, 26, 16, 0)):
        fill_year(world, "an")
    data = _assemble(world, "an", moment)
    assert data["assembled_on"] == moment.date().isoformat()
    assert [u["name"] for u in data["school"]["units"]] == [unit]
    assert data["school"]["address"] == address
    assert data["year"]["dated_on"] == "2025-05-26"  # the year-end confirmation, not the assembly day


def test_summer_values_sit_beside_the_year_end_values(dated_school) -> None:
    world = dated_school
    with clock.pinned(clock.at(2025, 5, 26, 16, 0)):
        fill_year(world, "binh", rating="H", change={"math:score": 3})
    with clock.pinned(clock.at(2025, 8, 10, 9, 0)):
        assessment_actions.save_cells(
            by=world.users["homeroom"],
            class_group=world.class_3a,
            point="summer",
            writes=[assessment_actions.CellWrite(world.students["binh"].pk, "subject", "math", "score", 6)],
        )
        assessment_actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    year = StudentYear.objects.get(student=world.students["binh"])
    assert (year.first_result, year.result) == ("cht", "ht")
    data = _assemble(world, "binh", AFTER_SUMMER)
    math = next(s for s in data["year"]["subjects"] if s["code"] == "math")
    assert (math["rating"], math["score"]) == ("H", 3)  # the year-end values are not overwritten
    assert math["summer"] == {"rating": "", "score": 6, "comment": ""}
    assert all(s["summer"] is None for s in data["year"]["subjects"] if s["code"] != "math")
    assert data["year"]["remediation"]["first_result"] == "cht"
    assert data["year"]["remediation"]["final_result"] == "ht"
    assert data["year"]["dated_on"] == "2025-08-10"  # dated on the post-summer confirmation


def test_a_year_confirmed_after_the_assembly_day_is_not_frozen(dated_school) -> None:
    world = dated_school
    with clock.pinned(clock.at(2025, 5, 26, 16, 0)):
        fill_year(world, "an")
    with pytest.raises(assembly.YearIncomplete):
        _assemble(world, "an", clock.at(2025, 5, 20, 9, 0))


def test_only_confirmed_awards_are_printed(dated_school) -> None:
    world = dated_school
    with clock.pinned(clock.at(2025, 5, 26, 16, 0)):
        fill_year(world, "an", score=10)
        fill_year(world, "binh", score=10)
    proposed = Award.objects.get(student=world.students["an"])
    assert proposed.status == AwardStatus.PROPOSED
    assert _assemble(world, "an", BEFORE_REFORM)["year"]["awards"] == []
    with clock.pinned(clock.at(2025, 5, 27, 8, 0)):
        assessment_actions.decide_award(
            by=world.users["principal"], award=Award.objects.get(student=world.students["binh"]), confirm=True
        )
    awards = _assemble(world, "binh", BEFORE_REFORM)["year"]["awards"]
    assert [a["title"] for a in awards] == ["Học sinh Xuất sắc"]
