"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def deployment(request: HttpRequest) -> dict[str, Any]:
    """Whether this is the demo deployment (pages then show the no-legal-value banner)."""
    return {"demo_mode": settings.DEMO_MODE}
