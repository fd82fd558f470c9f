"""Records test helpers: stored files in a per-test directory, the records URLs wired in, and
filling a student's year through the real assessment actions."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.assessments import actions as assessment_actions
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.models import StudentYear
from hocbaso.directory.models import ClassGroup
from hocbaso.testing import World


@pytest.fixture(autouse=True)
def _records_env(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def open_window(world: World, school: Any = None, point: str = "year_end") -> None:
    assessment_actions.set_window(
        by=world.users["principal"], school=school or world.school_a, school_year=world.year, point=point, open_=True
    )


def fill_year(
    world: World,
    student_key: str,
    *,
    class_group: ClassGroup | None = None,
    by: str = "homeroom",
    rating: str = "T",
    score: int = 9,
    blank: str = "",
    change: dict[str, Any] | None = None,
    days_absent: int | None = 1,
) -> None:
    """Enter every year-end cell of the student (``blank``: an item code left empty), then compute."""
    class_group = class_group or world.class_3a
    catalogue = catalogue_for_class(class_group)
    student = world.students[student_key].pk
    writes = []
    for item in catalogue.items:
        if item.optional or item.code == blank:
            continue
        value = rating if item.kind == "subject" else ("T" if rating == "T" else "Đ")
        writes.append(assessment_actions.CellWrite(student, item.kind, item.code, "rating", value))
        if catalogue.has_test(item.code, "year_end"):
            value = (change or {}).get(f"{item.code}:score", score)
            writes.append(assessment_actions.CellWrite(student, item.kind, item.code, "score", value))
    actions_by = world.users[by]
    assessment_actions.save_cells(by=actions_by, class_group=class_group, point="year_end", writes=writes)
    assessment_actions.compute_year_results(by=actions_by, class_group=class_group)
    if days_absent is not None:
        StudentYear.objects.filter(student_id=student, school_year=class_group.school_year).update(
            days_absent=days_absent
        )


@pytest.fixture
def complete_3a(world):  # type: ignore[no-untyped-def]
    """World with the year-end window open and both 3A students' years complete."""
    open_window(world)
    fill_year(world, "an")
    fill_year(world, "binh")
    return world
