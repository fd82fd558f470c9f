"""The home page's section for readiness, supervision and the training guide."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.core import clock
from hocbaso.core.home import Link, Section
from hocbaso.directory import roles
from hocbaso.directory.roles import Permission as P
from hocbaso.reporting.readiness import rules, scope


def sections(user: Any) -> list[Section]:
    links = []
    if roles.holds(user, P.VIEW_READINESS):
        links.append(Link(_("Readiness of the schools"), reverse("readiness:rollup")))
    if roles.holds(user, P.VIEW_SUPERVISION):
        today = clock.today()
        follow_ups = scope.visible_follow_ups(user).filter(state=rules.FollowUpState.OPEN)
        overdue = sum(rules.is_overdue(f.state, f.due_on, today=today) for f in follow_ups)
        label = _("Supervision visits and follow-ups")
        if overdue:
            label += " · " + _("%(count)d overdue") % {"count": overdue}
        links.append(Link(label, reverse("readiness:supervision")))
    if not links:
        return []
    return [Section(_("Readiness and supervision"), links, order=40)]
