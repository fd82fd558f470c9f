"""What the directory offers a person on the home page, by their appointments today."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.core import clock, labels
from hocbaso.core.home import Link, Section
from hocbaso.directory.models import AdministrativeUnit, Role
from hocbaso.directory.permissions import appointments_of, can_read_school_audit, visible_schools
from hocbaso.directory.roles import Permission, holds


def sections(user: Any) -> list[Section]:
    """Schools managed, classes taught, units overseen."""
    found: list[Section] = []
    active = appointments_of(user, active_on=clock.today()).select_related("school", "class_group__school_year", "unit")
    seen_schools: set[int] = set()
    for appointment in active:
        if (
            appointment.role in (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK)
            and appointment.school_id not in seen_schools
        ):
            school = appointment.school
            assert school is not None
            seen_schools.add(school.pk)
            links = [
                Link(_("Classes and staff"), reverse("directory:school", args=[school.pk])),
                Link(_("Add a student"), reverse("directory:student_create", args=[school.pk])),
            ]
            if holds(user, Permission.APPOINT_STAFF, school=school):
                links.append(
                    Link(_("Appoint a teacher or clerk"), reverse("directory:appointment_create", args=[school.pk]))
                )
            if can_read_school_audit(user, school):
                links.append(Link(_("Audit log"), reverse("directory:school_audit", args=[school.pk])))
            found.append(Section(f"{appointment.get_role_display()} — {school.name}", links, order=10))
    class_links = [
        Link(
            f"{a.get_role_display()} {a.class_group}"
            + (f" · {labels.label('subject', a.subject_code)}" if a.subject_code else ""),
            reverse("directory:class", args=[a.class_group_id]),
        )
        for a in active
        if a.class_group_id
    ]
    if class_links:
        found.append(Section(_("My classes"), class_links, order=20))
    unit_ids = [a.unit_id for a in active if a.role == Role.UNIT_OFFICER and a.unit_id is not None]
    if unit_ids:
        units = ", ".join(u.name for u in AdministrativeUnit.objects.filter(pk__in=unit_ids))
        count = visible_schools(user).count()
        found.append(
            Section(
                _("Officer — %(units)s") % {"units": units},
                [Link(_("Schools under my unit (%(count)d)") % {"count": count}, reverse("directory:schools"))],
                order=30,
            )
        )
    if getattr(user, "is_superuser", False):
        found.append(
            Section(
                _("Operator"),
                [Link(_("All schools"), reverse("directory:schools")), Link(_("Administration"), "/admin/")],
                order=90,
            )
        )
    return found
