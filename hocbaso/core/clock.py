"""The one place that reads the time, so tests and the demo can pin it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """Current aware datetime."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in the deployment's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localdate()
