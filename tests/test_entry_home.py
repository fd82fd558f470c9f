"""The home page lists each person's next entry tasks with deadlines and counts: the teacher's
open windows and empty cells (only their own subjects for a subject teacher) and the year page
still to fill; the principal's progress per class and the windows and progress pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from hocbaso.assessments import actions
from hocbaso.core import clock

pytestmark = pytest.mark.django_db


def _open(world, point: str, deadline: dt.date | None = None) -> None:  # type: ignore[no-untyped-def]
    principal = world.users["principal"]
    actions.set_window(by=principal, school=world.school_a, school_year=world.year, point=point, open_=True)
    if deadline:
        actions.set_deadline(
            by=principal, school=world.school_a, school_year=world.year, point=point, deadline=deadline
        )


def test_the_homeroom_teacher_sees_the_open_window_its_deadline_and_empty_cells(world, login) -> None:  # type: ignore[no-untyped-def]
    deadline = min(clock.today() + dt.timedelta(days=10), world.year.end_date)
    _open(world, "mid2", deadline)
    an = world.students["an"]
    actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="mid2",
        writes=[actions.CellWrite(an.pk, "subject", "math", "rating", "T")],
    )
    page = login("homeroom").get(reverse("core:home")).content.decode()
    assert "Nhập đánh giá: việc cần làm" in page
    assert "lớp 3A: còn 49 ô trống" in page  # 2 × (10 subjects + 15 competencies) − 1
    assert reverse("assessments:grid", args=[world.class_3a.pk, "mid2"]) in page
    assert f"hạn {deadline:%d/%m/%Y}" in page
    assert "Trang năm học — lớp 3A: 2 học sinh chưa đủ thông tin" in page
    assert "Tiếng Việt 2, Ngoại ngữ 1 2" in page  # the items with the most empty cells, with their counts


def test_a_subject_teacher_counts_only_their_subject(world, login) -> None:  # type: ignore[no-untyped-def]
    _open(world, "end1")
    page = login("teacher").get(reverse("core:home")).content.decode()
    # 3B has one student; Ngoại ngữ 1 at CHK1 in grade 3: a rating and a test score
    assert "lớp 3B: còn 2 ô trống" in page
    assert "Trang năm học" not in page  # the year page is the homeroom teacher's


def test_with_no_open_window_the_teacher_is_told_so(world, login) -> None:  # type: ignore[no-untyped-def]
    page = login("homeroom").get(reverse("core:home")).content.decode()
    assert "Chưa có đợt nhập liệu nào đang mở cho lớp của bạn." in page
    assert "ô trống" not in page


def test_the_principal_sees_progress_per_class_and_the_entry_pages(world, login) -> None:  # type: ignore[no-untyped-def]
    _open(world, "mid2")
    an = world.students["an"]
    actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="mid2",
        writes=[actions.CellWrite(an.pk, "competency", c, "rating", "T") for c in ("patriotism", "kindness")],
    )
    page = login("principal").get(reverse("core:home")).content.decode()
    assert reverse("assessments:windows", args=[world.school_a.pk]) in page
    assert reverse("assessments:progress", args=[world.school_a.pk]) in page
    assert "Lớp 3A: đã nhập 4%" in page  # 2 of 50 cells
    assert "2/50 ô" in page
    assert "Lớp 3B: đã nhập 0%" in page
    assert "Đang mở" in page
    # no child's name in the principal's progress (counts only)
    section = page[page.index("Tiến độ nhập liệu") :]
    assert "Nguyễn Văn An" not in section


@pytest.mark.parametrize("persona", ["officer", "province_officer", "stranger", "operator"])
def test_people_who_enter_nothing_get_no_entry_tasks(world, login, persona) -> None:  # type: ignore[no-untyped-def]
    _open(world, "mid2")
    page = login(persona).get(reverse("core:home")).content.decode()
    assert "Nhập đánh giá: việc cần làm" not in page
    assert "Tiến độ nhập liệu" not in page
