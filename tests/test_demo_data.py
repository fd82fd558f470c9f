"""The demo province loads with everything the tour promises, and loading again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from hocbaso.assessments.models import AssessmentEntry, Award, StudentYear
from hocbaso.core.text import hidden_character
from hocbaso.directory import birth_dates
from hocbaso.directory.models import (
    AdministrativeUnit,
    ClassGroup,
    Enrolment,
    School,
    SchoolYearSetting,
    Student,
    UnitKind,
)
from tests.demo_paper_checks import an_vinh_has_a_paper_year_with_its_books_recorded


@pytest.mark.django_db
def test_demo_province(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo-data", "--seed", "1")
    out = capsys.readouterr().out
    for login in ("hieutruong.letrungdinh", "gv3a.letrungdinh", "xa.camthanh", "phong.tpqn", "so.chuyenvien"):
        assert login in out
    assert AdministrativeUnit.objects.filter(kind=UnitKind.DISTRICT).count() == 13
    assert School.objects.count() >= 6
    assert SchoolYearSetting.objects.filter(paper_mode=True).values("school").distinct().count() == 1
    assert ClassGroup.objects.filter(school_year__code="2025-2026").count() == 6 * 10
    students = Student.objects.count()
    assert 1800 < students < 2400
    assert Student.objects.exclude(id_warnings=[]).exists()  # a few deliberately inconsistent IDs
    results = set(StudentYear.objects.filter(school_year__code="2024-2025").values_list("result", flat=True))
    assert {"htxs", "htt", "ht", "cht"} <= results
    assert StudentYear.objects.filter(first_result="cht", remediation_done=True).exclude(result="cht").exists()
    assert StudentYear.objects.filter(result="cht", decision="promoted").exists()
    # grade 5 has no promotion: its non-completers stay in grade 5
    assert StudentYear.objects.filter(class_group__grade=5, result="cht", decision="retained").exists()
    assert not StudentYear.objects.filter(class_group__grade=5, decision="promoted").exists()
    # students on an individual plan, decided by the principal with a note
    assert StudentYear.objects.filter(result="not_classified", plan_completed=True).exclude(plan_note="").exists()
    # summer re-assessments are stored beside the year-end values, never over them
    assert AssessmentEntry.objects.filter(school_year__code="2024-2025", point="summer").exists()
    # awards: proposed by the computation, mostly confirmed by the principal
    assert {"proposed", "confirmed"} <= set(Award.objects.values_list("status", flat=True))
    # the 2025 merger: Kon Tum and the old Quảng Ngãi merged into the new province
    merged = AdministrativeUnit.objects.get(code="51")
    assert set(merged.merged_from.values_list("name", flat=True)) == {"Tỉnh Kon Tum", "Tỉnh Quảng Ngãi"}
    # results of 2024-2025 were computed in 2025, whatever day the demo is loaded
    computed = StudentYear.objects.values_list("result_computed_at", flat=True)
    assert {d.year if d else None for d in computed} == {2025}
    assert AssessmentEntry.objects.filter(school_year__code="2025-2026", point="mid1").exists()
    assert not AssessmentEntry.objects.filter(school_year__code="2025-2026", point="year_end").exists()
    # Every demo pupil passes the input rules of issue 10: names without hidden characters, ages 4-20
    # (by the year) in each enrolled school year.
    enrolled = Enrolment.objects.values_list(
        "student__full_name",
        "student__father_name",
        "student__mother_name",
        "student__date_of_birth",
        "school_year__start_date",
    )
    assert not [row for row in enrolled if any(hidden_character(name) for name in row[:3])]
    assert not [row for row in enrolled if birth_dates.age_problem(row[3], row[4].year)]

    _demo_records_keep_the_names_of_their_assembly_day()
    an_vinh_has_a_paper_year_with_its_books_recorded(out)  # paper mode (tests/demo_paper_checks.py)

    cells = AssessmentEntry.objects.count()
    call_command("demo-data", "--seed", "1")
    assert "already loaded" in capsys.readouterr().out
    assert Student.objects.count() == students
    assert AssessmentEntry.objects.count() == cells


@pytest.mark.django_db
def test_demo_accounts_see_exactly_their_scope(client) -> None:  # type: ignore[no-untyped-def]
    from hocbaso.directory.permissions import visible_schools, visible_students

    call_command("demo-data", "--seed", "1")
    from hocbaso.accounts.models import User

    def schools(username: str) -> set[str]:
        return set(visible_schools(User.objects.get(username=username)).values_list("code", flat=True))

    assert schools("xa.camthanh") == {"51000101"}
    assert schools("phong.tpqn") == {"51000101", "51000102"}
    assert len(schools("so.chuyenvien")) == 6
    assert schools("hieutruong.letrungdinh") == {"51000101"}
    teacher = User.objects.get(username="gv3a.letrungdinh")
    from hocbaso.directory.models import Enrolment

    taught = set(
        Enrolment.objects.filter(class_group__school__code="51000101", class_group__name="3A").values_list(
            "student_id", flat=True
        )
    )
    assert set(visible_students(teacher).values_list("pk", flat=True)) == taught
    # through the real pages: the password, then the demo key's current code (printed by demo-otp)
    from hocbaso.demo.second_factor import current_codes

    signed = client.post("/login/", {"username": "hieutruong.letrungdinh", "password": "hocbaso-demo"})
    assert signed["Location"].startswith("/login/second-factor/")
    assert client.post("/login/second-factor/", {"code": current_codes()[0]}).status_code == 302
    assert "Trường Tiểu học Lê Trung Đình" in client.get("/").content.decode()
    # every account that signs or oversees has the demo key; a subject teacher needs none
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enrolled = set(TOTPDevice.objects.values_list("user__username", flat=True))
    assert {"admin", "so.chuyenvien", "xa.camthanh", "vanthu.letrungdinh", "gv3a.letrungdinh"} <= enrolled
    assert "gv.foreignlanguage1.letrungdinh" not in enrolled


def _demo_records_keep_the_names_of_their_assembly_day() -> None:
    """As ``demo-issue`` does: a record assembled before 1/7/2025 shows the district and the old
    address; a grade-5 non-completer's record, assembled after the summer, says so."""
    from hocbaso.core import clock
    from hocbaso.demo.issuing import ASSEMBLY_DAYS
    from hocbaso.records.actions import assemble
    from hocbaso.records.xml import parse_xml

    def assembled(year: StudentYear, day: object) -> dict:
        with clock.pinned(day):  # type: ignore[arg-type]
            return parse_xml(assemble(by=None, student=year.student, class_group=year.class_group).xml)

    years = StudentYear.objects.filter(school_year__code="2024-2025", class_group__school__code="51000201")
    htxs = years.filter(result="htxs").select_related("student", "class_group").first()
    assert htxs is not None
    before = assembled(htxs, ASSEMBLY_DAYS[0])
    assert [u["name"] for u in before["school"]["units"]] == ["Huyện Bình Sơn"]
    assert before["school"]["address"] == "Thôn Phước Hòa, xã Bình Dương, huyện Bình Sơn, tỉnh Quảng Ngãi"
    assert before["year"]["dated_on"] == "2025-05-26"
    grade_5 = StudentYear.objects.filter(class_group__grade=5, result="cht", decision="retained").first()
    assert grade_5 is not None
    after = assembled(grade_5, ASSEMBLY_DAYS[1])
    assert after["year"]["completion"]["text"] == "Chưa hoàn thành chương trình tiểu học; ở lại lớp 5"
    assert after["year"]["completion"]["promoted"] is None
    assert any(item["summer"] for item in after["year"]["subjects"])  # both values kept


def test_demo_otp_prints_the_demo_code_only_in_demo_mode(settings, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from django.core.management.base import CommandError

    from hocbaso.demo.second_factor import DEMO_KEY_BASE32, current_codes

    before = current_codes()
    call_command("demo-otp")
    printed = capsys.readouterr().out
    assert printed.split()[0] in {*before, *current_codes()}
    assert DEMO_KEY_BASE32 in printed
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("demo-otp")
