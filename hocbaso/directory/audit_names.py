"""How the audit page names the directory's objects (students, classes, appointments, enrolments,
staff, accounts), and which of them concern given students; registered in ``apps.ready``."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.audit.presentation import Described, register_object, register_related
from hocbaso.directory.models import Appointment, ClassGroup, Enrolment, School, StaffMember, Student


def _ids(ids: Sequence[str]) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def students(ids: Sequence[str]) -> dict[str, Described]:
    return {
        str(s.pk): Described(s.full_name, reverse("directory:student", args=[s.pk]))
        for s in Student.objects.filter(pk__in=_ids(ids))
    }


def classes(ids: Sequence[str]) -> dict[str, Described]:
    return {
        str(c.pk): Described(
            _("Class %(name)s (%(year)s)") % {"name": c.name, "year": c.school_year.code},
            reverse("directory:class", args=[c.pk]),
        )
        for c in ClassGroup.objects.filter(pk__in=_ids(ids)).select_related("school_year")
    }


def enrolments(ids: Sequence[str]) -> dict[str, Described]:
    found = Enrolment.objects.filter(pk__in=_ids(ids)).select_related("student", "class_group__school_year")
    return {
        str(e.pk): Described(
            _("%(student)s — class %(name)s (%(year)s)")
            % {"student": e.student.full_name, "name": e.class_group.name, "year": e.class_group.school_year.code},
            reverse("directory:student", args=[e.student_id]),
        )
        for e in found
    }


def appointments(ids: Sequence[str]) -> dict[str, Described]:
    found = Appointment.objects.filter(pk__in=_ids(ids)).select_related("staff", "class_group__school_year", "school")
    described = {}
    for a in found:
        where = (
            _("class %(name)s (%(year)s)") % {"name": a.class_group.name, "year": a.class_group.school_year.code}
            if a.class_group
            else (a.school.name if a.school else "")
        )
        described[str(a.pk)] = Described(
            f"{a.staff.full_name} — {a.get_role_display()}" + (f", {where}" if where else "")
        )
    return described


def staff(ids: Sequence[str]) -> dict[str, Described]:
    return {str(s.pk): Described(s.full_name) for s in StaffMember.objects.filter(pk__in=_ids(ids))}


def users(ids: Sequence[str]) -> dict[str, Described]:
    from hocbaso.accounts.models import User

    return {str(u.pk): Described(str(u)) for u in User.objects.filter(pk__in=_ids(ids))}


def schools(ids: Sequence[str]) -> dict[str, Described]:
    return {
        str(s.pk): Described(s.name, reverse("directory:school", args=[s.pk]))
        for s in School.objects.filter(pk__in=_ids(ids))
    }


def related(student_ids: Sequence[int]) -> dict[str, list[str]]:
    return {
        "directory.student": [str(i) for i in student_ids],
        "directory.enrolment": [
            str(i) for i in Enrolment.objects.filter(student_id__in=student_ids).values_list("pk", flat=True)
        ],
    }


def register() -> None:
    register_object("directory.student", students)
    register_object("directory.classgroup", classes)
    register_object("directory.enrolment", enrolments)
    register_object("directory.appointment", appointments)
    register_object("directory.staffmember", staff)
    register_object("directory.school", schools)
    register_object("accounts.user", users)
    register_related(related)
