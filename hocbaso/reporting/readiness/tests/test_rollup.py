"""The roll-up against hand-counted data, on the dated tree, for each officer's scope.

The world: province → district (until 30/6/2025: school A) and communes 1 (school A from 1/7/2025)
and 2 (school B). Three more schools are added under commune 1 so the counts are not all ones:
C (declared paper, paper mode set), D (not declared, paper mode set), E (declared digital).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hocbaso.core import clock
from hocbaso.directory.models import School, SchoolUnitLink, SchoolYearSetting
from hocbaso.reporting.readiness import figures
from hocbaso.reporting.readiness.models import ReadinessDeclaration
from hocbaso.signing.models import CredentialKind, SigningCredential
from hocbaso.testing import World, add_previous_year, appoint, make_user


def declare(school: School, year: Any, by: Any, revision: int = 1, **values: Any) -> None:
    """Test setup: a declaration row written directly (the rules are the action's, tested elsewhere)."""
    base = {"computers": 0, "internet": "stable", "staff_total": 10, "certified_staff": 0, "trained_staff": 0}
    ReadinessDeclaration.objects.create(
        school=school,
        school_year=year,
        revision=revision,
        declared_by=by,
        declared_at=clock.now(),
        **{**base, "intention": "digital", **values},
    )


def credential(user: Any, n: int, *, organisation: bool = False, school: School | None = None, **dates: Any) -> None:
    SigningCredential.objects.create(
        staff=user.staff,
        kind=CredentialKind.PKCS12,
        label=f"c{n}",
        certificate_pem="-",
        fingerprint=f"{n:064d}",
        subject_name="x",
        not_before=dates.get("not_before", dt.datetime(2025, 1, 1, tzinfo=dt.UTC)),
        not_after=dates.get("not_after", dt.datetime(2027, 1, 1, tzinfo=dt.UTC)),
        for_organisation=organisation,
        school=school,
    )


@pytest.fixture
def province(world: World) -> dict[str, Any]:
    by = world.users["principal"]
    extra = {}
    for code in "CDE":
        school = School.objects.create(code=code, name=f"Trường Tiểu học {code}")
        SchoolUnitLink.objects.create(school=school, unit=world.commune1, valid_from=dt.date(2025, 7, 1))
        extra[code] = school
    year = world.year
    # 2025-2026, hand-counted below
    declare(
        world.school_a, year, by, computers=5, internet="unstable", staff_total=20, certified_staff=3, trained_staff=10
    )
    declare(
        world.school_a,
        year,
        by,
        revision=2,
        computers=8,
        internet="stable",
        staff_total=20,
        certified_staff=4,
        trained_staff=12,
    )
    declare(
        extra["C"],
        year,
        by,
        computers=1,
        internet="none",
        staff_total=6,
        certified_staff=0,
        trained_staff=2,
        intention="paper",
    )
    declare(extra["E"], year, by, computers=12, internet="stable", staff_total=15, certified_staff=15, trained_staff=15)
    for school in (extra["C"], extra["D"]):
        SchoolYearSetting.objects.create(school=school, school_year=year, paper_mode=True)
    SchoolYearSetting.objects.create(school=world.school_b, school_year=year, paper_mode=False)
    # credentials in the system: school A's homeroom and principal; an expired one; a seal (not a person)
    credential(world.users["homeroom"], 1)
    credential(world.users["principal"], 2)
    credential(world.users["teacher"], 3, not_after=dt.datetime(2025, 3, 1, tzinfo=dt.UTC))  # ended before 2025-2026
    credential(world.users["clerk"], 4, organisation=True, school=world.school_a)
    e_teacher = make_user("e_teacher", school=extra["E"])
    appoint(e_teacher, "principal", school=extra["E"])
    credential(e_teacher, 5)
    # 2024-2025: school A under the district declared
    past = add_previous_year(world)
    declare(
        world.school_a,
        past.year,
        by,
        computers=2,
        internet="none",
        staff_total=18,
        certified_staff=0,
        trained_staff=1,
        intention="paper",
    )
    return {"extra": extra, "past": past}


def table(user: Any, year: Any) -> dict[str, tuple[int, ...]]:
    """{unit name: (schools, declared, not declared, digital, paper, paper mode, computers, no internet,
    certified declared, certified in the system, trained, staff)}."""
    found: dict[str, tuple[int, ...]] = {}
    for row in figures.rollup(user, year).rows:
        c = row.counts
        name = row.unit.name if row.unit else "—"
        found[name] = (
            c.schools,
            c.declared,
            len(c.not_declared),
            c.digital,
            c.paper,
            c.paper_mode,
            c.computers,
            c.no_internet,
            c.certified_staff,
            c.certified_computed,
            c.trained_staff,
            c.staff_total,
        )
    return found


@pytest.mark.django_db
def test_the_province_officer_sees_the_hand_counted_tree(world: World, province: dict[str, Any]) -> None:
    rows = table(world.users["province_officer"], world.year)
    # commune 1: A (rev. 2: 8 computers, 4/20 certified, 12 trained, 2 credentials: homeroom and principal;
    # the teacher's expired in March 2025), C (paper, 1, no internet, 0/6, 2), D (nothing),
    # E (12, 15/15, 15, 1 credential)
    assert rows["Xã Bình Sơn"] == (4, 3, 1, 2, 1, 2, 21, 1, 19, 3, 29, 41)
    assert rows["Phường Cẩm Thành"] == (1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert rows["Tỉnh Quảng Ngãi"] == (5, 3, 2, 2, 1, 2, 21, 1, 19, 3, 29, 41)
    assert "Huyện Bình Sơn" not in rows  # no school counts under the abolished district in 2025-2026
    data = figures.rollup(world.users["province_officer"], world.year)
    assert [r.unit.name for r in data.rows if r.unit] == ["Tỉnh Quảng Ngãi", "Phường Cẩm Thành", "Xã Bình Sơn"]
    assert [r.depth for r in data.rows] == [0, 1, 1]
    commune = next(r for r in data.rows if r.unit and r.unit.name == "Xã Bình Sơn")
    assert [s.name for s in commune.not_declared] == ["Trường Tiểu học D"]


@pytest.mark.django_db
def test_the_legacy_year_counts_under_the_district(world: World, province: dict[str, Any]) -> None:
    past = province["past"].year
    rows = table(world.users["province_officer"], past)
    # A, 2024-2025: three people held a credential during that year (the teacher's ended in March 2025)
    assert rows["Huyện Bình Sơn"] == (1, 1, 0, 0, 1, 0, 2, 1, 0, 3, 1, 18)
    assert rows["—"][:3] == (4, 0, 4)  # B, C, D, E had no unit before 1/7/2025
    assert table(world.users["district_officer"], past) == {
        "Tỉnh Quảng Ngãi": rows["Huyện Bình Sơn"],
        "Huyện Bình Sơn": rows["Huyện Bình Sơn"],
    }
    assert table(world.users["district_officer"], world.year) == {}  # nothing after its abolition


@pytest.mark.django_db
def test_each_commune_sees_its_own_schools(world: World, province: dict[str, Any]) -> None:
    assert set(table(world.users["officer"], world.year)) == {"Tỉnh Quảng Ngãi", "Xã Bình Sơn"}
    assert table(world.users["officer2"], world.year) == {
        "Tỉnh Quảng Ngãi": (1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        "Phường Cẩm Thành": (1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    }
    assert table(world.users["principal"], world.year) == {
        "Tỉnh Quảng Ngãi": (1, 1, 0, 1, 0, 0, 8, 0, 4, 2, 12, 20),
        "Xã Bình Sơn": (1, 1, 0, 1, 0, 0, 8, 0, 4, 2, 12, 20),
    }
    for persona in ["homeroom", "teacher", "clerk", "stranger"]:
        assert table(world.users[persona], world.year) == {}, persona


@pytest.mark.django_db
def test_the_page_shows_the_figures_and_who_has_not_declared(
    world: World, province: dict[str, Any], login: Any
) -> None:
    body = login("officer2").get("/readiness/?year=2025-2026").content.decode()
    assert "Trường Tiểu học B" in body and "Chưa khai báo:" in body
    assert "Trường Tiểu học A" not in body and "Trường Tiểu học C" not in body
    page = login("officer").get(f"/readiness/schools/{world.school_a.pk}/?year=2025-2026")
    text = page.content.decode()
    assert "4 khai báo · 2 trên hệ thống" in text
    assert text.count("<tr><td>") >= 2  # both revisions in the history
    assert login("officer2").get(f"/readiness/schools/{world.school_a.pk}/").status_code == 404
    past = login("district_officer")
    assert past.get(f"/readiness/schools/{world.school_a.pk}/?year=2024-2025").status_code == 200
    assert past.get(f"/readiness/schools/{world.school_a.pk}/?year=2025-2026").status_code == 404


@pytest.mark.django_db
def test_paper_mode_is_shown_beside_the_declared_intention(world: World, province: dict[str, Any], login: Any) -> None:
    text = login("officer").get(f"/readiness/schools/{province['extra']['D'].pk}/?year=2025-2026").content.decode()
    assert "chưa khai báo" in text
    assert "Chế độ học bạ giấy năm học này (đã đặt)</th><td>có" in text
