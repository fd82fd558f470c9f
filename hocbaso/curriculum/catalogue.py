"""One grade's curriculum as plain, cached data: what the entry grid, validation, grading and
record assembly read instead of querying the curriculum tables each time."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Item:
    """A subject/activity (``kind="subject"``) or a quality/competency (``kind="competency"``)."""

    kind: str
    code: str
    name: str
    short: str
    optional: bool = False
    group: str = ""  # competencies: quality | general | specific


@dataclass(frozen=True)
class PointInfo:
    """A periodic assessment point: code (``mid1``…), name ("Giữa học kì I"), short label ("GHK1")."""

    code: str
    name: str
    short: str


@dataclass(frozen=True)
class GradeCatalogue:
    """Items assessed in one grade under one curriculum version, its test matrix and scales."""

    version: str
    grade: int
    items: tuple[Item, ...]
    test_cells: frozenset[tuple[str, str]]
    scales: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)  # subject, competency, score
    points: tuple[PointInfo, ...] = ()
    _index: dict[tuple[str, str], Item] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({(item.kind, item.code): item for item in self.items})

    def item(self, kind: str, code: str) -> Item | None:
        return self._index.get((kind, code))

    def has_test(self, subject_code: str, point: str) -> bool:
        return (subject_code, point) in self.test_cells

    @property
    def subjects(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == "subject")

    @property
    def competencies(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == "competency")


def _ensure_loaded() -> None:
    """The data migration loads the curriculum; a flushed database (tests that truncate
    tables) gets it back here, since the data files are part of the code."""
    from hocbaso.curriculum.models import CurriculumVersion

    if not CurriculumVersion.objects.exists():
        from hocbaso.curriculum.loading import load_all

        load_all()


@lru_cache(maxsize=64)
def catalogue_for(version_code: str, grade: int) -> GradeCatalogue:
    """The catalogue of ``grade`` in curriculum ``version_code`` (cached per process)."""
    from hocbaso.curriculum.models import AssessmentPoint, Competency, CurriculumVersion, GradeSubject, TestCell

    _ensure_loaded()
    version = CurriculumVersion.objects.get(code=version_code)
    items: list[Item] = [
        Item("subject", gs.subject.code, gs.subject.name, gs.subject.short_name, gs.optional)
        for gs in GradeSubject.objects.filter(subject__version=version, grade=grade)
        .select_related("subject")
        .order_by("subject__order")
    ]
    items += [
        Item("competency", c.code, c.name, c.short_name, group=c.group)
        for c in Competency.objects.filter(version=version).order_by("order")
        if grade in c.grades
    ]
    tests = frozenset(
        TestCell.objects.filter(subject__version=version, grade=grade).values_list("subject__code", "point__code")
    )
    points = tuple(
        PointInfo(p.code, p.name, p.short_name)
        for p in AssessmentPoint.objects.filter(version=version).order_by("order")
    )
    return GradeCatalogue(version.code, grade, tuple(items), tests, dict(version.scales), points=points)


@lru_cache(maxsize=32)
def version_for_year(school_year: str, level: str = "primary") -> str:
    """The code of the curriculum version in force for ``school_year`` at ``level``."""
    from hocbaso.curriculum.models import CurriculumVersion

    _ensure_loaded()
    version = (
        CurriculumVersion.objects.filter(level=level, valid_from_year__lte=school_year)
        .order_by("-valid_from_year")
        .first()
    )
    if version is None:
        raise LookupError(f"No {level} curriculum in force for {school_year}.")
    return version.code


def clear_cache() -> None:
    catalogue_for.cache_clear()
    version_for_year.cache_clear()
