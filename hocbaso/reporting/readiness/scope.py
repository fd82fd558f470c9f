"""Who reaches what here, all asked of ``directory.roles``.

- Reading a school's declaration of a school year, or a visit: ``roles.school_windows`` with
  ``VIEW_READINESS`` / ``VIEW_SUPERVISION`` — dated scope, so the officer of a district abolished on
  30/6/2025 reads its schools' 2024-2025 declarations and the visits made up to that day, nothing
  later.
- Recording a visit, correcting it, confirming or reopening a follow-up: a unit officer whose
  appointment is running today *and* was running on the visit's date, over a unit the school was
  linked to on the visit's date (:func:`supervising_unit`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from hocbaso.core import clock
from hocbaso.directory import roles
from hocbaso.directory.models import AdministrativeUnit, Role, School, SchoolUnitLink, SchoolYear
from hocbaso.directory.roles import Permission as P
from hocbaso.reporting.readiness.models import FollowUp, SupervisionVisit


def _unit_on(user: Any, school: School, day: dt.date) -> AdministrativeUnit | None:
    appointments = roles.appointments_granting(user, P.RECORD_SUPERVISION, on=day).filter(role=Role.UNIT_OFFICER)
    for appointment in appointments.select_related("unit"):
        assert appointment.unit is not None
        units = appointment.unit.descendant_ids()
        if SchoolUnitLink.objects.active_on(day).filter(school=school, unit_id__in=units).exists():
            return appointment.unit
    return None


def supervising_unit(user: Any, school: School, day: dt.date) -> AdministrativeUnit | None:
    """The unit through which ``user`` supervises ``school`` for a visit on ``day``: their appointment
    covers the school on that day, and still does today. None: not theirs to record."""
    if not getattr(user, "is_authenticated", False) or roles.is_operator(user):
        return None
    unit = _unit_on(user, school, day)
    if unit is None or (day != clock.today() and _unit_on(user, school, clock.today()) is None):
        return None
    return unit


def may_supervise(user: Any, visit: SupervisionVisit) -> bool:
    """Whether ``user`` may correct ``visit`` or confirm/reopen its follow-ups (scope as for recording it)."""
    return supervising_unit(user, visit.school, visit.visited_on) is not None


def schools_to_supervise(user: Any) -> QuerySet[School]:
    """Schools ``user`` could record a visit to today."""
    day = clock.today()
    ids: set[int] = set()
    for appointment in roles.appointments_granting(user, P.RECORD_SUPERVISION, on=day).filter(role=Role.UNIT_OFFICER):
        assert appointment.unit_id is not None
        units = AdministrativeUnit(pk=appointment.unit_id).descendant_ids()
        ids |= set(SchoolUnitLink.objects.active_on(day).filter(unit_id__in=units).values_list("school_id", flat=True))
    if roles.is_operator(user):
        return School.objects.none()
    return School.objects.filter(pk__in=ids)


def visible_visits(user: Any) -> QuerySet[SupervisionVisit]:
    """The visits ``user`` may read: their schools', dated within their reach."""
    windows = roles.school_windows(user, P.VIEW_SUPERVISION)
    qs = SupervisionVisit.objects.select_related("school", "unit", "recorded_by")
    if windows is None:
        return qs
    condition = Q(pk__in=[])
    for school_id, school_windows in windows.items():
        for window in school_windows:
            dated = Q(school_id=school_id)
            if window.first is not None:
                dated &= Q(visited_on__gte=window.first)
            if window.last is not None:
                dated &= Q(visited_on__lte=window.last)
            condition |= dated
    return qs.filter(condition)


def visible_follow_ups(user: Any) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(visit__in=visible_visits(user)).select_related("visit", "visit__school")


def readiness_schools(user: Any, school_year: SchoolYear) -> QuerySet[School]:
    """Schools whose declaration of ``school_year`` ``user`` may read."""
    windows = roles.school_windows(user, P.VIEW_READINESS)
    if windows is None:
        return School.objects.all()
    ids = [s for s in windows if roles.reaches(windows, s, school_year.start_date, school_year.end_date)]
    return School.objects.filter(pk__in=ids)


def may_declare(user: Any, school: School) -> bool:
    return roles.holds(user, P.DECLARE_READINESS, school=school)


def may_answer(user: Any, follow_up: FollowUp) -> bool:
    return roles.holds(user, P.ANSWER_FOLLOW_UP, school=follow_up.visit.school)
