"""Who may see and act on record versions.

Reading a version (staff only; never unit officers): the school's managers (principal,
vice-principal, clerk) see every version of their school; a homeroom teacher sees the versions
of the classes they are or were homeroom teacher of. Visibility uses every appointment already
started, so last year's versions stay reachable; acting needs an appointment active today.

- assemble a class: its homeroom teacher, or the school's principal or vice-principal;
- assemble a school: its principal or vice-principal;
- request a correction: the homeroom teacher of the version's class, or a clerk of its school;
- approve or reject a correction: the school's principal or vice-principal.

Superusers (operators) see everything but act only through the CLI.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from hocbaso.core import clock
from hocbaso.directory.models import SCHOOL_ROLES, ClassGroup, Role, School
from hocbaso.directory.permissions import appointments_of
from hocbaso.records.models import AssemblyRun, CorrectionRequest, Record, RecordVersion

HEAD_ROLES = (Role.PRINCIPAL, Role.VICE_PRINCIPAL)


def _scope(user: Any, *, today: bool) -> tuple[set[int], set[int]]:
    """(school ids the user manages, class ids the user is homeroom teacher of)."""
    appointments = appointments_of(user, active_on=clock.today() if today else None)
    schools = set(appointments.filter(role__in=SCHOOL_ROLES).values_list("school_id", flat=True))
    classes = set(appointments.filter(role=Role.HOMEROOM_TEACHER).values_list("class_group_id", flat=True))
    return schools, classes


def visible_versions(user: Any) -> QuerySet[RecordVersion]:
    """Versions the user may open (404 for the rest)."""
    if getattr(user, "is_superuser", False):
        return RecordVersion.objects.all()
    schools, classes = _scope(user, today=False)
    return RecordVersion.objects.filter(Q(school_id__in=schools) | Q(class_group_id__in=classes))


def visible_records(user: Any) -> QuerySet[Record]:
    """Records with at least one version the user may open."""
    return Record.objects.filter(pk__in=visible_versions(user).values("record_id"))


def visible_runs(user: Any) -> QuerySet[AssemblyRun]:
    """Assembly runs the user started, or of a school they manage, or of a class they are homeroom of."""
    if getattr(user, "is_superuser", False):
        return AssemblyRun.objects.all()
    schools, classes = _scope(user, today=False)
    return AssemblyRun.objects.filter(
        Q(requested_by_id=getattr(user, "pk", None)) | Q(school_id__in=schools) | Q(class_group_id__in=classes)
    )


def visible_corrections(user: Any) -> QuerySet[CorrectionRequest]:
    """Correction requests about versions the user may open."""
    return CorrectionRequest.objects.filter(version__in=visible_versions(user))


def _heads_today(user: Any, school_id: int) -> bool:
    return appointments_of(user, active_on=clock.today()).filter(role__in=HEAD_ROLES, school_id=school_id).exists()


def can_assemble_class(user: Any, class_group: ClassGroup) -> bool:
    """Homeroom teacher of the class, or principal/vice-principal of its school, today."""
    active = appointments_of(user, active_on=clock.today())
    return active.filter(
        Q(role=Role.HOMEROOM_TEACHER, class_group=class_group) | Q(role__in=HEAD_ROLES, school_id=class_group.school_id)
    ).exists()


def can_assemble_school(user: Any, school: School) -> bool:
    """Principal or vice-principal of the school today."""
    return _heads_today(user, school.pk)


def can_request_correction(user: Any, version: RecordVersion) -> bool:
    """Homeroom teacher of the version's class, or a clerk of its school, today."""
    active = appointments_of(user, active_on=clock.today())
    return active.filter(
        Q(role=Role.HOMEROOM_TEACHER, class_group_id=version.class_group_id)
        | Q(role=Role.CLERK, school_id=version.school_id)
    ).exists()


def can_decide_correction(user: Any, version: RecordVersion) -> bool:
    """Principal or vice-principal of the version's school today."""
    return _heads_today(user, version.school_id)


def is_records_staff(user: Any) -> bool:
    """URL rule: holds (or held) a school role or a homeroom appointment, or is a superuser."""
    if getattr(user, "is_superuser", False):
        return True
    schools, classes = _scope(user, today=False)
    return bool(schools or classes)


def visible_record_classes(user: Any) -> QuerySet[ClassGroup]:
    """Classes whose record versions the user may list: their school's, or those they are homeroom of."""
    if getattr(user, "is_superuser", False):
        return ClassGroup.objects.all()
    schools, classes = _scope(user, today=False)
    return ClassGroup.objects.filter(Q(school_id__in=schools) | Q(pk__in=classes))


def visible_record_schools(user: Any) -> QuerySet[School]:
    """Schools whose records page the user may open (school roles only)."""
    if getattr(user, "is_superuser", False):
        return School.objects.all()
    schools, _classes = _scope(user, today=False)
    return School.objects.filter(pk__in=schools)
