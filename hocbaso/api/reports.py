"""API v1: the reporting figures (``/api/v1/reports/…``), the same as the dashboards, for a Sở's
own tools. Counts only — no answer names a child.

Parameters: ``year`` (``2025-2026``; default the newest year the caller reads) and ``point``
(``mid1``, ``end1``, ``mid2``, ``year_end``; default ``year_end``). Errors, as
``{"code", "message", "field"}``: 403 ``forbidden`` (the caller reads no report anywhere: teachers,
clerks, families), 404 ``not_found`` (no unit, school or class with this id in the caller's scope
for that year — the same answer whether it exists or not), 404 ``year_unknown`` (a year the caller
does not read), 400 ``point_unknown``. ``docs/reporting.md`` defines every figure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from hocbaso.core.error_schema import errors
from hocbaso.core.errors import NotFound, PermissionRefused, ValidationFailed
from hocbaso.directory.models import AdministrativeUnit, ClassGroup, School, SchoolYear
from hocbaso.directory.roles import Permission, holds
from hocbaso.reporting import figures, permissions

router = Router(tags=["reports"])


YEAR_HELP = "School year, e.g. 2025-2026; default: the newest year the caller reads."
POINT_HELP = "Assessment point: mid1 (GHK1), end1 (CHK1), mid2 (GHK2) or year_end (CN)."


class FiguresQuery(Schema):
    year: str | None = Field(None, description=YEAR_HELP)
    point: str = Field("year_end", description=POINT_HELP)


class PointQuery(Schema):
    point: str = Field("year_end", description=POINT_HELP)


class CountsOut(Schema):
    schools: int
    paper_schools: int
    classes: int
    students: int
    cells_entered: int
    cells_expected: int
    windows_open: int
    frozen: int
    signed_homeroom: int
    signed_principal: int
    issued: int
    missing_cells: int
    missing_year_page: int
    missing_appointment: int
    expired_certificates: int
    expiring_certificates: int
    corrections_pending: int
    corrections: int
    results: dict[str, dict[str, int]]


class ChildOut(Schema):
    unit_id: int | None
    unit: str
    counts: CountsOut


class SchoolRowOut(Schema):
    school_id: int
    school: str
    code: str
    paper_mode: bool
    window_open: bool
    counts: CountsOut


class ClassRowOut(Schema):
    class_id: int
    class_name: str
    grade: int
    counts: CountsOut


class UnitFiguresOut(Schema):
    unit_id: int
    unit: str
    kind: str
    school_year: str
    point: str
    deadline: dt.date
    total: CountsOut
    children: list[ChildOut]
    schools: list[SchoolRowOut]


class SchoolFiguresOut(Schema):
    school_id: int
    school: str
    school_year: str
    point: str
    deadline: dt.date
    paper_mode: bool
    window_open: bool
    total: CountsOut
    classes: list[ClassRowOut]


class ClassFiguresOut(Schema):
    class_id: int
    class_name: str
    grade: int
    school_id: int
    school_year: str
    point: str
    window_open: bool
    counts: CountsOut


ERRORS: dict[int, Any] = errors(400, 403, 404)


def _reader(request: HttpRequest) -> None:
    if not holds(request.user, Permission.VIEW_REPORTS):
        raise PermissionRefused(_("You do not read reports."), code="forbidden")


def _year(scope: permissions.Scope, code: str | None) -> SchoolYear:
    years = scope.years
    found = years[0] if years and not code else next((y for y in years if y.code == code), None)
    if found is None:
        raise NotFound(_("No school year with this code is visible to you."), code="year_unknown", field="year")
    return found


def _point(point: str) -> str:
    if point not in figures.POINTS:
        raise ValidationFailed(_("Unknown assessment point."), code="point_unknown", field="point")
    return point


@router.get("/units/{unit_id}", response={200: UnitFiguresOut, **ERRORS})
def unit_figures(request: HttpRequest, unit_id: int, query: Query[FiguresQuery]) -> dict[str, Any]:
    """A unit's figures: its total, each unit directly below it, each school below it in the caller's scope."""
    _reader(request)
    scope = permissions.Scope(request.user)
    school_year, point = _year(scope, query.year), _point(query.point)
    unit = AdministrativeUnit.objects.filter(pk=unit_id).first()
    if unit is None or not scope.can_view_unit(unit, school_year):
        raise NotFound(_("No unit with this id is visible to you."), code="not_found", field="unit_id")
    report = figures.unit_report(unit, school_year, point, scope=scope.schools(school_year))
    return {
        "unit_id": unit.pk,
        "unit": unit.name,
        "kind": unit.kind,
        "school_year": school_year.code,
        "point": point,
        "deadline": report.deadline,
        "total": report.total.as_dict(),
        "children": [
            {"unit_id": child.pk if child else None, "unit": child.name if child else "", "counts": counts.as_dict()}
            for child, counts in report.children
        ],
        "schools": [
            {
                "school_id": row.pk,
                "school": row.name,
                "code": row.code,
                "paper_mode": row.paper_mode,
                "window_open": row.window_open,
                "counts": row.counts.as_dict(),
            }
            for row in report.rows
        ],
    }


@router.get("/schools/{school_id}", response={200: SchoolFiguresOut, **ERRORS})
def school_figures(request: HttpRequest, school_id: int, query: Query[FiguresQuery]) -> dict[str, Any]:
    """A school's figures and its classes'."""
    _reader(request)
    scope = permissions.Scope(request.user)
    school_year, point = _year(scope, query.year), _point(query.point)
    school = School.objects.filter(pk=school_id).first()
    if school is None or not scope.has_school(school, school_year):
        raise NotFound(_("No school with this id is visible to you."), code="not_found", field="school_id")
    report = figures.school_report(school, school_year, point)
    return {
        "school_id": school.pk,
        "school": school.name,
        "school_year": school_year.code,
        "point": point,
        "deadline": report.deadline,
        "paper_mode": bool(report.total.paper_schools),
        "window_open": bool(report.total.windows_open),
        "total": report.total.as_dict(),
        "classes": [
            {"class_id": row.pk, "class_name": row.name, "grade": row.grade, "counts": row.counts.as_dict()}
            for row in report.rows
        ],
    }


@router.get("/classes/{class_id}", response={200: ClassFiguresOut, **ERRORS})
def class_figures(request: HttpRequest, class_id: int, query: Query[PointQuery]) -> dict[str, Any]:
    """A class's counts (never its pupils, ratings or comments)."""
    _reader(request)
    point = _point(query.point)
    found = ClassGroup.objects.select_related("school", "school_year").filter(pk=class_id).first()
    if found is None or not permissions.can_view_class(request.user, found):
        raise NotFound(_("No class with this id is visible to you."), code="not_found", field="class_id")
    row = figures.class_counts(found, point)
    return {
        "class_id": found.pk,
        "class_name": found.name,
        "grade": found.grade,
        "school_id": found.school_id,
        "school_year": found.school_year.code,
        "point": point,
        "window_open": row.window_open,
        "counts": row.counts.as_dict(),
    }
