"""Bad input gets a clear Vietnamese message on the form, a refused write in the model layer,
and nothing half-saved (no row, no audit event)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import DomainError
from hocbaso.directory import actions
from hocbaso.directory.models import AdministrativeUnit, Enrolment, Role, Student

VALID = {
    "full_name": "Võ Thị Hồng Nhung",
    "gender": 2,
    "date_of_birth": dt.date(2017, 5, 6),
    "ethnicity": "Kinh",
    "nationality": "Việt Nam",
    "personal_id": "051317001234",
}


def form_data(**changes):  # type: ignore[no-untyped-def]
    data = {**VALID, "date_of_birth": VALID["date_of_birth"].isoformat(), **changes}
    return {k: v for k, v in data.items() if v is not None}


def counts() -> tuple[int, int, int]:
    return Student.objects.count(), Enrolment.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("changes", "field", "code", "vietnamese"),
    [
        ({"personal_id": "05131700123"}, "personal_id", "personal_id_format", "phải gồm đúng 12 chữ số"),
        ({"personal_id": "05131700123X"}, "personal_id", "personal_id_format", "phải gồm đúng 12 chữ số"),
        ({"date_of_birth": dt.date(2999, 1, 1)}, "date_of_birth", "date_of_birth_future", "không thể ở tương lai"),
    ],
)
def test_student_refusals(world, login, changes, field: str, code: str, vietnamese: str) -> None:
    before = counts()
    with pytest.raises(DomainError) as caught:
        actions.create_student(by=world.users["principal"], school=world.school_a, data={**VALID, **changes})
    found = getattr(caught.value, "errors", [caught.value])
    assert (field, code) in [(e.field, e.code) for e in found]
    assert counts() == before

    response = login("principal").post(
        reverse("directory:student_create", args=[world.school_a.pk]), form_data(**changes)
    )
    assert response.status_code == 200
    assert vietnamese in response.content.decode()
    assert counts() == before


def test_mismatched_id_is_a_warning_not_a_block(world, login) -> None:
    response = login("principal").post(
        reverse("directory:student_create", args=[world.school_a.pk]), form_data(personal_id="051217001234")
    )
    assert response.status_code == 302
    student = Student.objects.get(personal_id="051217001234")
    assert [w["code"] for w in student.id_warnings] == ["personal_id_gender"]
    page = login("principal").get(reverse("directory:student", args=[student.pk]))
    assert "giới tính" in page.content.decode()


def test_second_enrolment_same_year_is_refused(world, login) -> None:
    student = world.students["an"]
    before = counts()
    with pytest.raises(DomainError) as caught:
        actions.enrol_student(
            by=world.users["principal"], student=student, class_group=world.class_3b, start_date=dt.date(2025, 10, 1)
        )
    assert caught.value.code == "enrolment_duplicate"
    assert counts() == before
    response = login("principal").post(
        reverse("directory:enrolment_create", args=[student.pk]),
        {"class_group": world.class_3b.pk, "start_date": "2025-10-01"},
    )
    assert "đã được xếp vào một lớp" in response.content.decode()
    assert counts() == before


def test_end_before_start_is_refused(world, login) -> None:
    student = Student.objects.create(
        school=world.school_a, full_name="Hồ Văn Tư", gender=1, date_of_birth=dt.date(2017, 1, 1)
    )
    before = counts()
    with pytest.raises(DomainError) as caught:
        actions.enrol_student(
            by=world.users["principal"],
            student=student,
            class_group=world.class_3a,
            start_date=dt.date(2025, 10, 1),
            end_date=dt.date(2025, 9, 30),
        )
    assert "end_before_start" in [e.code for e in getattr(caught.value, "errors", [])]
    response = login("principal").post(
        reverse("directory:enrolment_create", args=[student.pk]),
        {"class_group": world.class_3a.pk, "start_date": "2025-10-01", "end_date": "2025-09-30"},
    )
    assert "Ngày kết thúc không thể trước ngày bắt đầu" in response.content.decode()
    assert counts() == before


def test_unknown_unit_is_refused(world, login) -> None:
    staff = world.users["clerk"].staff
    ghost = AdministrativeUnit(
        pk=999999, code="X", name="Không tồn tại", kind="commune", valid_from=dt.date(2025, 7, 1)
    )
    with pytest.raises(DomainError) as caught:
        actions.appoint(
            by=world.users["operator"], staff=staff, role=Role.UNIT_OFFICER, unit=ghost, valid_from=clock.today()
        )
    assert "unit" in [e.field for e in getattr(caught.value, "errors", [caught.value])]
    with translation.override("vi"):
        response = login("principal").post(
            reverse("directory:appointment_create", args=[world.school_a.pk]),
            {"staff": 999999, "role": "clerk", "valid_from": "2025-09-01"},
        )
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()


def test_appointment_end_before_start(world) -> None:
    before = counts()
    with pytest.raises(DomainError):
        actions.appoint(
            by=world.users["principal"],
            staff=world.users["clerk"].staff,
            role=Role.HOMEROOM_TEACHER,
            class_group=world.class_3b,
            valid_from=clock.today() + dt.timedelta(days=30),
            valid_to=clock.today() + dt.timedelta(days=10),
        )
    assert counts() == before


def test_successful_edit_is_audited_old_to_new(world, login) -> None:
    student = world.students["an"]
    response = login("clerk").post(
        reverse("directory:student_edit", args=[student.pk]),
        form_data(full_name="Nguyễn  Văn   An", gender=1, personal_id=""),
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="student.update").get()
    assert "full_name" not in event.changes  # white space folded: the same name, so no change recorded
    assert event.changes["date_of_birth"] == ["2017-03-04", "2017-05-06"]
    assert event.actor == world.users["clerk"]


def test_nfd_input_is_stored_nfc(world) -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Đặng Thị Ngọc Hằng")
    student = actions.create_student(
        by=world.users["principal"], school=world.school_a, data={**VALID, "full_name": nfd, "personal_id": ""}
    )
    assert student.full_name == unicodedata.normalize("NFC", nfd)
