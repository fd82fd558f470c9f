"""API v1: the schools' readiness and supervision as counts (``/api/v1/reports/readiness/…``), the
same as the pages ``/readiness/`` and ``/supervision/``, for a Sở's own tools.

Counts only: what each school declared (computers, internet, staff, certificates, training, digital
or paper), rolled up per unit on the dated tree (``readiness.figures``), and per school the number
of supervision visits in the year and of their follow-ups still open or overdue — never a visit's
findings, a follow-up's text, a note or a person's name.

Who: ``view_readiness`` (principals and vice-principals for their school, unit officers for the
schools linked to their unit or a unit below it, dated; the operator). Supervision counts follow
``view_supervision`` (the same people). Errors, as ``{"code", "message", "field"}``: 403
``forbidden`` (the caller reads no readiness anywhere: teachers, clerks, families), 404
``not_found`` (a unit or school outside the caller's scope for that year — the same answer whether
it exists or not), 404 ``year_unknown`` (no school year with this code).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from hocbaso.core import clock
from hocbaso.core.error_schema import errors
from hocbaso.core.errors import NotFound, PermissionRefused
from hocbaso.directory.models import SchoolYear
from hocbaso.directory.roles import Permission, holds
from hocbaso.reporting.readiness import figures, rules, scope
from hocbaso.reporting.readiness.models import FollowUp

router = Router(tags=["readiness"])

YEAR_HELP = "School year, e.g. 2025-2026; default: the newest school year that has started."


class YearQuery(Schema):
    year: str | None = Field(None, description=YEAR_HELP, max_length=20)


class ReadinessCountsOut(Schema):
    schools: int
    declared: int
    not_declared: int
    digital: int
    paper: int
    paper_mode: int
    no_internet: int
    computers: int
    staff_total: int
    certified_staff: int
    certified_computed: int
    trained_staff: int


class SupervisionCountsOut(Schema):
    visits: int
    follow_ups: int
    open_follow_ups: int
    overdue_follow_ups: int


class UnitLineOut(Schema):
    unit_id: int | None
    unit: str
    kind: str
    depth: int
    counts: ReadinessCountsOut
    supervision: SupervisionCountsOut


class SchoolLineOut(Schema):
    school_id: int
    school: str
    code: str
    unit_id: int | None
    declared: bool
    intention: str
    internet: str
    counts: ReadinessCountsOut
    supervision: SupervisionCountsOut


class RollupOut(Schema):
    school_year: str
    units: list[UnitLineOut]
    schools: list[SchoolLineOut]


class UnitReadinessOut(Schema):
    school_year: str
    unit: UnitLineOut
    children: list[UnitLineOut]
    schools: list[SchoolLineOut]


class SchoolReadinessOut(Schema):
    school_year: str
    school: SchoolLineOut


ERRORS: dict[int, Any] = errors(403, 404)


def _reader(request: HttpRequest) -> None:
    if not holds(request.user, Permission.VIEW_READINESS):
        raise PermissionRefused(_("You do not read the schools' readiness."), code="forbidden")


def _year(code: str | None) -> SchoolYear:
    years = SchoolYear.objects.order_by("-start_date")
    found = (
        years.filter(code=code).first() if code else years.filter(start_date__lte=clock.today()).first() or years.last()
    )
    if found is None:
        raise NotFound(_("No school year with this code."), code="year_unknown", field="year")
    return found


def _supervision(request: HttpRequest, school_ids: list[int], year: SchoolYear) -> dict[int, dict[str, int]]:
    """{school: visits in the year and their follow-ups (all, open, overdue)} within the caller's reach."""
    visits = scope.visible_visits(request.user).filter(
        school_id__in=school_ids, visited_on__gte=year.start_date, visited_on__lte=year.end_date
    )
    found = {pk: {"visits": 0, "follow_ups": 0, "open_follow_ups": 0, "overdue_follow_ups": 0} for pk in school_ids}
    for visit_count in visits.order_by().values("school_id").annotate(n=Count("pk")):
        found[visit_count["school_id"]]["visits"] = visit_count["n"]
    open_state = rules.FollowUpState.OPEN
    follow_ups = (
        FollowUp.objects.filter(visit__in=visits.values("pk"))
        .order_by()
        .values("visit__school_id")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=~Q(state=rules.FollowUpState.CONFIRMED)),
            overdue=Count("pk", filter=Q(state=open_state, due_on__lt=clock.today())),
        )
    )
    for row in follow_ups:
        line = found[row["visit__school_id"]]
        line.update(follow_ups=row["n"], open_follow_ups=row["open"], overdue_follow_ups=row["overdue"])
    return found


def _counts(counts: rules.Counts) -> dict[str, Any]:
    return {
        "schools": counts.schools,
        "declared": counts.declared,
        "not_declared": len(counts.not_declared),
        "digital": counts.digital,
        "paper": counts.paper,
        "paper_mode": counts.paper_mode,
        "no_internet": counts.no_internet,
        "computers": counts.computers,
        "staff_total": counts.staff_total,
        "certified_staff": counts.certified_staff,
        "certified_computed": counts.certified_computed,
        "trained_staff": counts.trained_staff,
    }


def _sum(lines: list[dict[str, int]]) -> dict[str, int]:
    keys = ("visits", "follow_ups", "open_follow_ups", "overdue_follow_ups")
    return {key: sum(line[key] for line in lines) for key in keys}


def _school_line(school: Any, line: rules.SchoolFigures, supervision: dict[str, int]) -> dict[str, Any]:
    """One school's API line: its declaration and its counts, with its supervision counts."""
    counts = rules.Counts()
    counts.add(line)
    return {
        "school_id": school.pk,
        "school": school.name,
        "code": school.code,
        "unit_id": line.unit_id,
        "declared": line.declared,
        "intention": line.intention,
        "internet": line.internet,
        "counts": _counts(counts),
        "supervision": supervision,
    }


class _Lines:
    """The caller's roll-up of one year, as API lines: units (top down) and schools."""

    def __init__(self, request: HttpRequest, year: SchoolYear) -> None:
        self.year = year
        self.data = figures.rollup(request.user, year)
        self.school_ids = [school.pk for school, _f, _d in self.data.schools]
        self.supervision = _supervision(request, self.school_ids, year)
        self.unit_of = {school.pk: line.unit_id for school, line, _d in self.data.schools}
        parents = {row.unit.pk: row.unit.parent_id for row in self.data.rows if row.unit is not None}
        self.under: dict[int, set[int]] = {}
        for school_id, unit_id in self.unit_of.items():
            seen: set[int] = set()
            while unit_id is not None and unit_id not in seen:
                seen.add(unit_id)
                self.under.setdefault(unit_id, set()).add(school_id)
                unit_id = parents.get(unit_id)

    def unit_line(self, row: figures.Row) -> dict[str, Any]:
        schools = (
            self.under.get(row.unit.pk, set())
            if row.unit is not None
            else {pk for pk, unit in self.unit_of.items() if unit is None}
        )
        return {
            "unit_id": row.unit.pk if row.unit is not None else None,
            "unit": row.unit.name if row.unit is not None else "",
            "kind": row.unit.kind if row.unit is not None else "",
            "depth": row.depth,
            "counts": _counts(row.counts),
            "supervision": _sum([self.supervision[pk] for pk in schools]),
        }

    def school_line(self, school: Any, line: rules.SchoolFigures) -> dict[str, Any]:
        return _school_line(school, line, self.supervision[school.pk])

    def schools(self, ids: set[int] | None = None) -> list[dict[str, Any]]:
        return [self.school_line(s, f) for s, f, _d in self.data.schools if ids is None or s.pk in ids]


@router.get("/units", response={200: RollupOut, **ERRORS})
def rollup(request: HttpRequest, query: Query[YearQuery]) -> dict[str, Any]:
    """Every unit and school of the caller's scope for the year: declared conditions rolled up per
    unit (top down), and the supervision counts."""
    _reader(request)
    year = _year(query.year)
    lines = _Lines(request, year)
    return {
        "school_year": year.code,
        "units": [lines.unit_line(row) for row in lines.data.rows],
        "schools": lines.schools(),
    }


@router.get("/units/{unit_id}", response={200: UnitReadinessOut, **ERRORS})
def unit_readiness(request: HttpRequest, unit_id: int, query: Query[YearQuery]) -> dict[str, Any]:
    """One unit: its totals, the units directly below it, its schools (in the caller's scope)."""
    _reader(request)
    year = _year(query.year)
    lines = _Lines(request, year)
    row = next((r for r in lines.data.rows if r.unit is not None and r.unit.pk == unit_id), None)
    if row is None:
        raise NotFound(_("No unit with this id is visible to you."), code="not_found", field="unit_id")
    children = [r for r in lines.data.rows if r.unit is not None and r.unit.parent_id == unit_id]
    return {
        "school_year": year.code,
        "unit": lines.unit_line(row),
        "children": [lines.unit_line(r) for r in children],
        "schools": lines.schools(lines.under.get(unit_id, set())),
    }


@router.get("/schools/{school_id}", response={200: SchoolReadinessOut, **ERRORS})
def school_readiness(request: HttpRequest, school_id: int, query: Query[YearQuery]) -> dict[str, Any]:
    """One school's declared conditions and its supervision counts for the year."""
    _reader(request)
    year = _year(query.year)
    school = scope.readiness_schools(request.user, year).filter(pk=school_id).first()
    if school is None:
        raise NotFound(_("No school with this id is visible to you."), code="not_found", field="school_id")
    declarations = figures.latest_declarations([school.pk], year)
    line = figures.school_figures([school], year, declarations)[0]
    supervision = _supervision(request, [school.pk], year)[school.pk]
    return {"school_year": year.code, "school": _school_line(school, line, supervision)}
