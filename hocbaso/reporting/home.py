"""What reporting offers on the home page: each officer's unit dashboard, each head's school dashboard."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.core.home import Link, Section
from hocbaso.reporting import permissions


def sections(user: Any) -> list[Section]:
    if not getattr(user, "is_authenticated", False):
        return []
    links = [
        Link(_("Dashboard — %(unit)s") % {"unit": unit.name}, reverse("reporting:unit", args=[unit.pk]))
        for unit in permissions.home_units(user)
    ]
    links += [
        Link(_("Dashboard — %(school)s") % {"school": school.name}, reverse("reporting:school", args=[school.pk]))
        for school in permissions.home_schools(user)
    ]
    return [Section(_("Reports and progress"), links, order=25)] if links else []
