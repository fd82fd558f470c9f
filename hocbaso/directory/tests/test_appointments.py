"""Appointments: who appoints whom, never oneself, never backdated except by the operator with a
reason, and when and by whom each was recorded (set by the server, never by input)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import DomainError
from hocbaso.directory import actions
from hocbaso.directory.models import Appointment, Role
from hocbaso.directory.roles import Permission, holds


def _refusal(call) -> str:  # type: ignore[no-untyped-def]
    before = (Appointment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as caught:
        call()
    assert (Appointment.objects.count(), AuditEvent.objects.count()) == before  # nothing half-written
    return caught.value.code


def test_clerk_cannot_appoint_themselves_vice_principal_backdated_to_2019(world) -> None:
    """The defect: a clerk made themselves vice-principal from 2019, then signed as that role."""
    clerk = world.users["clerk"]
    code = _refusal(
        lambda: actions.appoint(
            by=clerk,
            staff=clerk.staff,
            role=Role.VICE_PRINCIPAL,
            school=world.school_a,
            valid_from=dt.date(2019, 1, 1),
            backdate_reason="cần ký",
        )
    )
    assert code == "self_appointment"
    assert not holds(clerk, Permission.SIGN_AS_PRINCIPAL, school=world.school_a)


def test_clerk_cannot_appoint_themselves_through_the_page(world, login) -> None:
    client = login("clerk")
    url = reverse("directory:appointment_create", args=[world.school_a.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"staff": world.users["clerk"].staff.pk, "role": "vice_principal", "valid_from": "2019-01-01"}
    )
    assert response.status_code == 403
    assert not Appointment.objects.filter(staff=world.users["clerk"].staff, role=Role.VICE_PRINCIPAL).exists()


@pytest.mark.parametrize(
    ("by", "role", "code"),
    [
        ("principal", Role.VICE_PRINCIPAL, "operator_only"),
        ("principal", Role.PRINCIPAL, "operator_only"),
        ("vice", Role.HOMEROOM_TEACHER, "not_school_appointer"),
        ("clerk", Role.HOMEROOM_TEACHER, "not_school_appointer"),
        ("homeroom", Role.SUBJECT_TEACHER, "not_school_appointer"),
        ("principal_b", Role.HOMEROOM_TEACHER, "not_school_appointer"),
        ("officer", Role.CLERK, "not_school_appointer"),
    ],
)
def test_who_may_not_appoint(world, by: str, role: str, code: str) -> None:
    staff = world.users["teacher"].staff
    where = {"class_group": world.class_3b} if role in (Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER) else {}
    refused = _refusal(
        lambda: actions.appoint(
            by=world.users[by],
            staff=staff,
            role=role,
            school=world.school_a,
            subject_code="music" if role == Role.SUBJECT_TEACHER else "",
            valid_from=clock.today(),
            **where,
        )
    )
    assert refused == code


def test_principal_appoints_a_homeroom_teacher_from_today_recorded_by_them(world) -> None:
    before = clock.now()
    appointment = actions.appoint(
        by=world.users["principal"],
        staff=world.users["teacher"].staff,
        role=Role.HOMEROOM_TEACHER,
        class_group=world.class_3b,
        valid_from=clock.today(),
    )
    assert appointment.recorded_by == world.users["principal"]
    assert before <= appointment.recorded_at <= clock.now()
    assert appointment.backdate_reason == ""
    event = AuditEvent.objects.get(action="appointment.create", object_id=str(appointment.pk))
    assert event.changes["recorded_by_id"] == [None, world.users["principal"].pk]


def test_principal_cannot_appoint_themselves(world) -> None:
    principal = world.users["principal"]
    code = _refusal(
        lambda: actions.appoint(
            by=principal,
            staff=principal.staff,
            role=Role.HOMEROOM_TEACHER,
            class_group=world.class_3b,
            valid_from=clock.today(),
        )
    )
    assert code == "self_appointment"


def test_principal_cannot_backdate(world) -> None:
    code = _refusal(
        lambda: actions.appoint(
            by=world.users["principal"],
            staff=world.users["teacher"].staff,
            role=Role.HOMEROOM_TEACHER,
            class_group=world.class_3b,
            valid_from=clock.today() - dt.timedelta(days=1),
            backdate_reason="quên nhập",
        )
    )
    assert code == "appointment_backdated"


def test_operator_backdates_only_with_a_written_reason_which_is_audited(world) -> None:
    def backdate(reason: str) -> Appointment:
        return actions.appoint(
            by=world.users["operator"],
            staff=world.users["teacher"].staff,
            role=Role.VICE_PRINCIPAL,
            school=world.school_a,
            valid_from=dt.date(2025, 9, 1),
            backdate_reason=reason,
        )

    assert _refusal(lambda: backdate("   ")) == "backdate_reason_required"
    appointment = backdate("Quyết định số 12/QĐ-UBND ngày 28/8/2025, nhập muộn")
    assert appointment.recorded_at.date() >= clock.today() - dt.timedelta(days=1)
    event = AuditEvent.objects.get(action="appointment.create", object_id=str(appointment.pk))
    assert event.changes["backdate_reason"] == [None, "Quyết định số 12/QĐ-UBND ngày 28/8/2025, nhập muộn"]


def test_recorded_at_is_never_taken_from_the_page(world, login) -> None:
    client = login("principal")
    before = clock.now()
    response = client.post(
        reverse("directory:appointment_create", args=[world.school_a.pk]),
        {
            "staff": world.users["teacher"].staff.pk,
            "role": "homeroom_teacher",
            "class_group": world.class_3b.pk,
            "valid_from": clock.today().isoformat(),
            "recorded_at": "2019-01-01T00:00:00+07:00",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(staff=world.users["teacher"].staff, role=Role.HOMEROOM_TEACHER)
    assert appointment.recorded_at >= before


def test_appointment_page_offers_neither_oneself_nor_head_roles(world, login) -> None:
    page = login("principal").get(reverse("directory:appointment_create", args=[world.school_a.pk]))
    form = page.context["form"]
    assert world.users["principal"].staff not in form.fields["staff"].queryset
    assert {value for value, _label in form.fields["role"].choices} == {"homeroom_teacher", "subject_teacher", "clerk"}


def test_nobody_ends_their_own_appointment(world) -> None:
    principal = world.users["principal"]
    own = principal.staff.appointments.get()
    assert _refusal(lambda: actions.end_appointment(by=principal, appointment=own, valid_to=clock.today())) == (
        "self_appointment"
    )
    teacher = world.users["teacher"].staff.appointments.get()
    ended = actions.end_appointment(by=principal, appointment=teacher, valid_to=clock.today())
    assert ended.valid_to == clock.today()
    assert AuditEvent.objects.filter(action="appointment.end", object_id=str(teacher.pk)).exists()
    assert _refusal(
        lambda: actions.end_appointment(by=principal, appointment=teacher, valid_to=dt.date(2025, 1, 1))
    ) == ("appointment_backdated")


def test_operator_appoints_a_principal_backdated_with_a_reason_through_the_page(world, login) -> None:
    client = login("operator")
    url = reverse("directory:appointment_create", args=[world.school_b.pk])
    form = client.get(url).context["form"]
    assert "principal" in {value for value, _label in form.fields["role"].choices}
    staff = world.users["principal_b"].staff
    posted = {"staff": staff.pk, "role": "vice_principal", "valid_from": "2025-09-01"}
    refused = client.post(url, posted)
    assert refused.status_code == 200 and "backdate_reason" in refused.context["form"].errors
    assert client.post(url, {**posted, "backdate_reason": "Quyết định 7/QĐ ngày 1/9/2025"}).status_code == 302
    appointment = Appointment.objects.get(staff=staff, role=Role.VICE_PRINCIPAL)
    assert appointment.backdate_reason == "Quyết định 7/QĐ ngày 1/9/2025"
