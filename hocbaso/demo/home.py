"""The demo's home-page note: how far the background issuing of the 2024-2025 records is."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from hocbaso.core.home import Section


def sections(user: Any) -> list[Section]:
    if not settings.DEMO_MODE:
        return []
    from hocbaso.demo.issuing import YEAR, progress

    state = progress()
    if state.frozen == 0:
        note = _("The demo's %(year)s records are being prepared in the background…") % {"year": YEAR}
    else:
        note = _(
            "Demo records %(year)s: %(issued)d of %(students)d issued with three signatures (%(frozen)d frozen so far)."
        ) % {"year": YEAR, "issued": state.issued, "students": state.students, "frozen": state.frozen}
    return [Section(_("Demo province"), [], order=1, note=note)]
