"""Unit names as written mid-line, dated school addresses and the 2025 merger of provinces."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.core import clock
from hocbaso.directory import naming
from hocbaso.directory.models import AdministrativeUnit, SchoolAddress, UnitKind


@pytest.mark.parametrize(
    ("name", "in_line", "proper"),
    [
        ("Xã Bình Sơn", "xã Bình Sơn", "Bình Sơn"),
        ("Tỉnh Quảng Ngãi", "tỉnh Quảng Ngãi", "Quảng Ngãi"),
        ("Thành phố Quảng Ngãi", "thành phố Quảng Ngãi", "Quảng Ngãi"),
        ("Thị xã Đức Phổ", "thị xã Đức Phổ", "Đức Phổ"),
        ("Đặc khu Lý Sơn", "đặc khu Lý Sơn", "Lý Sơn"),
        ("Phường Cẩm Thành", "phường Cẩm Thành", "Cẩm Thành"),
        ("Huyện  Bình Sơn", "huyện Bình Sơn", "Bình Sơn"),
        ("Bình Sơn", "Bình Sơn", "Bình Sơn"),
    ],
)
def test_unit_names_keep_their_proper_names(name: str, in_line: str, proper: str) -> None:
    assert naming.in_line(name) == in_line
    assert naming.proper_name(name) == proper
    assert f"Ủy ban nhân dân {naming.in_line(name)}".endswith(proper)  # never "xã bình sơn"


@pytest.mark.parametrize(
    ("names", "line"),
    [
        (["Huyện Bình Sơn", "Tỉnh Quảng Ngãi"], "Huyện Bình Sơn, tỉnh Quảng Ngãi"),
        (["Xã Bình Sơn", "Tỉnh Quảng Ngãi"], "Xã Bình Sơn, tỉnh Quảng Ngãi"),
        (["Tỉnh Quảng Ngãi"], "Tỉnh Quảng Ngãi"),
        ([], ""),
    ],
)
def test_address_lines(names: list[str], line: str) -> None:
    assert naming.address_line(names) == line


def test_a_school_address_is_the_one_true_on_the_day(world) -> None:
    school = world.school_a
    school.address = "fallback"
    SchoolAddress.objects.create(
        school=school, address="old", valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2025, 6, 30)
    )
    SchoolAddress.objects.create(school=school, address="new", valid_from=dt.date(2025, 7, 1))
    assert [school.address_on(dt.date(y, m, d)) for y, m, d in [(2019, 1, 1), (2025, 6, 30), (2025, 7, 1)]] == [
        "fallback",
        "old",
        "new",
    ]


def test_the_merged_province_answers_for_the_provinces_merged_into_it(world) -> None:
    merged = AdministrativeUnit.objects.create(
        code="M", name="Tỉnh Quảng Ngãi", kind=UnitKind.PROVINCE, valid_from=dt.date(2025, 7, 1)
    )
    kon_tum = AdministrativeUnit.objects.create(
        code="KT",
        name="Tỉnh Kon Tum",
        kind=UnitKind.PROVINCE,
        valid_from=dt.date(1991, 8, 12),
        valid_to=dt.date(2025, 6, 30),
        merged_into=merged,
    )
    kt_district = AdministrativeUnit.objects.create(
        code="KT-D", name="Huyện Đắk Hà", kind=UnitKind.DISTRICT, parent=kon_tum, valid_from=dt.date(2000, 1, 1)
    )
    world.province.merged_into = merged
    world.province.save(update_fields=["merged_into"])
    found = merged.descendant_ids()
    assert {kon_tum.pk, kt_district.pk, world.province.pk, world.district.pk} <= found
    assert merged.pk not in kon_tum.descendant_ids()


def test_the_clock_can_be_pinned() -> None:
    with clock.pinned(clock.at(2025, 6, 20, 8, 0)) as outer:
        assert clock.now() == outer and clock.today() == dt.date(2025, 6, 20)
        with clock.pinned(clock.at(2025, 8, 25, 23, 30)):
            assert clock.today() == dt.date(2025, 8, 25)  # local date of the pinned moment
        assert clock.now() == outer  # leaving a pin restores the one around it


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"ethnicity": "Hrê"}, ("19", "VN")),
        ({"ethnicity": "H'Mông", "nationality": "Lào"}, ("08", "LA")),
        ({"ethnicity": "Kinh", "ethnicity_code": "04"}, ("04", "VN")),  # a code given is kept
        ({"ethnicity": "Không rõ"}, ("", "VN")),  # unknown name: empty code, never a refusal
    ],
)
def test_ministry_codes_follow_the_names(world, given: dict, expected: tuple[str, str]) -> None:
    from hocbaso.directory import actions
    from hocbaso.directory.tests.test_bad_input import VALID

    student = actions.create_student(
        by=world.users["principal"],
        school=world.school_a,
        data={**VALID, "nationality": "Việt Nam", **given, "policy_beneficiary": "Con thương binh"},
    )
    student.refresh_from_db()
    assert (student.ethnicity_code, student.nationality_code) == expected
    assert student.policy_beneficiary == "Con thương binh"
