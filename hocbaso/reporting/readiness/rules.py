"""The rules of readiness and supervision as pure functions (no ORM): tested table by table.

- A declaration's figures (:func:`declaration_problems`): whole numbers within bounds, no more staff
  holding certificates or trained than staff in all, and only for a school year not yet ended (the
  conditions of a past year are not rewritten after the fact).
- A supervision visit's date (:func:`visit_date_problem`): not in the future, and recorded at most
  ``MAX_VISIT_AGE_DAYS`` days after the visit (a visit is written up while it is fresh; an older one
  cannot be slipped into the past).
- A follow-up's due date (:func:`due_date_problem`): not before the day it is set, at most a year on.
- A follow-up's states (:data:`TRANSITIONS`): open → done (the school, with a note) → confirmed (the
  officer), or done → open again (the officer reopens, with a note).
- Overdue (:func:`is_overdue`): still open after its due date.
- The roll-up up the unit tree (:func:`roll_up`): each school counted once in its unit and in every
  unit above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

MAX_VISIT_AGE_DAYS = 30  # a visit is recorded at most 30 days after it took place
MAX_DUE_DAYS = 366  # a follow-up is due within a year of the day it is set
MAX_COUNT = 10_000  # no school has more computers or staff than this: a typo, not a school


@dataclass(frozen=True)
class Problem:
    """A broken rule: the field it is about and a stable code (messages live with the actions)."""

    field: str
    code: str


# --- declarations ---------------------------------------------------------------------------------

COUNT_FIELDS = ("computers", "staff_total", "certified_staff", "trained_staff")


def declaration_problems(values: Mapping[str, int], *, year_end: dt.date, today: dt.date) -> list[Problem]:
    """What is wrong with declared figures ``values`` (the ``COUNT_FIELDS``) for a year ending ``year_end``."""
    found: list[Problem] = []
    if year_end < today:
        found.append(Problem("school_year", "readiness_year_closed"))
    for name in COUNT_FIELDS:
        value = values[name]
        if value < 0 or value > MAX_COUNT:
            found.append(Problem(name, "readiness_count_range"))
    staff = values["staff_total"]
    if not 0 <= staff <= MAX_COUNT:  # already refused: comparing with it would only repeat that
        return found
    for name in ("certified_staff", "trained_staff"):
        if 0 <= values[name] <= MAX_COUNT and values[name] > staff:
            found.append(Problem(name, "readiness_more_than_staff"))
    return found


# --- supervision visits ----------------------------------------------------------------------------


def visit_date_problem(visited_on: dt.date, *, today: dt.date) -> Problem | None:
    """The visit date's problem, if any, when it is recorded ``today``."""
    if visited_on > today:
        return Problem("visited_on", "visit_in_future")
    if (today - visited_on).days > MAX_VISIT_AGE_DAYS:
        return Problem("visited_on", "visit_backdated")
    return None


def due_date_problem(due_on: dt.date, *, today: dt.date) -> Problem | None:
    """A follow-up's due date's problem, if any, when it is set ``today``."""
    if due_on < today:
        return Problem("due_on", "follow_up_due_past")
    if (due_on - today).days > MAX_DUE_DAYS:
        return Problem("due_on", "follow_up_due_too_far")
    return None


class FollowUpState(StrEnum):
    OPEN = "open"
    DONE = "done"  # the school says it is done; the officer has not confirmed yet
    CONFIRMED = "confirmed"


class Move(StrEnum):
    MARK_DONE = "mark_done"  # the school
    CONFIRM = "confirm"  # the officer
    REOPEN = "reopen"  # the officer


# (state, move) → new state; anything else is refused (``follow_up_transition``).
TRANSITIONS: dict[tuple[FollowUpState, Move], FollowUpState] = {
    (FollowUpState.OPEN, Move.MARK_DONE): FollowUpState.DONE,
    (FollowUpState.DONE, Move.CONFIRM): FollowUpState.CONFIRMED,
    (FollowUpState.DONE, Move.REOPEN): FollowUpState.OPEN,
}
NOTE_REQUIRED = frozenset({Move.MARK_DONE, Move.REOPEN})


def next_state(state: str, move: str) -> FollowUpState | None:
    """The state after ``move`` from ``state``, or None when the move is not allowed there."""
    try:
        return TRANSITIONS.get((FollowUpState(state), Move(move)))
    except ValueError:
        return None


def is_overdue(state: str, due_on: dt.date, *, today: dt.date) -> bool:
    """Still open after its due date (a follow-up the school marked done waits on the officer, not the school)."""
    return state == FollowUpState.OPEN and due_on < today


# --- the roll-up ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolFigures:
    """One school's line for a school year: its unit that year and what it declared (None: nothing yet)."""

    school_id: int
    unit_id: int | None
    declared: bool
    intention: str = ""  # "digital" | "paper" when declared
    paper_mode: bool = False  # the binding switch (SchoolYearSetting), whatever was declared
    computers: int = 0
    internet: str = ""
    staff_total: int = 0
    certified_staff: int = 0
    certified_computed: int = 0  # staff holding a personal signing credential in the system
    trained_staff: int = 0


@dataclass
class Counts:
    """Sums over the schools of a unit and the units below it."""

    schools: int = 0
    declared: int = 0
    digital: int = 0
    paper: int = 0
    paper_mode: int = 0
    no_internet: int = 0
    computers: int = 0
    staff_total: int = 0
    certified_staff: int = 0
    certified_computed: int = 0
    trained_staff: int = 0
    not_declared: list[int] = field(default_factory=list)  # school ids

    def add(self, school: SchoolFigures) -> None:
        self.schools += 1
        self.paper_mode += school.paper_mode
        self.certified_computed += school.certified_computed
        if not school.declared:
            self.not_declared.append(school.school_id)
            return
        self.declared += 1
        self.digital += school.intention == "digital"
        self.paper += school.intention == "paper"
        self.no_internet += school.internet == "none"
        self.computers += school.computers
        self.staff_total += school.staff_total
        self.certified_staff += school.certified_staff
        self.trained_staff += school.trained_staff


def roll_up(schools: Iterable[SchoolFigures], parent_of: Mapping[int, int | None]) -> dict[int | None, Counts]:
    """Counts per unit id: each school in its own unit and every unit above it (``parent_of`` gives
    each unit's parent, None at the top). Schools without a unit that year count under ``None``
    only. A unit with no school reached is absent."""
    totals: dict[int | None, Counts] = {}
    for school in schools:
        unit: int | None = school.unit_id
        if unit is None:
            totals.setdefault(None, Counts()).add(school)
            continue
        seen: set[int] = set()
        while unit is not None and unit not in seen:  # a cycle in bad data must not loop forever
            seen.add(unit)
            totals.setdefault(unit, Counts()).add(school)
            unit = parent_of.get(unit)
    return totals
