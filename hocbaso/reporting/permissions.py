"""Who reads which figures. One permission, ``view_reports`` (directory/roles.py): principals and
vice-principals for their school, unit officers for the schools linked to their unit or a unit
below it (dated: an ended appointment or link reaches only the years it overlapped), the operator
for all. Teachers, clerks and families never. Everything here is counts: no page, file or API
answer of this app names a child.

:class:`Scope` reads the person's appointments once and answers for every year, so a page asking
about several years and schools does not walk the unit tree again for each.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet

from hocbaso.directory.models import AdministrativeUnit, ClassGroup, Role, School, SchoolYear
from hocbaso.directory.roles import (
    Permission,
    appointments_granting,
    holds,
    is_operator,
    reaches,
    rule,
    school_windows,
)
from hocbaso.reporting import figures
from hocbaso.reporting.models import ReportRun

may_view_reports = rule(Permission.VIEW_REPORTS)


class Scope:
    """The schools, per school year, whose figures ``user`` reads."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.windows = school_windows(user, Permission.VIEW_REPORTS)

    @property
    def everything(self) -> bool:
        return self.windows is None

    def school_ids(self, school_year: SchoolYear) -> set[int] | None:
        """The schools read in ``school_year``; None means every school (the operator)."""
        if self.windows is None:
            return None
        start, end = school_year.start_date, school_year.end_date
        return {pk for pk in self.windows if reaches(self.windows, pk, start, end)}

    def schools(self, school_year: SchoolYear) -> QuerySet[School]:
        ids = self.school_ids(school_year)
        return School.objects.all() if ids is None else School.objects.filter(pk__in=ids)

    def has_school(self, school: School, school_year: SchoolYear) -> bool:
        ids = self.school_ids(school_year)
        return ids is None or school.pk in ids

    @cached_property
    def years(self) -> list[SchoolYear]:
        """The school years with at least one school read, newest first."""
        return [y for y in SchoolYear.objects.order_by("-code") if self.everything or self.school_ids(y)]

    def reaches_unit(self, unit: AdministrativeUnit) -> bool:
        """``user`` reads the figures of ``unit`` in some year (the operator: every unit)."""
        return self.everything or holds(self.user, Permission.VIEW_REPORTS, unit=unit)

    def can_view_unit(self, unit: AdministrativeUnit, school_year: SchoolYear) -> bool:
        """``user`` reaches ``unit`` and its schools in ``school_year`` (a unit with no school that
        year is open to those who reach it: an empty page)."""
        if self.everything:
            return True
        if not self.reaches_unit(unit):
            return False
        under = set(figures.schools_under(unit, school_year))
        return not under or bool(under & (self.school_ids(school_year) or set()))


def schools_in_scope(user: Any, school_year: SchoolYear) -> QuerySet[School]:
    """Schools whose ``school_year`` figures ``user`` may read."""
    return Scope(user).schools(school_year)


def home_units(user: Any) -> list[AdministrativeUnit]:
    """The units whose dashboards ``user`` starts from: an officer's own units; the operator's
    top units (no parent, not merged into another)."""
    if is_operator(user):
        return list(AdministrativeUnit.objects.filter(parent__isnull=True, merged_into__isnull=True))
    ids = (
        appointments_granting(user, Permission.VIEW_REPORTS)
        .filter(role=Role.UNIT_OFFICER)
        .values_list("unit_id", flat=True)
    )
    return list(AdministrativeUnit.objects.filter(pk__in=list(ids)))


def home_schools(user: Any) -> QuerySet[School]:
    """The schools a principal or vice-principal reads as heads (not through a unit)."""
    ids = (
        appointments_granting(user, Permission.VIEW_REPORTS)
        .filter(role__in=[Role.PRINCIPAL, Role.VICE_PRINCIPAL])
        .values_list("school_id", flat=True)
    )
    return School.objects.filter(pk__in=list(ids))


def years_for(user: Any) -> list[SchoolYear]:
    """The school years with at least one school ``user`` may read, newest first."""
    return Scope(user).years


def reaches_unit(user: Any, unit: AdministrativeUnit) -> bool:
    return Scope(user).reaches_unit(unit)


def can_view_unit(user: Any, unit: AdministrativeUnit, school_year: SchoolYear) -> bool:
    return Scope(user).can_view_unit(unit, school_year)


def can_view_school(user: Any, school: School, school_year: SchoolYear) -> bool:
    return Scope(user).has_school(school, school_year)


def can_view_class(user: Any, class_group: ClassGroup) -> bool:
    return can_view_school(user, class_group.school, class_group.school_year)


def can_see_run(user: Any, run: ReportRun) -> bool:
    scope = Scope(user)
    if run.unit is not None:
        return scope.can_view_unit(run.unit, run.school_year)
    return run.school is not None and scope.has_school(run.school, run.school_year)
