"""The demo province loads with everything the tour promises, and loading again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from hocbaso.assessments.models import AssessmentEntry, StudentYear
from hocbaso.directory.models import AdministrativeUnit, ClassGroup, School, SchoolYearSetting, Student, UnitKind


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
    assert AssessmentEntry.objects.filter(school_year__code="2025-2026", point="mid1").exists()
    assert not AssessmentEntry.objects.filter(school_year__code="2025-2026", point="year_end").exists()

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
    assert client.login(username="hieutruong.letrungdinh", password="hocbaso-demo")
    assert "Trường Tiểu học Lê Trung Đình" in client.get("/").content.decode()
