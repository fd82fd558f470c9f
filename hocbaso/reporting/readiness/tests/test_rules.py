"""The rules of readiness and supervision, table by table (pure functions, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.reporting.readiness import rules
from hocbaso.reporting.readiness.rules import FollowUpState as S
from hocbaso.reporting.readiness.rules import Move as M
from hocbaso.reporting.readiness.rules import SchoolFigures

TODAY = dt.date(2026, 3, 10)
FINE = {"computers": 12, "staff_total": 20, "certified_staff": 15, "trained_staff": 20}


@pytest.mark.parametrize(
    ("change", "year_end", "expected"),
    [
        ({}, dt.date(2026, 5, 31), []),
        ({}, TODAY, []),  # the year's last day still counts
        ({}, dt.date(2026, 3, 9), [("school_year", "readiness_year_closed")]),  # a past year is not rewritten
        ({"computers": 0, "staff_total": 0, "certified_staff": 0, "trained_staff": 0}, dt.date(2026, 5, 31), []),
        ({"computers": -1}, dt.date(2026, 5, 31), [("computers", "readiness_count_range")]),
        ({"computers": 10_001}, dt.date(2026, 5, 31), [("computers", "readiness_count_range")]),
        ({"computers": 10_000}, dt.date(2026, 5, 31), []),
        ({"certified_staff": 21}, dt.date(2026, 5, 31), [("certified_staff", "readiness_more_than_staff")]),
        ({"trained_staff": 21}, dt.date(2026, 5, 31), [("trained_staff", "readiness_more_than_staff")]),
        ({"certified_staff": 20, "trained_staff": 20}, dt.date(2026, 5, 31), []),
        (
            {"staff_total": -3, "certified_staff": 1},
            dt.date(2026, 5, 31),
            [("staff_total", "readiness_count_range")],
        ),
        (
            {"staff_total": 3},
            dt.date(2026, 5, 31),
            [("certified_staff", "readiness_more_than_staff"), ("trained_staff", "readiness_more_than_staff")],
        ),
        ({"trained_staff": 99_999}, dt.date(2026, 5, 31), [("trained_staff", "readiness_count_range")]),
    ],
)
def test_declaration_problems(change: dict[str, int], year_end: dt.date, expected: list[tuple[str, str]]) -> None:
    found = rules.declaration_problems({**FINE, **change}, year_end=year_end, today=TODAY)
    assert [(p.field, p.code) for p in found] == expected


@pytest.mark.parametrize(
    ("visited_on", "expected"),
    [
        (TODAY, None),
        (TODAY - dt.timedelta(days=1), None),
        (TODAY - dt.timedelta(days=30), None),  # the limit itself
        (TODAY - dt.timedelta(days=31), "visit_backdated"),
        (dt.date(2019, 1, 1), "visit_backdated"),
        (TODAY + dt.timedelta(days=1), "visit_in_future"),
        (dt.date(2099, 1, 1), "visit_in_future"),
    ],
)
def test_visit_date(visited_on: dt.date, expected: str | None) -> None:
    problem = rules.visit_date_problem(visited_on, today=TODAY)
    assert (problem.code if problem else None) == expected


@pytest.mark.parametrize(
    ("due_on", "expected"),
    [
        (TODAY, None),
        (TODAY + dt.timedelta(days=366), None),
        (TODAY + dt.timedelta(days=367), "follow_up_due_too_far"),
        (TODAY - dt.timedelta(days=1), "follow_up_due_past"),
    ],
)
def test_due_date(due_on: dt.date, expected: str | None) -> None:
    problem = rules.due_date_problem(due_on, today=TODAY)
    assert (problem.code if problem else None) == expected


@pytest.mark.parametrize(
    ("state", "move", "expected"),
    [
        (S.OPEN, M.MARK_DONE, S.DONE),
        (S.OPEN, M.CONFIRM, None),  # the officer confirms only what the school says is done
        (S.OPEN, M.REOPEN, None),
        (S.DONE, M.CONFIRM, S.CONFIRMED),
        (S.DONE, M.REOPEN, S.OPEN),
        (S.DONE, M.MARK_DONE, None),
        (S.CONFIRMED, M.MARK_DONE, None),
        (S.CONFIRMED, M.REOPEN, None),  # confirmed is final
        (S.CONFIRMED, M.CONFIRM, None),
        ("deleted", M.CONFIRM, None),
        (S.OPEN, "erase", None),
    ],
)
def test_transitions(state: str, move: str, expected: S | None) -> None:
    assert rules.next_state(state, move) == expected


@pytest.mark.parametrize(
    ("state", "due_on", "expected"),
    [
        (S.OPEN, TODAY - dt.timedelta(days=1), True),
        (S.OPEN, TODAY, False),  # due today is not late yet
        (S.OPEN, TODAY + dt.timedelta(days=5), False),
        (S.DONE, TODAY - dt.timedelta(days=9), False),  # waits on the officer, not the school
        (S.CONFIRMED, TODAY - dt.timedelta(days=9), False),
    ],
)
def test_overdue(state: str, due_on: dt.date, expected: bool) -> None:
    assert rules.is_overdue(state, due_on, today=TODAY) is expected


def test_roll_up_counts_each_school_in_its_unit_and_every_unit_above() -> None:
    # province 1 → communes 10, 11; district 20 (legacy) under province 1; school 5 has no unit.
    parent_of = {1: None, 10: 1, 11: 1, 20: 1}
    schools = [
        SchoolFigures(1, 10, True, "digital", False, 10, "stable", 20, 5, 4, 18),
        SchoolFigures(2, 10, True, "paper", True, 2, "none", 8, 0, 0, 1),
        SchoolFigures(3, 10, False, certified_computed=3, paper_mode=True),
        SchoolFigures(4, 11, True, "digital", False, 30, "unstable", 40, 40, 38, 40),
        SchoolFigures(5, None, False),
    ]
    totals = rules.roll_up(schools, parent_of)
    assert set(totals) == {1, 10, 11, None}  # the district has no school this year: absent
    commune = totals[10]
    assert (commune.schools, commune.declared, commune.not_declared) == (3, 2, [3])
    assert (commune.digital, commune.paper, commune.paper_mode, commune.no_internet) == (1, 1, 2, 1)
    assert (commune.computers, commune.staff_total, commune.certified_staff, commune.trained_staff) == (12, 28, 5, 19)
    assert commune.certified_computed == 7  # 4 + 0 + 3: the undeclared school's credentials count too
    province = totals[1]
    assert (province.schools, province.declared, province.not_declared) == (4, 3, [3])
    assert (province.digital, province.paper, province.computers, province.trained_staff) == (2, 1, 42, 59)
    assert (province.certified_staff, province.certified_computed) == (45, 45)
    assert (totals[None].schools, totals[None].not_declared) == (1, [5])


def test_roll_up_survives_a_cycle_in_bad_data() -> None:
    totals = rules.roll_up([SchoolFigures(1, 7, False)], {7: 8, 8: 7})
    assert totals[7].schools == totals[8].schools == 1
