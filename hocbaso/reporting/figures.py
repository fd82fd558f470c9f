"""The reporting figures: counts per school (or per class of one school) for a school year and an
assessment point, and their roll-up up the dated unit tree.

Every figure comes from a fixed number of aggregate queries, whatever the number of schools or
classes (``GROUP BY`` school or class, never a query per school): a province of 180,000 pupils
and a million record versions is one pass over each table. No figure carries a child's name, ID,
rating, score or comment — officers read these (``docs/reporting.md`` defines each figure).

- **cells**: a student's rating of each required subject, activity, quality and competency of
  the grade at the point, plus each test score the curriculum's test matrix has at that point;
  *entered* counts the filled ones of the class's cells, *expected* is students × cells per
  student of the grade (optional subjects are not expected and not counted).
- **records** (year level): current versions (frozen), of which signed by the homeroom teacher,
  signed by the principal, issued (sealed) — each count includes the later stages.
- **blocked**: students whose year result is not computed (missing cells), students with a
  result whose year page lacks the days absent (missing year page) — both only while the student
  has no current version —, classes without a homeroom teacher and schools without a principal
  or vice-principal on the day (missing appointment), the school's active certificates already
  expired (expired certificate).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from hocbaso.assessments.catalogue import grade_catalogue
from hocbaso.assessments.models import EntryWindow, ItemKind, Point, StudentYear, YearResult
from hocbaso.core import clock
from hocbaso.directory.models import (
    AdministrativeUnit,
    Appointment,
    ClassGroup,
    Enrolment,
    Role,
    School,
    SchoolUnitLink,
    SchoolYear,
    SchoolYearSetting,
)
from hocbaso.records.models import CURRENT_STATUSES, CorrectionRequest, RecordVersion, Status
from hocbaso.reporting.models import (
    BacklogDay,
    CellCount,
    CorrectionCount,
    EnrolmentCount,
    ResultCount,
    VersionCount,
)
from hocbaso.signing.models import SigningCredential

POINTS = (Point.MID1, Point.END1, Point.MID2, Point.YEAR_END)
DEADLINE_FIELD = {
    Point.MID1: "mid_term1_deadline",
    Point.END1: "end_term1_deadline",
    Point.MID2: "mid_term2_deadline",
    Point.YEAR_END: "year_end_deadline",
}
RESULTS = (YearResult.EXCELLENT, YearResult.GOOD, YearResult.COMPLETED, YearResult.NOT_COMPLETED)
EXPIRING_DAYS = 30
SIGNED_HOMEROOM = (Status.SIGNED_HOMEROOM, Status.SIGNED_PRINCIPAL, Status.ISSUED)
SIGNED_PRINCIPAL = (Status.SIGNED_PRINCIPAL, Status.ISSUED)


@dataclass
class Counts:
    """The additive figures of a class, a school or a unit (sums of its parts)."""

    schools: int = 0
    paper_schools: int = 0
    classes: int = 0
    students: int = 0
    cells_entered: int = 0
    cells_expected: int = 0
    windows_open: int = 0
    frozen: int = 0
    signed_homeroom: int = 0
    signed_principal: int = 0
    issued: int = 0
    missing_cells: int = 0
    missing_year_page: int = 0
    missing_appointment: int = 0
    expired_certificates: int = 0
    expiring_certificates: int = 0
    corrections_pending: int = 0
    corrections: int = 0
    results: dict[int, Counter[str]] = field(default_factory=dict)  # grade → result → students

    def add(self, other: Counts) -> None:
        for f in fields(self):
            if f.name != "results":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        for grade, counter in other.results.items():
            self.results.setdefault(grade, Counter()).update(counter)

    @property
    def cells_percent(self) -> int:
        return _percent(self.cells_entered, self.cells_expected)

    @property
    def issued_percent(self) -> int:
        return _percent(self.issued, self.students)

    @property
    def blocked(self) -> int:
        return self.missing_cells + self.missing_year_page + self.missing_appointment + self.expired_certificates

    def results_total(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counter in self.results.values():
            total.update(counter)
        return total

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "results"}
        found["results"] = {
            str(grade): {result: counter.get(result, 0) for result in RESULTS}
            for grade, counter in sorted(self.results.items())
        }
        return found


def _percent(part: int, whole: int) -> int:
    return min(100, round(100 * part / whole)) if whole else 0


@dataclass
class Row:
    """One school (or one class) with its figures; ``window_open``/``deadline`` for the point."""

    pk: int
    name: str
    code: str = ""
    grade: int = 0
    paper_mode: bool = False
    window_open: bool = False
    counts: Counts = field(default_factory=Counts)


@dataclass
class Report:
    """The figures of one scope (a unit, a school) for a year and a point."""

    school_year: SchoolYear
    point: str
    deadline: dt.date
    total: Counts
    rows: list[Row]  # schools (unit and school reports: the school's own row) or classes
    children: list[tuple[AdministrativeUnit | None, Counts]] = field(default_factory=list)

    @property
    def point_label(self) -> str:
        return str(Point(self.point).label)

    @property
    def deadline_passed(self) -> bool:
        return clock.today() > self.deadline


def deadline_of(school_year: SchoolYear, point: str) -> dt.date:
    return getattr(school_year, DEADLINE_FIELD[Point(point)])


def _cell_conditions(
    school_year: SchoolYear, point: str, grades: Iterable[int], classes: QuerySet[ClassGroup]
) -> tuple[Q, Q, dict[int, int]]:
    """(condition on rated cells, condition on scored cells, cells per student by grade) from the
    curriculum in force for the year, on the per-class counts (``CellCount``, joined to their class
    for its grade: a join is cheaper than a class-id subquery tested on every count row)."""
    rated = Q(pk__in=[])
    scored = Q(pk__in=[])
    per_student: dict[int, int] = {}
    for grade in sorted(set(grades)):
        catalogue = grade_catalogue(school_year.code, grade)
        subjects = [i.code for i in catalogue.subjects if not i.optional]
        competencies = [i.code for i in catalogue.competencies]
        tests = [code for code in subjects if catalogue.has_test(code, point)]
        per_student[grade] = len(subjects) + len(competencies) + len(tests)
        of_grade = Q(class_group__grade=grade)
        rated |= of_grade & (
            Q(item_kind=ItemKind.SUBJECT, item_code__in=subjects)
            | Q(item_kind=ItemKind.COMPETENCY, item_code__in=competencies)
        )
        if tests:
            scored |= of_grade & Q(item_kind=ItemKind.SUBJECT, item_code__in=tests)
    return rated, scored, per_student


def _active_enrolment(school_year: SchoolYear, day: dt.date, prefix: str = "") -> Q:
    """Enrolments of children still in the class on ``day`` (capped at the year's end)."""
    day = min(day, school_year.end_date)
    return Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})


@dataclass
class _Scope:
    """What every figure of one :func:`compute` call shares: the schools (``ids``), their classes of
    the year with each one's school and grade, the rows being filled and the day counted."""

    ids: Any  # a list of school ids, or a subquery of them
    school_year: SchoolYear
    point: str
    by_class: bool
    today: dt.date
    day: dt.date  # ``today`` capped at the year's end
    classes: QuerySet[ClassGroup]
    on_day: Q  # an appointment valid on ``day``
    school_of: dict[int, int]
    grade_of: dict[int, int]
    rows: dict[int, Row]

    def key_of(self, class_id: int | None) -> int | None:
        """The row a class is counted in (itself, or its school)."""
        return class_id if self.by_class else self.school_of.get(class_id)  # type: ignore[arg-type]

    def row(self, pk: int | None) -> Counts:
        """The counts of row ``pk`` (a throw-away one for a row outside the scope)."""
        return self.rows[pk].counts if pk in self.rows else Counts()


def compute(
    school_ids: QuerySet[School] | Iterable[int],
    school_year: SchoolYear,
    point: str,
    *,
    by_class: bool = False,
    today: dt.date | None = None,
) -> dict[int, Row]:
    """Rows keyed by school (or, ``by_class``, by class) with their counts, in a fixed number of
    aggregate queries. ``school_ids`` may be a queryset of schools (kept as a subquery).

    The large tables are read through the summaries the database keeps beside them (ADR 0017,
    0019, 0021): cells, versions, open enrolments, results of pupils still enrolled, corrections;
    only the few rows a summary cannot answer for the day asked are read directly (enrolments
    ended on or after it, year pages without days absent), each through a partial index."""
    today = today or clock.today()
    day = min(today, school_year.end_date)
    ids: Any = school_ids.values("pk") if isinstance(school_ids, QuerySet) else list(school_ids)
    classes = ClassGroup.objects.filter(school_id__in=ids, school_year=school_year)
    on_day = Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    homeroom = Exists(Appointment.objects.filter(on_day, class_group_id=OuterRef("pk"), role=Role.HOMEROOM_TEACHER))
    # every class of the scope once: its school and grade (the keys of the per-class summaries),
    # and whether it has a homeroom teacher on the day
    class_rows = list(classes.annotate(has=homeroom).values_list("pk", "name", "grade", "school_id", "has"))
    rows: dict[int, Row] = {}
    if by_class:
        for pk, name, grade, _school, _has in class_rows:
            rows[pk] = Row(pk, name, grade=grade)
    else:
        for pk, name, code in School.objects.filter(pk__in=ids).values_list("pk", "name", "code"):
            rows[pk] = Row(pk, name, code)
    if not rows:
        return rows
    scope = _Scope(
        ids=ids,
        school_year=school_year,
        point=point,
        by_class=by_class,
        today=today,
        day=day,
        classes=classes,
        on_day=on_day,
        school_of={pk: school for pk, _name, _grade, school, _has in class_rows},
        grade_of={pk: grade for pk, _name, grade, _school, _has in class_rows},
        rows=rows,
    )
    for pk, _name, _grade, _school, has in class_rows:
        counts = scope.row(scope.key_of(pk))
        counts.classes += 1
        counts.missing_appointment += int(not has)
    if not by_class:
        for r in rows.values():
            r.counts.schools = 1
    students, left = _count_pupils(scope)
    _count_cells(scope, students)
    _mark_windows_and_paper(scope)
    _count_versions(scope)
    _count_results(scope, left)
    _count_missing_year_pages(scope)
    if not by_class:
        _count_heads_and_certificates(scope)
    _count_corrections(scope)
    return rows


def _count_pupils(scope: _Scope) -> tuple[Counter[tuple[int | None, int]], set[tuple[int, int]]]:
    """Pupils per row: the open enrolments of each class (``EnrolmentCount``) and, read directly,
    the few enrolments that ended on or after the day — a pupil counted once per row and grade.
    Returns the pupils per (row, grade) and the (class, pupil) pairs of children in a class on the
    day without an open enrolment there (their results are read directly)."""
    school_year, key_of, grade_of = scope.school_year, scope.key_of, scope.grade_of
    students: Counter[tuple[int | None, int]] = Counter()
    for class_id, n in EnrolmentCount.objects.filter(class_group__in=scope.classes).values_list(
        "class_group_id", "enrolments"
    ):
        students[(key_of(class_id), grade_of[class_id])] += n
    open_class = Enrolment.objects.filter(
        student_id=OuterRef("student_id"), school_year=school_year, end_date__isnull=True
    ).values("class_group_id")[:1]
    ended = (
        Enrolment.objects.filter(school_year=school_year, end_date__isnull=False, end_date__gte=scope.day)
        .filter(class_group__school_id__in=scope.ids)
        .order_by()
        .annotate(open_class=Subquery(open_class))
        .values_list("class_group_id", "student_id", "open_class")
    )
    counted: set[tuple[int | None, int, int]] = set()  # (row, grade, pupil) of an ended enrolment
    left: set[tuple[int, int]] = set()  # (class, pupil): in the class on the day, no open enrolment there
    for class_id, student_id, open_in in ended:
        place = (key_of(class_id), grade_of[class_id])
        if open_in is None or (key_of(open_in), grade_of.get(open_in)) != place:
            counted.add((*place, student_id))
        if open_in != class_id:
            left.add((class_id, student_id))
    for place_key, grade, _student in counted:
        students[(place_key, grade)] += 1
    for (place_key, _grade), n in students.items():
        scope.row(place_key).students += n
    return students, left


def _count_cells(scope: _Scope, students: Counter[tuple[int | None, int]]) -> None:
    """Cells expected (pupils × cells per pupil of the grade) and entered: the point's cells from
    the per-class, per-item counts the database keeps beside the cells (``CellCount``, ADR 0017)
    — a few rows per class instead of every cell of the point."""
    rated, scored, per_student = _cell_conditions(
        scope.school_year, scope.point, {g for _k, g in students}, scope.classes
    )
    for (place_key, grade), n in students.items():
        scope.row(place_key).cells_expected += n * per_student.get(grade, 0)
    counted_cells = CellCount.objects.filter(class_group__in=scope.classes, point=scope.point)
    for class_id, n_rated, n_scored in (
        counted_cells.values("class_group_id")
        .annotate(r=Sum("rated", filter=rated), s=Sum("scored", filter=scored))
        .values_list("class_group_id", "r", "s")
    ):
        scope.row(scope.key_of(class_id)).cells_entered += (n_rated or 0) + (n_scored or 0)


def _mark_windows_and_paper(scope: _Scope) -> None:
    """Each row's school: whether its entry window of the point is open, whether it keeps paper."""
    ids, school_year = scope.ids, scope.school_year
    open_schools = set(
        EntryWindow.objects.filter(
            school_id__in=ids, school_year=school_year, point=scope.point, is_open=True
        ).values_list("school_id", flat=True)
    )
    paper = set(
        SchoolYearSetting.objects.filter(school_id__in=ids, school_year=school_year, paper_mode=True).values_list(
            "school_id", flat=True
        )
    )
    for pk, r in scope.rows.items():
        school = scope.school_of.get(pk) if scope.by_class else pk
        r.window_open = school in open_schools
        r.paper_mode = school in paper
        if not scope.by_class:
            r.counts.windows_open = int(r.window_open)
            r.counts.paper_schools = int(r.paper_mode)


def _count_versions(scope: _Scope) -> None:
    """Record versions (year level): a school's from the per-school, per-status counts the
    database keeps (``VersionCount``, ADR 0019), a class's from its school's versions."""
    by_class = scope.by_class
    version_key = "class_group_id" if by_class else "school_id"
    versions: QuerySet[Any] = (
        RecordVersion.objects.filter(school_id__in=scope.ids, school_year=scope.school_year)
        if by_class
        else VersionCount.objects.filter(school_id__in=scope.ids, school_year=scope.school_year)
    )
    summed = "pk" if by_class else "versions"
    tally = Count if by_class else Sum
    for pk, frozen, homeroom_signed, principal, issued in (
        versions.values(version_key)
        .annotate(
            f=Coalesce(tally(summed, filter=Q(status__in=CURRENT_STATUSES)), 0),
            h=Coalesce(tally(summed, filter=Q(status__in=SIGNED_HOMEROOM)), 0),
            p=Coalesce(tally(summed, filter=Q(status__in=SIGNED_PRINCIPAL)), 0),
            i=Coalesce(tally(summed, filter=Q(status=Status.ISSUED)), 0),
        )
        .values_list(version_key, "f", "h", "p", "i")
    ):
        counts = scope.row(pk)
        counts.frozen, counts.signed_homeroom, counts.signed_principal, counts.issued = (
            frozen,
            homeroom_signed,
            principal,
            issued,
        )


def _count_results(scope: _Scope, left: set[tuple[int, int]]) -> None:
    """Year results of the pupils still in the class: those with an open enrolment there
    (``ResultCount``), and those whose enrolment there ended on or after the day (``left``);
    the pupils without one are the missing cells."""
    with_result: Counter[int | None] = Counter()

    def add_result(class_id: int, result: str, n: int) -> None:
        pk = scope.key_of(class_id)
        with_result[pk] += n
        if result in RESULTS:
            scope.row(pk).results.setdefault(scope.grade_of[class_id], Counter())[result] += n

    for class_id, result, n in ResultCount.objects.filter(class_group__in=scope.classes, pupils__gt=0).values_list(
        "class_group_id", "result", "pupils"
    ):
        add_result(class_id, result, n)
    if left:
        for student_id, class_id, result in (
            StudentYear.objects.filter(school_year=scope.school_year, student_id__in={s for _c, s in left})
            .exclude(result="")
            .values_list("student_id", "class_group_id", "result")
        ):
            if (class_id, student_id) in left:
                add_result(class_id, result, 1)
    for pk, r in scope.rows.items():
        r.counts.missing_cells = max(0, r.counts.students - with_result[pk])


def _count_missing_year_pages(scope: _Scope) -> None:
    """The year page missing: asked only of the few results without days absent (a partial index
    holds them), for children still in the class without a current version."""
    school_year = scope.school_year
    still_in = Exists(
        Enrolment.objects.filter(
            _active_enrolment(school_year, scope.today),
            school_year=school_year,
            student_id=OuterRef("student_id"),
            class_group_id=OuterRef("class_group_id"),
        )
    )
    has_version = Exists(
        RecordVersion.objects.filter(
            record__student_id=OuterRef("student_id"), school_year=school_year, status__in=CURRENT_STATUSES
        )
    )
    for class_id, n in (
        StudentYear.objects.filter(school_year=school_year, class_group__in=scope.classes, days_absent__isnull=True)
        .exclude(result="")
        .filter(still_in)
        .annotate(versioned=has_version)
        .filter(versioned=False)
        .values("class_group_id")
        .annotate(n=Count("pk"))
        .values_list("class_group_id", "n")
    ):
        scope.row(scope.key_of(class_id)).missing_year_page += n


def _count_heads_and_certificates(scope: _Scope) -> None:
    """Per school: no principal or vice-principal on the day (a missing appointment), and its
    active certificates expired or expiring within ``EXPIRING_DAYS``."""
    now = clock.now()
    head = Exists(
        Appointment.objects.filter(
            scope.on_day, school_id=OuterRef("pk"), role__in=[Role.PRINCIPAL, Role.VICE_PRINCIPAL]
        )
    )
    for pk in School.objects.filter(pk__in=scope.ids).annotate(has=head).filter(has=False).values_list("pk", flat=True):
        scope.row(pk).missing_appointment += 1
    credentials = SigningCredential.objects.filter(active=True).annotate(
        owner=Coalesce("school_id", "staff__school_id")
    )
    for pk, expired, expiring in (
        credentials.filter(owner__in=scope.ids)
        .values("owner")
        .annotate(
            x=Count("pk", filter=Q(not_after__lt=now)),
            e=Count("pk", filter=Q(not_after__gte=now, not_after__lt=now + dt.timedelta(days=EXPIRING_DAYS))),
        )
        .values_list("owner", "x", "e")
    ):
        scope.row(pk).expired_certificates, scope.row(pk).expiring_certificates = expired, expiring


def _count_corrections(scope: _Scope) -> None:
    """Correction requests: a school's from the per-school counts the database keeps
    (``CorrectionCount``, ADR 0021), a class's from its school's requests."""
    pending = Q(state=CorrectionRequest.State.PENDING)
    corrections: QuerySet[Any]
    if scope.by_class:
        corrections = (
            CorrectionRequest.objects.filter(version__school_id__in=scope.ids, version__school_year=scope.school_year)
            .values("version__class_group_id")
            .annotate(n=Count("pk"), p=Count("pk", filter=pending))
            .values_list("version__class_group_id", "n", "p")
        )
    else:
        corrections = (
            CorrectionCount.objects.filter(school_id__in=scope.ids, school_year=scope.school_year)
            .values("school_id")
            .annotate(n=Coalesce(Sum("requests"), 0), p=Coalesce(Sum("requests", filter=pending), 0))
            .values_list("school_id", "n", "p")
        )
    for pk, total, n_pending in corrections:
        scope.row(pk).corrections, scope.row(pk).corrections_pending = total, n_pending


# --- the dated unit tree ------------------------------------------------------------------------


def _overlaps_year(school_year: SchoolYear, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": school_year.end_date}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": school_year.start_date})
    )


def schools_under(unit: AdministrativeUnit, school_year: SchoolYear) -> dict[int, int | None]:
    """School → the child of ``unit`` it is counted under in ``school_year`` (None: linked to the
    unit itself), following the links in force that year: a school is under the legacy district
    for 2024-2025 and under its commune for 2025-2026. A school with two links that year is
    counted once, under the later one."""
    below = unit.descendant_ids()
    parents = {
        pk: (parent, merged)
        for pk, parent, merged in AdministrativeUnit.objects.filter(pk__in=below).values_list(
            "pk", "parent_id", "merged_into_id"
        )
    }

    def child_of(pk: int) -> int | None:
        seen: set[int] = set()
        while pk != unit.pk and pk not in seen:
            seen.add(pk)
            parent, merged = parents.get(pk, (None, None))
            if unit.pk in (parent, merged):
                return pk
            nxt = parent if parent in below else merged
            if nxt is None:
                return None
            pk = nxt
        return None

    found: dict[int, int | None] = {}
    links = SchoolUnitLink.objects.filter(_overlaps_year(school_year), unit_id__in=below).order_by("valid_from")
    for school_id, unit_id in links.values_list("school_id", "unit_id"):
        found[school_id] = child_of(unit_id)
    return found


def child_units(unit: AdministrativeUnit, school_year: SchoolYear) -> list[AdministrativeUnit]:
    """The units directly below ``unit`` (children and units merged into it) existing in ``school_year``."""
    return list(
        AdministrativeUnit.objects.filter(Q(parent=unit) | Q(merged_into=unit))
        .filter(_overlaps_year(school_year))
        .order_by("kind", "name")
    )


def unit_report(
    unit: AdministrativeUnit, school_year: SchoolYear, point: str, *, scope: QuerySet[School] | None = None
) -> Report:
    """The unit's figures: per school below it (in ``scope``, when given) and per child unit."""
    placed = schools_under(unit, school_year)
    ids = set(placed)
    if scope is not None:
        ids &= set(scope.filter(pk__in=ids).values_list("pk", flat=True))
    rows = compute(ids, school_year, point)
    total = Counts()
    by_child: dict[int | None, Counts] = defaultdict(Counts)
    for pk, r in rows.items():
        total.add(r.counts)
        by_child[placed[pk]].add(r.counts)
    children: list[tuple[AdministrativeUnit | None, Counts]] = [
        (child, by_child.get(child.pk, Counts())) for child in child_units(unit, school_year)
    ]
    if None in by_child:
        children.append((None, by_child[None]))
    ordered = sorted(rows.values(), key=lambda r: r.name)
    return Report(school_year, point, deadline_of(school_year, point), total, ordered, children)


def school_report(school: School, school_year: SchoolYear, point: str) -> Report:
    """One school's figures (its own row) and its classes' rows."""
    own = compute([school.pk], school_year, point)
    classes = compute([school.pk], school_year, point, by_class=True)
    total = own[school.pk].counts if school.pk in own else Counts()
    ordered = sorted(classes.values(), key=lambda r: (r.grade, r.name))
    return Report(school_year, point, deadline_of(school_year, point), total, ordered)


def class_counts(class_group: ClassGroup, point: str) -> Row:
    rows = compute([class_group.school_id], class_group.school_year, point, by_class=True)
    return rows.get(class_group.pk) or Row(class_group.pk, class_group.name, grade=class_group.grade)


# --- the signing backlog over time ----------------------------------------------------------------


def backlog(school_ids: QuerySet[School] | Iterable[int], school_year: SchoolYear) -> list[tuple[dt.date, int]]:
    """(day, versions frozen and not yet issued at the end of that day), for every day something
    changed: frozen from the versions' assembly, issued from the school seal's signature time, and
    withdrawn (superseded or revoked before being sealed) from their status change.

    Summed from the per-school daily changes the database keeps beside the versions and
    signatures (``BacklogDay``, ADR 0019): a few rows per school and busy day instead of every
    version and seal of a province's year, and never stale (written in the same transaction)."""
    ids: Any = school_ids.values("pk") if isinstance(school_ids, QuerySet) else sorted(set(school_ids))
    days = (
        BacklogDay.objects.filter(school_id__in=ids, school_year=school_year)
        .values("day")
        .annotate(c=Sum("change"), e=Sum("events"))
        .filter(e__gt=0)
        .order_by("day")
        .values_list("day", "c")
    )
    series: list[tuple[dt.date, int]] = []
    running = 0
    for day, change in days:
        running += change
        series.append((day, running))
    return series


def results_by_grade(results: Mapping[int, Counter[str]]) -> list[tuple[int, list[int]]]:
    """(grade, [HTXS, HTT, HT, CHT]) in grade order."""
    return [(grade, [results[grade].get(r, 0) for r in RESULTS]) for grade in sorted(results)]
