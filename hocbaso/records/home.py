"""What the records app offers a person on the home page, by their appointments today."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from hocbaso.core import clock
from hocbaso.core.home import Link, Section
from hocbaso.directory.models import SCHOOL_ROLES, Role
from hocbaso.directory.permissions import appointments_of
from hocbaso.records.models import CorrectionRequest


def sections(user: Any) -> list[Section]:
    """School records (managers, with pending corrections for heads) and class records (homeroom).

    Nothing while the records URLs are not wired into the project's URL configuration.
    """
    try:
        reverse("records:school", args=[0])
    except NoReverseMatch:
        return []
    active = appointments_of(user, active_on=clock.today()).select_related("school", "class_group__school_year")
    links: list[Link] = []
    seen: set[int] = set()
    for appointment in active:
        school = appointment.school
        if appointment.role in SCHOOL_ROLES and school is not None and school.pk not in seen:
            seen.add(school.pk)
            hint = ""
            if appointment.role in (Role.PRINCIPAL, Role.VICE_PRINCIPAL):
                pending = CorrectionRequest.objects.filter(
                    version__school_id=school.pk, state=CorrectionRequest.State.PENDING
                ).count()
                if pending:
                    hint = _("%(count)d correction request(s) waiting") % {"count": pending}
            links.append(
                Link(
                    _("School records — %(school)s") % {"school": school.name},
                    reverse("records:school", args=[school.pk]),
                    hint,
                )
            )
    for appointment in active:
        if appointment.role == Role.HOMEROOM_TEACHER and appointment.class_group is not None:
            links.append(
                Link(
                    _("School records — class %(name)s") % {"name": appointment.class_group},
                    reverse("records:class", args=[appointment.class_group_id]),
                )
            )
    return [Section(_("School records (học bạ)"), links, order=25)] if links else []
