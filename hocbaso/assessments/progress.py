"""How far entry has gone: cells entered against cells expected, per class and item.

A cell is *expected* when Thông tư 27 needs it at that point: the rating of every subject and
activity the student studies (an optional one only when taken), the test score where the
curriculum's test matrix has a cell, and the rating of every quality and competency. Comments
are never counted (they are not required). ``expected_cells`` and ``tally`` are pure; the other
functions read the database once per school year and point.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hocbaso.curriculum.catalogue import GradeCatalogue

Cell = tuple[int, str, str, str]  # student id, item kind, item code, field (rating | score)


@dataclass(frozen=True)
class Tally:
    entered: int
    expected: int

    @property
    def missing(self) -> int:
        return self.expected - self.entered

    @property
    def percent(self) -> int:
        """Whole per cent entered, rounded down (100 only when complete); 100 when nothing is expected."""
        return 100 if not self.expected else (100 * self.entered) // self.expected

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.entered + other.entered, self.expected + other.expected)


EMPTY = Tally(0, 0)


def expected_cells(
    catalogue: GradeCatalogue, point: str, students: Iterable[int], taken: set[tuple[int, str]]
) -> list[Cell]:
    """Every cell the regulation needs at ``point`` for ``students`` (``taken``: optional subjects)."""
    cells: list[Cell] = []
    for student in students:
        for item in catalogue.items:
            if item.optional and (student, item.code) not in taken:
                continue
            cells.append((student, item.kind, item.code, "rating"))
            if item.kind == "subject" and catalogue.has_test(item.code, point):
                cells.append((student, item.kind, item.code, "score"))
    return cells


def tally(expected: Iterable[Cell], filled: set[Cell]) -> dict[tuple[str, str], Tally]:
    """Per item (kind, code): how many of its expected cells are in ``filled``."""
    counts: dict[tuple[str, str], list[int]] = {}
    for cell in expected:
        count = counts.setdefault((cell[1], cell[2]), [0, 0])
        count[1] += 1
        if cell in filled:
            count[0] += 1
    return {key: Tally(entered, total) for key, (entered, total) in counts.items()}


def total(tallies: Iterable[Tally]) -> Tally:
    result = EMPTY
    for one in tallies:
        result = result + one
    return result


def filled_cells(rows: Iterable[tuple[int, str, str, str, int | None]]) -> set[Cell]:
    """The cells holding a value among entries given as (student, kind, code, rating, score)."""
    filled: set[Cell] = set()
    for student, kind, code, rating, score in rows:
        if rating:
            filled.add((student, kind, code, "rating"))
        if score is not None:
            filled.add((student, kind, code, "score"))
    return filled


def classes_progress(class_groups: list[Any], point: str) -> dict[int, dict[tuple[str, str], Tally]]:
    """Per class id, per item: entered / expected at ``point``. The classes may span schools and
    years; one query per kind of row."""
    from hocbaso.assessments.catalogue import catalogue_for_class
    from hocbaso.assessments.models import AssessmentEntry, OptionalSubject
    from hocbaso.directory.models import Enrolment

    if not class_groups:
        return {}
    from hocbaso.core import clock

    members: dict[int, list[int]] = {c.pk: [] for c in class_groups}
    # as Enrolment.objects.members_of: less the children who left before today (or the year's end)
    day = {c.pk: min(clock.today(), c.school_year.end_date) for c in class_groups}
    for class_id, student_id, end in (
        Enrolment.objects.filter(class_group__in=class_groups)
        .values_list("class_group_id", "student_id", "end_date")
        .order_by()
    ):
        if end is None or end >= day[class_id]:
            members[class_id].append(student_id)
    every = [s for ids in members.values() for s in ids]
    years = {c.school_year_id for c in class_groups}
    taken = set(
        OptionalSubject.objects.filter(school_year_id__in=years, student_id__in=every).values_list(
            "student_id", "subject_code"
        )
    )
    # plain tuples, not model instances: a school has some 20,000 cells per point
    entries = AssessmentEntry.objects.filter(class_group__in=class_groups, point=point, student_id__in=every)
    filled = filled_cells(entries.values_list("student_id", "item_kind", "item_code", "rating", "score").order_by())
    return {
        c.pk: tally(expected_cells(catalogue_for_class(c), point, members[c.pk], taken), filled) for c in class_groups
    }


def school_years(school: Any) -> list[Any]:
    """The school years in which ``school`` has classes, newest first."""
    from hocbaso.directory.models import SchoolYear

    return list(SchoolYear.objects.filter(classes__school=school).distinct().order_by("-code"))


def current_year(years: list[Any]) -> Any:
    """Of ``years`` (newest first), the latest that has begun (next year's classes may exist
    already), else the newest; ``None`` when there is none."""
    from hocbaso.core import clock

    today = clock.today()
    return next((y for y in years if y.start_date <= today), years[0] if years else None)


def classes_of(school: Any, year: Any) -> list[Any]:
    """The classes of ``school`` in ``year``, by grade and name (none without a year)."""
    from hocbaso.directory.models import ClassGroup

    if year is None:
        return []
    query = ClassGroup.objects.filter(school=school, school_year=year).select_related("school_year")
    return list(query.order_by("grade", "name"))
