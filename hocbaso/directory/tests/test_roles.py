"""``roles.holds``: one table answers every access question, with the same operator rule everywhere."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.directory.models import Role
from hocbaso.directory.roles import (
    GRANTS,
    OPERATOR,
    PERSONAL_DATA,
    Permission,
    classes_where,
    holds,
    roles_granting,
    schools_where,
    students_where,
)
from hocbaso.testing import add_previous_year

P = Permission


def test_officers_are_never_granted_childrens_personal_data() -> None:
    assert not GRANTS[Role.UNIT_OFFICER] & PERSONAL_DATA


def test_operator_reads_everything_but_neither_enters_assessments_nor_signs() -> None:
    assert {p for p in Permission if p.reads} <= OPERATOR
    for act in (P.ENTER_CLASS_ASSESSMENTS, P.ENTER_SUBJECT_ASSESSMENTS, P.SIGN_AS_HOMEROOM, P.SIGN_AS_PRINCIPAL):
        assert act not in OPERATOR


def test_only_the_operator_appoints_heads_and_backdates() -> None:
    assert roles_granting(P.APPOINT_HEADS) == []
    assert roles_granting(P.BACKDATE_APPOINTMENT) == []
    assert roles_granting(P.APPOINT_STAFF) == [Role.PRINCIPAL]


def test_subject_teachers_never_read_records() -> None:
    assert Role.SUBJECT_TEACHER not in roles_granting(P.VIEW_RECORDS)


# (persona, permission, object, expected): the object is an attribute of the world, or None (anywhere).
CASES = [
    ("principal", P.APPOINT_STAFF, "school_a", True),
    ("principal", P.APPOINT_STAFF, "school_b", False),
    ("vice", P.APPOINT_STAFF, "school_a", False),
    ("clerk", P.APPOINT_STAFF, "school_a", False),
    ("clerk", P.MANAGE_STUDENTS, "school_a", True),
    ("clerk", P.APPLY_SCHOOL_SEAL, "school_a", True),
    ("vice", P.APPLY_SCHOOL_SEAL, "school_a", False),
    ("vice", P.SIGN_AS_PRINCIPAL, "school_a", True),
    ("clerk", P.SIGN_AS_PRINCIPAL, "school_a", False),
    ("homeroom", P.SIGN_AS_HOMEROOM, "class_3a", True),
    ("homeroom", P.SIGN_AS_HOMEROOM, "class_3b", False),
    ("homeroom", P.VIEW_SCHOOL, "school_a", True),
    ("homeroom", P.VIEW_RECORDS, "school_a", False),  # a class role reaches its class, not the school
    ("homeroom", P.VIEW_RECORDS, "class_3a", True),
    ("teacher", P.VIEW_ASSESSMENTS, "class_3b", True),
    ("teacher", P.VIEW_RECORDS, "class_3b", False),
    ("teacher", P.ENTER_SUBJECT_ASSESSMENTS, "class_3b", True),
    ("teacher", P.ENTER_CLASS_ASSESSMENTS, "class_3b", False),
    ("officer", P.VIEW_CLASS, "class_3a", True),
    ("officer", P.VIEW_ASSESSMENTS, "class_3a", False),
    ("officer", P.VIEW_STUDENTS, "class_3a", False),
    ("province_officer", P.VIEW_SCHOOL, "school_b", True),
    ("province_officer", P.VIEW_ASSESSMENTS, "class_b_3a", False),
    ("officer2", P.VIEW_SCHOOL, "school_a", False),
    ("district_officer", P.VIEW_SCHOOL, "school_a", True),
    ("district_officer", P.VIEW_CLASS, "class_3a", False),  # 2025-2026: after the district was abolished
    ("province_officer", P.VIEW_SCHOOL, "commune1", True),
    ("officer", P.VIEW_SCHOOL, "district", False),
    ("operator", P.VIEW_STUDENTS, "class_3a", True),
    ("operator", P.ENTER_CLASS_ASSESSMENTS, "class_3a", False),
    ("operator", P.SIGN_AS_PRINCIPAL, "school_a", False),
    ("operator", P.APPOINT_HEADS, None, True),
    ("principal", P.APPOINT_HEADS, None, False),
    ("stranger", P.VIEW_SCHOOL, None, False),
]


@pytest.mark.parametrize(("persona", "permission", "target", "expected"), CASES)
def test_holds(world, persona: str, permission: Permission, target: str | None, expected: bool) -> None:
    where = {}
    if target is not None:
        obj = getattr(world, target)
        kind = {"School": "school", "ClassGroup": "class_group", "AdministrativeUnit": "unit"}[type(obj).__name__]
        where[kind] = obj
    assert holds(world.users[persona], permission, **where) is expected


def test_anonymous_holds_nothing(world) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not holds(AnonymousUser(), P.VIEW_SCHOOL)


def test_acts_need_an_appointment_active_on_the_day(world) -> None:
    principal = world.users["principal"]
    principal.staff.appointments.update(valid_to=dt.date(2025, 12, 31))
    assert holds(principal, P.APPOINT_STAFF, school=world.school_a, on=dt.date(2025, 12, 31))
    assert not holds(principal, P.APPOINT_STAFF, school=world.school_a, on=dt.date(2026, 1, 1))


def test_ended_appointment_reads_only_the_school_years_it_overlapped(world) -> None:
    """A principal whose appointment ended on 30/6/2025 still reads 2024-2025, not 2025-2026."""
    past = add_previous_year(world)
    principal = world.users["principal"]
    principal.staff.appointments.update(valid_to=dt.date(2025, 6, 30))
    assert set(classes_where(principal, P.VIEW_ASSESSMENTS)) == {past.class_2a}
    assert set(students_where(principal, P.VIEW_STUDENTS)) == {past.student}
    assert set(schools_where(principal, P.VIEW_SCHOOL)) == {world.school_a}


def test_abolished_district_officer_sees_only_the_years_before_the_reform(world) -> None:
    """Defect: the officer of a district abolished on 30/6/2025 saw the 2025-2026 classes of its schools."""
    past = add_previous_year(world)
    officer = world.users["district_officer"]
    assert set(classes_where(officer, P.VIEW_CLASS)) == {past.class_2a}
    assert world.class_3a not in classes_where(officer, P.VIEW_CLASS)


def test_running_link_and_appointment_reach_the_schools_earlier_years(world) -> None:
    """The commune now manages school A (running link, running appointment): its officer reads the
    school's classes of every year, the earlier ones included (counts only, never names)."""
    past = add_previous_year(world)
    officer = world.users["officer"]
    assert {world.class_3a, past.class_2a} <= set(classes_where(officer, P.VIEW_CLASS))
    assert not students_where(officer, P.VIEW_STUDENTS).exists()


def test_current_principal_reads_the_schools_earlier_years(world) -> None:
    past = add_previous_year(world)
    assert past.class_2a in classes_where(world.users["principal"], P.VIEW_RECORDS)


def test_former_homeroom_teacher_reads_their_old_class_but_no_longer_signs(world) -> None:
    past = add_previous_year(world)
    former = world.users["former_homeroom"]
    assert holds(former, P.VIEW_RECORDS, class_group=past.class_2a)
    assert not holds(former, P.SIGN_AS_HOMEROOM, class_group=past.class_2a)
