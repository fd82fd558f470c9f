"""The one place that reads the time, so tests and the demo can pin it.

``pinned(moment)`` fixes ``now()`` and ``today()`` for the code run inside it (this thread or
task only, through a context variable): the demo assembles its 2024-2025 records on dates of
2025, so a record is never dated by the day the demo happens to be set up.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_pinned: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("hocbaso_clock", default=None)


def now() -> dt.datetime:
    """Current aware datetime (the pinned moment inside ``pinned``)."""
    return _pinned.get() or timezone.now()


def today() -> dt.date:
    """Today's date in the deployment's time zone (Asia/Ho_Chi_Minh)."""
    moment = _pinned.get()
    return timezone.localdate(moment) if moment is not None else timezone.localdate()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """The aware moment of that local day and time (Asia/Ho_Chi_Minh): dates the demo and the
    tests pin, never a naive datetime."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))  # noqa: DTZ001 - made aware here


@contextlib.contextmanager
def pinned(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Run the block as if it were ``moment`` (aware; a naive one is read in the local zone)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    token = _pinned.set(moment)
    try:
        yield moment
    finally:
        _pinned.reset(token)
