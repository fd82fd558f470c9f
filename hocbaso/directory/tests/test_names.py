"""Names (students, parents and guardians, staff) refuse control, bidirectional and zero-width
characters on every path that writes them; nothing is saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import InvalidInput
from hocbaso.directory import actions
from hocbaso.directory.models import Student
from hocbaso.directory.tests.test_bad_input import VALID, form_data

HOSTILE = [
    ("full_name", "Nguyễn Văn \u202eAn", "U+202E"),  # shown as "nA"
    ("full_name", "Nguy\u200bễn Văn An", "U+200B"),  # a second "Nguyễn Văn An" that differs
    ("full_name", "Nguyễn Văn\tAn", "U+0009"),  # refused, not folded into a space
    ("full_name", "\ufeffNguyễn Văn An", "U+FEFF"),
    ("father_name", "Nguyễn Văn \u2067Bình", "U+2067"),
    ("mother_name", "Lê Thị\u0000 Cúc", "U+0000"),
    ("guardian_name", "Trần Văn\u200d Dũng", "U+200D"),
]


def counts() -> tuple[int, int]:
    return Student.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize(("field", "value", "char"), HOSTILE)
def test_the_action_refuses_and_saves_nothing(world, field: str, value: str, char: str) -> None:
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        actions.create_student(by=world.users["principal"], school=world.school_a, data={**VALID, field: value})
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, "name_hidden_character")]
    assert char in str(caught.value.message)
    assert counts() == before


@pytest.mark.parametrize(("field", "value", "char"), HOSTILE)
def test_the_form_shows_the_refusal_in_vietnamese(world, login, field: str, value: str, char: str) -> None:
    before = counts()
    page = login("principal").post(
        reverse("directory:student_create", args=[world.school_a.pk]), form_data(**{field: value})
    )
    assert page.status_code == 200
    assert f"Tên chứa ký tự ẩn hoặc ký tự điều khiển ({char})" in page.content.decode()
    assert counts() == before


def test_an_edit_is_refused_too(world) -> None:
    student = world.students["an"]
    before = counts()
    with pytest.raises(InvalidInput):
        actions.update_student(by=world.users["principal"], student=student, data={"full_name": "An\u202e"})
    student.refresh_from_db()
    assert student.full_name == "Nguyễn Văn An"
    assert counts() == before


def test_plain_spaces_are_still_folded(world) -> None:
    student = actions.create_student(
        by=world.users["principal"],
        school=world.school_a,
        data={**VALID, "full_name": "  Võ  Thị\u00a0Hồng   Nhung ", "personal_id": ""},
    )
    assert student.full_name == "Võ Thị Hồng Nhung"


def test_staff_names_are_checked_by_the_model(world) -> None:
    staff = world.users["homeroom"].staff
    staff.full_name = "Giáo viên \u202eA3"
    with pytest.raises(ValidationError) as caught:
        staff.full_clean()
    assert [e.code for e in caught.value.error_dict["full_name"]] == ["name_hidden_character"]
