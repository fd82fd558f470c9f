"""How old a primary-school child may be, by the year (pure, no ORM).

The Điều lệ trường tiểu học (Thông tư 28/2020, art. 33) counts a pupil's age by the year — the
calendar year in which the school year starts minus the year of birth — and sets 6 to 14, with
exceptions (earlier entry, disability, ethnic minority, return from abroad). The system does
not judge those exceptions; it only refuses birth dates no primary pupil can have, mostly typing
slips (2107 for 2017, the current year): an age **from 4 to 20** in the school year.
"""

from __future__ import annotations

import datetime as dt

MIN_AGE = 4
MAX_AGE = 20
# Vietnamese school years start in August or September (registration, then the opening day).
SCHOOL_YEAR_START_MONTH = 8


def age_in_school_year(date_of_birth: dt.date, start_year: int) -> int:
    """Age by the year in the school year that starts in ``start_year``."""
    return start_year - date_of_birth.year


def school_year_start_of(day: dt.date) -> int:
    """The calendar year in which the school year containing ``day`` started."""
    return day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1


def age_problem(date_of_birth: dt.date, start_year: int) -> str | None:
    """``"date_of_birth_too_young"``, ``"date_of_birth_too_old"`` or None (an acceptable age)."""
    age = age_in_school_year(date_of_birth, start_year)
    if age < MIN_AGE:
        return "date_of_birth_too_young"
    if age > MAX_AGE:
        return "date_of_birth_too_old"
    return None
