"""Entry windows: whether one is open, its point and deadline (opening, closing and setting a
deadline are ``actions.set_window`` and ``actions.set_deadline``, audited)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from hocbaso.assessments.models import EntryWindow
from hocbaso.core.errors import ValidationFailed
from hocbaso.directory.models import SchoolYear


class WindowClosed(ValidationFailed):
    code = "window_closed"
    status = 409


def is_open(school_id: int, school_year_id: int, point: str) -> bool:
    """Whether writes for this point are accepted now (a window never opened is closed)."""
    return EntryWindow.objects.filter(
        school_id=school_id, school_year_id=school_year_id, point=point, is_open=True
    ).exists()


def require_open(school_id: int, school_year_id: int, point: str) -> None:
    """Raise ``WindowClosed`` unless the window is open."""
    if not is_open(school_id, school_year_id, point):
        raise WindowClosed(_("Entry for this assessment point is closed. Ask the principal to open it."), field="point")


def current_point(school_id: int, school_year_id: int) -> str:
    """The point a teacher most likely enters now: the latest open one, else the latest one ever
    opened, else the first of the year."""
    from hocbaso.assessments.models import PERIODIC_POINTS

    order = [p.value for p in PERIODIC_POINTS]
    found = {
        w.point: w
        for w in EntryWindow.objects.filter(school_id=school_id, school_year_id=school_year_id, point__in=order)
    }
    for wanted in (lambda w: w.is_open, lambda w: w.changed_at is not None):
        for point in reversed(order):
            window = found.get(point)
            if window is not None and wanted(window):
                return point
    return order[0]


CALENDAR_DEADLINES = {
    "mid1": "mid_term1_deadline",
    "end1": "end_term1_deadline",
    "mid2": "mid_term2_deadline",
    "year_end": "year_end_deadline",
}


def calendar_deadline(school_year: SchoolYear, point: str) -> dt.date | None:
    """The entry deadline of ``point`` in the school year's calendar (the Sở's dates)."""
    field = CALENDAR_DEADLINES.get(point)
    return getattr(school_year, field, None) if field else None


def deadline_of(school_year: SchoolYear, point: str, window: EntryWindow | None) -> dt.date | None:
    """The day entry for ``point`` should be finished: the school's own deadline when the principal
    set one, else the school year's calendar."""
    if window is not None and window.deadline is not None:
        return window.deadline
    return calendar_deadline(school_year, point)


class DeadlineInvalid(ValidationFailed):
    code = "deadline_invalid"


def parse_day(raw: str) -> dt.date | None:
    """A day typed as dd/mm/yyyy (also d/m/yyyy, with - or . between) or yyyy-mm-dd; ``None`` for
    nothing typed. Refuses anything else, and days that do not exist (``deadline_invalid``)."""
    import re

    text = raw.strip()
    if not text:
        return None
    iso = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", text)
    local = re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})", text)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if local:
            return dt.date(int(local[3]), int(local[2]), int(local[1]))
    except ValueError:
        pass
    raise DeadlineInvalid(_("Enter the deadline as a date: day/month/year."), field="deadline")
