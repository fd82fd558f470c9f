"""Who may see and change what in the directory.

Scope comes from appointments: a school role (principal, vice-principal, clerk) sees its whole
school; a teacher sees the classes they teach or taught (any year, so past records stay
reachable) and their students; a unit officer sees the schools attached, at any date, to their
unit or a unit below it, and those schools' classes, but not children's personal data. A
superuser sees everything. Everyone else sees nothing.

Visibility uses appointments that have started (``valid_from <= today``), including ended ones;
changing data needs an appointment active today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from hocbaso.core import clock
from hocbaso.directory.models import (
    SCHOOL_ROLES,
    AdministrativeUnit,
    Appointment,
    ClassGroup,
    Role,
    School,
    StaffMember,
    Student,
)


def staff_of(user: Any) -> StaffMember | None:
    """The user's staff profile, or None (anonymous users and plain logins have none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except StaffMember.DoesNotExist:
        return None


def appointments_of(user: Any, *, active_on: dt.date | None = None) -> QuerySet[Appointment]:
    """The user's appointments: active on ``active_on``, or every one already started if None."""
    staff = staff_of(user)
    if staff is None:
        return Appointment.objects.none()
    qs = Appointment.objects.filter(staff=staff)
    if active_on is not None:
        return qs.active_on(active_on)
    return qs.filter(valid_from__lte=clock.today())


def _unit_tree_ids(unit_ids: set[int]) -> set[int]:
    found: set[int] = set()
    for unit in AdministrativeUnit.objects.filter(pk__in=unit_ids):
        found |= unit.descendant_ids()
    return found


def visible_schools(user: Any) -> QuerySet[School]:
    """Schools the user may open."""
    if getattr(user, "is_superuser", False):
        return School.objects.all()
    appointments = appointments_of(user)
    school_ids = set(appointments.exclude(school__isnull=True).values_list("school_id", flat=True))
    unit_ids = set(appointments.filter(role=Role.UNIT_OFFICER).values_list("unit_id", flat=True))
    condition = Q(pk__in=school_ids)
    if unit_ids:
        condition |= Q(unit_links__unit_id__in=_unit_tree_ids(unit_ids))
    return School.objects.filter(condition).distinct()


def managed_school_ids(user: Any, *, day: dt.date | None = None) -> set[int]:
    """Schools where the user holds a school role (principal, vice-principal, clerk) on ``day``."""
    appointments = appointments_of(user, active_on=day or clock.today()).filter(role__in=SCHOOL_ROLES)
    return set(appointments.values_list("school_id", flat=True))


def visible_classes(user: Any) -> QuerySet[ClassGroup]:
    """Classes the user may open."""
    if getattr(user, "is_superuser", False):
        return ClassGroup.objects.all()
    appointments = appointments_of(user)
    whole_schools = set(appointments.filter(role__in=SCHOOL_ROLES).values_list("school_id", flat=True))
    taught = set(appointments.exclude(class_group__isnull=True).values_list("class_group_id", flat=True))
    condition = Q(school_id__in=whole_schools) | Q(pk__in=taught)
    if appointments.filter(role=Role.UNIT_OFFICER).exists():
        condition |= Q(school__in=visible_schools(user))
    return ClassGroup.objects.filter(condition).distinct()


def visible_students(user: Any) -> QuerySet[Student]:
    """Students whose personal data the user may see (never unit officers')."""
    if getattr(user, "is_superuser", False):
        return Student.objects.all()
    appointments = appointments_of(user)
    whole_schools = set(appointments.filter(role__in=SCHOOL_ROLES).values_list("school_id", flat=True))
    taught = set(appointments.exclude(class_group__isnull=True).values_list("class_group_id", flat=True))
    condition = (
        Q(school_id__in=whole_schools)
        | Q(enrolments__class_group__school_id__in=whole_schools)
        | Q(enrolments__class_group_id__in=taught)
    )
    return Student.objects.filter(condition).distinct()


# --- predicates used as URL rules -------------------------------------------------------------


def is_staff_member(user: Any) -> bool:
    """Has a staff profile, or is a superuser."""
    return bool(getattr(user, "is_superuser", False) or staff_of(user) is not None)


def is_school_manager(user: Any) -> bool:
    """Holds a school role somewhere today (may keep the directory), or is a superuser."""
    return bool(getattr(user, "is_superuser", False) or managed_school_ids(user))


def is_principal(user: Any) -> bool:
    """Principal or vice-principal somewhere today, or a superuser."""
    if getattr(user, "is_superuser", False):
        return True
    return (
        appointments_of(user, active_on=clock.today()).filter(role__in=[Role.PRINCIPAL, Role.VICE_PRINCIPAL]).exists()
    )


def can_manage_school(user: Any, school: School) -> bool:
    """May change students, enrolments and appointments of ``school`` today."""
    return bool(getattr(user, "is_superuser", False) or school.pk in managed_school_ids(user))


def can_read_school_audit(user: Any, school: School) -> bool:
    """Principals and vice-principals read their school's audit events."""
    if getattr(user, "is_superuser", False):
        return True
    return (
        appointments_of(user, active_on=clock.today())
        .filter(role__in=[Role.PRINCIPAL, Role.VICE_PRINCIPAL], school=school)
        .exists()
    )
