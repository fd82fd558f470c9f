"""Cells entered against cells expected: what the regulation needs at each point, per item."""

from __future__ import annotations

import pytest

from hocbaso.assessments import progress
from hocbaso.assessments.catalogue import grade_catalogue

pytestmark = pytest.mark.django_db

# (grade, point, expected cells for one student who takes no optional subject)
EXPECTED = [
    # grade 1: eight subjects and activities (Ngoại ngữ 1 optional), thirteen qualities and
    # competencies (no technology, no informatics); tests only at CHK1 and CN
    (1, "mid1", 8 + 13),
    (1, "end1", 8 + 2 + 13),
    # grade 3: ten subjects (Ngoại ngữ 1, Tin học và Công nghệ), all fifteen competencies
    (3, "mid2", 10 + 15),
    (3, "year_end", 10 + 4 + 15),
    (4, "mid1", 11 + 2 + 15),  # grade 4 tests Tiếng Việt and Toán at mid-semester
    (5, "year_end", 11 + 6 + 15),
]


@pytest.mark.parametrize(("grade", "point", "count"), EXPECTED)
def test_expected_cells_follow_the_curriculum(grade: int, point: str, count: int) -> None:
    catalogue = grade_catalogue("2025-2026", grade)
    cells = progress.expected_cells(catalogue, point, [1], set())
    assert len(cells) == count
    assert len(set(cells)) == count
    assert not any(field == "score" and kind != "subject" for _s, kind, _c, field in cells)


def test_an_optional_subject_is_expected_only_of_those_who_take_it() -> None:
    catalogue = grade_catalogue("2025-2026", 1)
    plain = progress.expected_cells(catalogue, "mid1", [1, 2], set())
    taken = progress.expected_cells(catalogue, "mid1", [1, 2], {(2, "foreign_language_1")})
    assert len(taken) == len(plain) + 1
    assert (2, "subject", "foreign_language_1", "rating") in taken
    assert (1, "subject", "foreign_language_1", "rating") not in taken


TALLY = [
    # (filled cells, Tally of math, Tally of vietnamese)
    (set(), progress.Tally(0, 4), progress.Tally(0, 2)),
    ({(1, "subject", "math", "rating")}, progress.Tally(1, 4), progress.Tally(0, 2)),
    (
        {(1, "subject", "math", "rating"), (1, "subject", "math", "score"), (2, "subject", "math", "rating")},
        progress.Tally(3, 4),
        progress.Tally(0, 2),
    ),
    # a value in a cell nobody expects (a comment, a student who left) does not count
    ({(1, "subject", "math", "comment"), (3, "subject", "math", "rating")}, progress.Tally(0, 4), progress.Tally(0, 2)),
]


@pytest.mark.parametrize(("filled", "math", "vietnamese"), TALLY)
def test_tally(filled, math, vietnamese) -> None:  # type: ignore[no-untyped-def]
    expected = [
        (s, "subject", code, field)
        for s in (1, 2)
        for code, fields in (("math", ("rating", "score")), ("vietnamese", ("rating",)))
        for field in fields
    ]
    counts = progress.tally(expected, filled)
    assert counts[("subject", "math")] == math
    assert counts[("subject", "vietnamese")] == vietnamese


@pytest.mark.parametrize(
    ("tally", "missing", "percent"),
    [
        (progress.Tally(0, 0), 0, 100),
        (progress.Tally(0, 3), 3, 0),
        (progress.Tally(2, 3), 1, 66),  # rounded down: 100 only when complete
        (progress.Tally(299, 300), 1, 99),
        (progress.Tally(3, 3), 0, 100),
    ],
)
def test_tally_figures(tally: progress.Tally, missing: int, percent: int) -> None:
    assert (tally.missing, tally.percent) == (missing, percent)


def test_classes_progress_counts_saved_cells(world) -> None:  # type: ignore[no-untyped-def]
    from hocbaso.assessments import actions

    actions.set_window(
        by=world.users["principal"], school=world.school_a, school_year=world.year, point="end1", open_=True
    )
    an = world.students["an"]
    actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="end1",
        writes=[
            actions.CellWrite(an.pk, "subject", "math", "rating", "T"),
            actions.CellWrite(an.pk, "subject", "math", "score", "9"),
            actions.CellWrite(an.pk, "subject", "math", "comment", "Tiến bộ"),
        ],
    )
    found = progress.classes_progress([world.class_3a, world.class_3b], "end1")
    assert found[world.class_3a.pk][("subject", "math")] == progress.Tally(2, 4)  # two students, rating + score
    assert found[world.class_3b.pk][("subject", "math")] == progress.Tally(0, 2)
    assert progress.total(found[world.class_3a.pk].values()).entered == 2
