"""The readiness figures of a school year, read from the database and rolled up the dated tree.

A school counts, for a school year, under the unit it was linked to on the year's first day (a
legacy district for 2024-2025, a commune or ward from 2025-2026), or, when that day has no link,
the latest link overlapping the year; then under every unit above. A few queries per page,
whatever the number of schools: declarations, settings, credentials and links are read in bulk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from hocbaso.directory.models import AdministrativeUnit as Unit
from hocbaso.directory.models import Appointment, School, SchoolUnitLink, SchoolYear, SchoolYearSetting
from hocbaso.reporting.readiness import rules
from hocbaso.reporting.readiness.models import ReadinessDeclaration
from hocbaso.reporting.readiness.rules import Counts, SchoolFigures
from hocbaso.reporting.readiness.scope import readiness_schools
from hocbaso.signing.models import SigningCredential

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # a credential valid on a Vietnamese day of the year counts


def unit_of_schools(school_ids: list[int], school_year: SchoolYear) -> dict[int, int]:
    """{school: its unit in ``school_year``} (see the module's docstring)."""
    links = SchoolUnitLink.objects.filter(school_id__in=school_ids, valid_from__lte=school_year.end_date).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=school_year.start_date)
    )
    found: dict[int, tuple[bool, Any, int]] = {}
    for link in links:
        on_first_day = link.valid_from <= school_year.start_date
        key = (on_first_day, link.valid_from, link.unit_id)
        if link.school_id not in found or key > found[link.school_id]:
            found[link.school_id] = key
    return {school: key[2] for school, key in found.items()}


def certified_staff_counts(school_ids: list[int], school_year: SchoolYear) -> dict[int, int]:
    """{school: staff who held a role there during ``school_year`` and a personal signing credential
    (active, valid on some day of the year)} — what the system knows, beside what was declared."""
    # instants, not ``__date`` lookups: the database compares them without parsing every row
    first = dt.datetime.combine(school_year.start_date, dt.time.min, tzinfo=VIETNAM)
    after_last = dt.datetime.combine(school_year.end_date + dt.timedelta(days=1), dt.time.min, tzinfo=VIETNAM)
    credentials = SigningCredential.objects.filter(
        for_organisation=False, active=True, not_before__lt=after_last, not_after__gte=first
    )
    appointments = (
        Appointment.objects.filter(school_id__in=school_ids, valid_from__lte=school_year.end_date)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=school_year.start_date))
        .filter(staff__in=credentials.values("staff"))
    )
    rows = appointments.values("school_id").annotate(n=Count("staff", distinct=True))
    return {row["school_id"]: row["n"] for row in rows}


def latest_declarations(ids: list[int], school_year: SchoolYear) -> dict[int, ReadinessDeclaration]:
    """{school: its current declaration of ``school_year``} (the highest revision). One query; the
    few earlier revisions are read and dropped, cheaper than asking the database for each maximum."""
    found: dict[int, ReadinessDeclaration] = {}
    for declaration in ReadinessDeclaration.objects.filter(school_id__in=ids, school_year=school_year).order_by(
        "revision"
    ):
        found[declaration.school_id] = declaration
    return found


def school_figures(
    schools: list[School], school_year: SchoolYear, declarations: dict[int, ReadinessDeclaration]
) -> list[SchoolFigures]:
    ids = [s.pk for s in schools]
    paper = set(
        SchoolYearSetting.objects.filter(school_id__in=ids, school_year=school_year, paper_mode=True).values_list(
            "school_id", flat=True
        )
    )
    units = unit_of_schools(ids, school_year)
    certified = certified_staff_counts(ids, school_year)
    found = []
    for school in schools:
        d = declarations.get(school.pk)
        found.append(
            SchoolFigures(
                school_id=school.pk,
                unit_id=units.get(school.pk),
                declared=d is not None,
                intention=d.intention if d else "",
                paper_mode=school.pk in paper,
                computers=d.computers if d else 0,
                internet=d.internet if d else "",
                staff_total=d.staff_total if d else 0,
                certified_staff=d.certified_staff if d else 0,
                certified_computed=certified.get(school.pk, 0),
                trained_staff=d.trained_staff if d else 0,
            )
        )
    return found


@dataclass
class Row:
    """A line of the roll-up table: a unit (with its depth) or a school under its unit."""

    depth: int
    unit: Unit | None
    counts: Counts
    not_declared: list[School]


@dataclass
class Rollup:
    school_year: SchoolYear
    rows: list[Row]
    schools: list[tuple[School, SchoolFigures, ReadinessDeclaration | None]]


def rollup(user: Any, school_year: SchoolYear) -> Rollup:
    """What ``user`` may read of ``school_year``'s readiness: per unit, top down, then per school."""
    schools = list(readiness_schools(user, school_year).order_by("name"))
    declarations = latest_declarations([s.pk for s in schools], school_year)
    figures = school_figures(schools, school_year, declarations)
    unit_ids = {f.unit_id for f in figures if f.unit_id is not None}
    parent_of: dict[int, int | None] = {}
    frontier = set(unit_ids)
    units: dict[int, Unit] = {}
    while frontier:  # the units and every unit above them
        fetched = list(Unit.objects.filter(pk__in=frontier))
        units.update({u.pk: u for u in fetched})
        parent_of.update({u.pk: u.parent_id for u in fetched})
        frontier = {u.parent_id for u in fetched if u.parent_id is not None} - set(units)
    totals = rules.roll_up(figures, parent_of)
    by_id = {s.pk: s for s in schools}
    children: dict[int | None, list[int]] = {}
    for unit_id in totals:
        if unit_id is not None:
            children.setdefault(parent_of.get(unit_id), []).append(unit_id)
    rows: list[Row] = []

    def walk(unit_id: int, depth: int) -> None:
        counts = totals[unit_id]
        rows.append(Row(depth, units[unit_id], counts, [by_id[s] for s in counts.not_declared]))
        for child in sorted(children.get(unit_id, []), key=lambda u: units[u].name):
            walk(child, depth + 1)

    for top in sorted(children.get(None, []), key=lambda u: units[u].name):
        walk(top, 0)
    if None in totals:
        rows.append(Row(0, None, totals[None], [by_id[s] for s in totals[None].not_declared]))
    lines = [(by_id[f.school_id], f, declarations.get(f.school_id)) for f in figures]
    return Rollup(school_year, rows, lines)
