"""Entry windows: opening, closing and checking them. Writes are audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.assessments.models import EntryWindow
from hocbaso.assessments.permissions import can_manage_windows
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import PermissionRefused, ValidationFailed
from hocbaso.core.text import nfc
from hocbaso.directory.models import School, SchoolYear


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


@transaction.atomic
def set_window(
    *, by: Any, school: School, school_year: SchoolYear, point: str, open_: bool, reason: str = "", channel: str = "web"
) -> EntryWindow:
    """Open or close a window. Reopening a window that was closed before needs a reason."""
    if not can_manage_windows(by, school):
        raise PermissionRefused(_("Only the principal opens and closes entry windows."), code="not_principal")
    window, _created = EntryWindow.objects.select_for_update().get_or_create(
        school=school, school_year=school_year, point=point
    )
    if window.is_open == open_:
        return window
    reason = nfc(reason)
    reopening = open_ and window.changed_at is not None
    if reopening and not reason:
        raise ValidationFailed(
            _("Give a reason to reopen a closed entry window."), code="reopen_reason_required", field="reason"
        )
    window.is_open = open_
    window.changed_at = clock.now()
    window.changed_by = by if getattr(by, "is_authenticated", False) else None
    if reopening:
        window.times_reopened += 1
    window.save()
    action = "window.reopen" if reopening else ("window.open" if open_ else "window.close")
    changes: dict[str, list[Any]] = {"is_open": [not open_, open_], "point": [None, point]}
    if reason:
        changes["reason"] = [None, reason]
    audit.record(by=by, action=action, obj=window, school_id=school.pk, channel=channel, changes=changes)
    return window


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


@transaction.atomic
def set_deadline(
    *, by: Any, school: School, school_year: SchoolYear, point: str, deadline: dt.date | None, channel: str = "web"
) -> EntryWindow:
    """Set (or clear, with ``None``: the school year's calendar applies again) the school's day
    entry for a point should be finished. Audited; a deadline must fall within the school year."""
    if not can_manage_windows(by, school):
        raise PermissionRefused(_("Only the principal opens and closes entry windows."), code="not_principal")
    if deadline is not None and not school_year.start_date <= deadline <= school_year.end_date:
        raise DeadlineInvalid(
            _("The deadline must fall within the school year (%(start)s – %(end)s).")
            % {"start": school_year.start_date.strftime("%d/%m/%Y"), "end": school_year.end_date.strftime("%d/%m/%Y")},
            field="deadline",
        )
    window, _created = EntryWindow.objects.select_for_update().get_or_create(
        school=school, school_year=school_year, point=point
    )
    if window.deadline == deadline:
        return window
    old = window.deadline
    window.deadline = deadline
    window.save(update_fields=["deadline"])
    audit.record(
        by=by,
        action="window.deadline",
        obj=window,
        school_id=school.pk,
        channel=channel,
        changes={
            "point": [None, point],
            "deadline": [old.isoformat() if old else None, deadline.isoformat() if deadline else None],
        },
    )
    return window
