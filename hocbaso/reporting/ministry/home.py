"""What the Ministry export offers on the home page: the province officer's link, with how many
batches wait for an answer."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.core.home import Link, Section
from hocbaso.reporting.ministry import permissions
from hocbaso.reporting.ministry.models import SENDABLE, Submission, SubmissionState


def sections(user: Any) -> list[Section]:
    departments = permissions.departments_for(user)
    if not departments:
        return []
    waiting = Submission.objects.filter(
        department__in=departments, state__in=[*SENDABLE, SubmissionState.SENDING]
    ).count()
    hint = _("%(count)d waiting for the Ministry's answer") % {"count": waiting} if waiting else ""
    return [
        Section(
            _("Records to the Ministry"), [Link(_("Records to the Ministry"), reverse("ministry:home"), hint)], order=60
        )
    ]
