"""Birth dates are bounded: ages 4 to 20 (by the year) in the enrolment's school year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import DomainError
from hocbaso.directory import actions, birth_dates
from hocbaso.directory.models import Enrolment, Student
from hocbaso.directory.tests.test_bad_input import VALID, form_data
from hocbaso.testing import make_student


@pytest.mark.parametrize(
    ("born", "start_year", "code"),
    [
        (dt.date(2019, 12, 31), 2025, None),  # 6: grade 1
        (dt.date(2021, 1, 1), 2025, None),  # 4, the youngest accepted
        (dt.date(2021, 12, 31), 2025, None),  # still 4 by the year
        (dt.date(2022, 1, 1), 2025, "date_of_birth_too_young"),
        (dt.date(2025, 3, 1), 2025, "date_of_birth_too_young"),
        (dt.date(2005, 1, 1), 2025, None),  # 20, the oldest accepted
        (dt.date(2004, 12, 31), 2025, "date_of_birth_too_old"),
        (dt.date(1917, 5, 6), 2025, "date_of_birth_too_old"),  # 1917 typed for 2017
    ],
)
def test_age_rule(born: dt.date, start_year: int, code: str | None) -> None:
    assert birth_dates.age_problem(born, start_year) == code


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (dt.date(2025, 8, 1), 2025),
        (dt.date(2025, 12, 31), 2025),
        (dt.date(2026, 1, 1), 2025),
        (dt.date(2026, 7, 31), 2025),
    ],
)
def test_school_year_of_a_day(day: dt.date, start_year: int) -> None:
    assert birth_dates.school_year_start_of(day) == start_year


def counts() -> tuple[int, int, int]:
    return Student.objects.count(), Enrolment.objects.count(), AuditEvent.objects.count()


def this_year() -> int:
    return birth_dates.school_year_start_of(clock.today())


@pytest.mark.parametrize(
    ("age", "code", "vietnamese"),
    [(3, "date_of_birth_too_young", "sẽ 3 tuổi"), (21, "date_of_birth_too_old", "sẽ 21 tuổi")],
)
def test_student_creation_refuses_an_impossible_age(world, login, age: int, code: str, vietnamese: str) -> None:
    born = dt.date(this_year() - age, 6, 1)
    before = counts()
    with pytest.raises(DomainError) as caught:
        actions.create_student(
            by=world.users["principal"], school=world.school_a, data={**VALID, "date_of_birth": born}
        )
    assert (caught.value.code, caught.value.field) == (code, "date_of_birth")
    assert counts() == before
    page = login("principal").post(
        reverse("directory:student_create", args=[world.school_a.pk]),
        form_data(date_of_birth=born.isoformat(), personal_id=""),
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert vietnamese in html and "từ 4 đến 20 tuổi" in html
    assert counts() == before


def test_student_creation_accepts_the_bounds(world) -> None:
    for age, name in ((4, "Lê Văn Bốn"), (20, "Lê Văn Hai Mươi")):
        born = dt.date(this_year() - age, 12, 31 if age == 4 else 1)
        data = {**VALID, "full_name": name, "personal_id": "", "date_of_birth": born}
        actions.create_student(by=world.users["principal"], school=world.school_a, data=data)


@pytest.mark.parametrize(
    ("born", "code"), [(dt.date(2022, 2, 2), "date_of_birth_too_young"), (dt.date(2004, 6, 1), "date_of_birth_too_old")]
)
def test_enrolment_refuses_an_impossible_age_in_the_classs_year(world, login, born: dt.date, code: str) -> None:
    student = make_student(world.school_a, "Trần Thị Bé", born=born)  # an older row, before the rule
    before = counts()
    with pytest.raises(DomainError) as caught:
        actions.enrol_student(
            by=world.users["principal"], student=student, class_group=world.class_3b, start_date=dt.date(2025, 10, 1)
        )
    assert code in [e.code for e in getattr(caught.value, "errors", [caught.value])]
    assert counts() == before
    page = login("principal").post(
        reverse("directory:enrolment_create", args=[student.pk]),
        {"class_group": world.class_3b.pk, "start_date": "2025-10-01"},
    )
    assert "năm học 2025-2026" in page.content.decode().lower()
    assert counts() == before


def test_changing_a_birth_date_is_checked_against_the_enrolled_years(world) -> None:
    student = world.students["an"]  # enrolled in 3A, 2025-2026
    before = counts()
    with pytest.raises(DomainError) as caught:
        actions.update_student(
            by=world.users["principal"], student=student, data={"date_of_birth": dt.date(2002, 1, 1)}
        )
    assert caught.value.code == "date_of_birth_too_old"
    assert counts() == before
    student.refresh_from_db()
    assert student.date_of_birth != dt.date(2002, 1, 1)
