"""Who reads which figures. One permission, ``view_reports`` (directory/roles.py): principals and
vice-principals for their school, unit officers for the schools linked to their unit or a unit
below it (dated: an ended appointment or link reaches only the years it overlapped), the operator
for all. Teachers, clerks and families never. Everything here is counts: no page, file or API
answer of this app names a child."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hocbaso.directory.models import AdministrativeUnit, ClassGroup, Role, School, SchoolYear
from hocbaso.directory.roles import Permission, appointments_granting, holds, is_operator, rule, schools_in_year
from hocbaso.reporting import figures
from hocbaso.reporting.models import ReportRun

may_view_reports = rule(Permission.VIEW_REPORTS)


def schools_in_scope(user: Any, school_year: SchoolYear) -> QuerySet[School]:
    """Schools whose ``school_year`` figures ``user`` may read."""
    return schools_in_year(user, Permission.VIEW_REPORTS, school_year)


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
    return [year for year in SchoolYear.objects.order_by("-code") if schools_in_scope(user, year).exists()]


def reaches_unit(user: Any, unit: AdministrativeUnit) -> bool:
    """``user`` reads the figures of ``unit`` in some year (the operator: every unit)."""
    return is_operator(user) or holds(user, Permission.VIEW_REPORTS, unit=unit)


def can_view_unit(user: Any, unit: AdministrativeUnit, school_year: SchoolYear) -> bool:
    """``user`` reaches ``unit`` and its schools in ``school_year`` (a unit with no school that year
    is open to those who reach it, an empty page)."""
    if is_operator(user):
        return True
    if not reaches_unit(user, unit):
        return False
    under = set(figures.schools_under(unit, school_year))
    return not under or schools_in_scope(user, school_year).filter(pk__in=under).exists()


def can_view_school(user: Any, school: School, school_year: SchoolYear) -> bool:
    return schools_in_scope(user, school_year).filter(pk=school.pk).exists()


def can_view_class(user: Any, class_group: ClassGroup) -> bool:
    return can_view_school(user, class_group.school, class_group.school_year)


def can_see_run(user: Any, run: ReportRun) -> bool:
    if is_operator(user):
        return True
    if run.unit is not None:
        return can_view_unit(user, run.unit, run.school_year)
    return run.school is not None and can_view_school(user, run.school, run.school_year)
