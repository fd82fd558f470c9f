"""What the transfers app offers a person on the home page."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from hocbaso.core.home import Link, Section
from hocbaso.transfers import permissions
from hocbaso.transfers.models import OPEN_STATES


def sections(user: Any) -> list[Section]:
    """Transfers (with how many wait), admission to grade 6, trusted deployments for operators."""
    try:
        reverse("transfers:list")
    except NoReverseMatch:
        return []
    links: list[Link] = []
    if permissions.is_transfer_staff(user):
        waiting = permissions.visible_transfers(user).filter(state__in=OPEN_STATES).count()
        hint = _("%(count)d in progress") % {"count": waiting} if waiting else ""
        links.append(Link(_("Transfers"), reverse("transfers:list"), hint))
    for label, name, allowed in [
        (_("Admission to grade 6"), "transfers:admissions", permissions.is_admission_reader),
        (_("Trusted deployments"), "transfers:trust", permissions.is_operator),
    ]:
        try:
            if allowed(user):
                links.append(Link(label, reverse(name)))
        except NoReverseMatch:  # a page not wired yet
            continue
    return [Section(_("Transfers and admission"), links, order=40)] if links else []
