"""Readiness tests run on 15/10/2025 (2025-2026 running, communes in place, the district abolished)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from hocbaso.core import clock
from hocbaso.testing import VIETNAM

DAY = dt.date(2025, 10, 15)


@pytest.fixture(autouse=True)
def _on_day() -> Iterator[None]:
    with clock.pinned(dt.datetime(2025, 10, 15, 10, 0, tzinfo=VIETNAM)):
        yield
