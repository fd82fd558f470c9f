"""Who may see and change what in the directory — thin names over ``directory.roles``.

Scope comes from appointments through the one table in ``roles.py``: a school role (principal,
vice-principal, clerk) sees its whole school; a teacher sees the classes they teach or taught and
their students; a unit officer sees the schools linked to their unit or a unit below it and those
schools' classes, never children's personal data; an ended appointment (or school–unit link)
reaches only the school years it overlapped. The operator (superuser) reads everything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from hocbaso.core import clock
from hocbaso.directory.models import Appointment, ClassGroup, School, Student
from hocbaso.directory.roles import (
    Permission,
    classes_where,
    holds,
    is_operator,
    rule,
    schools_where,
    staff_of,
    students_where,
)

__all__ = [
    "appointments_of",
    "can_manage_school",
    "can_read_school_audit",
    "is_school_manager",
    "is_staff_member",
    "managed_school_ids",
    "may_appoint",
    "staff_of",
    "visible_classes",
    "visible_schools",
    "visible_students",
]


def appointments_of(user: Any, *, active_on: dt.date | None = None) -> QuerySet[Appointment]:
    """The user's appointments: active on ``active_on``, or every one already started if None
    (for listing what a person holds; access questions go through ``roles.holds``)."""
    staff = staff_of(user)
    if staff is None:
        return Appointment.objects.none()
    qs = Appointment.objects.filter(staff=staff)
    if active_on is not None:
        return qs.active_on(active_on)
    return qs.filter(valid_from__lte=clock.today())


def visible_schools(user: Any) -> QuerySet[School]:
    """Schools the user may open."""
    return schools_where(user, Permission.VIEW_SCHOOL)


def visible_classes(user: Any) -> QuerySet[ClassGroup]:
    """Classes the user may open (teachers and head count; no personal data)."""
    return classes_where(user, Permission.VIEW_CLASS)


def visible_students(user: Any) -> QuerySet[Student]:
    """Students whose personal data the user may see (never unit officers')."""
    return students_where(user, Permission.VIEW_STUDENTS)


def managed_school_ids(user: Any, *, day: dt.date | None = None) -> set[int]:
    """Schools whose students and enrolments the user may change on ``day``."""
    return set(schools_where(user, Permission.MANAGE_STUDENTS, on=day).values_list("pk", flat=True))


# --- predicates used as URL rules -------------------------------------------------------------


def is_staff_member(user: Any) -> bool:
    """Has a staff profile, or is the operator."""
    return bool(is_operator(user) or staff_of(user) is not None)


is_school_manager = rule(Permission.MANAGE_STUDENTS)
may_appoint = rule(Permission.APPOINT_STAFF, Permission.APPOINT_HEADS)
may_read_audit = rule(Permission.READ_AUDIT)


def can_manage_school(user: Any, school: School) -> bool:
    """May change students and enrolments of ``school`` today."""
    return holds(user, Permission.MANAGE_STUDENTS, school=school)


def can_read_school_audit(user: Any, school: School) -> bool:
    """Principals and vice-principals read their school's audit events (and the operator)."""
    return holds(user, Permission.READ_AUDIT, school=school)
