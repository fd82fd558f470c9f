"""The signing section of the home page: what waits for my signature, certificates to renew."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.core.home import Link, Section
from hocbaso.signing import pending as signing_pending
from hocbaso.signing.paper_mode_views import may_set_paper_mode
from hocbaso.signing.permissions import is_school_head, is_signer


def _expiring_hint(user: Any) -> str:
    """How many of the school's certificates expire within 30 days (or already have)."""
    import datetime as dt

    from hocbaso.core import clock
    from hocbaso.signing.permissions import school_credentials

    limit = clock.now() + dt.timedelta(days=30)
    count = school_credentials(user).filter(not_after__lte=limit).distinct().count()
    return _("%(count)d within 30 days") % {"count": count} if count else ""


def sections(user: Any) -> list[Section]:
    found = []
    if may_set_paper_mode(user):  # commune and province officers
        found.append(
            Section(
                _("Paper records"), [Link(_("Schools keeping paper records"), reverse("signing:paper_mode"))], order=16
            )
        )
    if not is_signer(user):
        return found
    waiting = sum(len(g.versions) for g in signing_pending.pending_for(user))
    links = [Link(_("Waiting for my signature (%(count)d)") % {"count": waiting}, reverse("signing:pending"))]
    links.append(Link(_("Register a certificate"), reverse("signing:register")))
    if is_school_head(user):
        links.append(Link(_("Certificates expiring soon"), reverse("signing:expiring"), _expiring_hint(user)))
    return [Section(_("Digital signatures"), links, order=15), *found]
