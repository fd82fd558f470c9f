"""Who may see and act on record versions — asked of ``directory.roles``.

Reading a version (``VIEW_RECORDS``; never unit officers, never subject teachers): the school's
principal, vice-principal and clerk see every version of their school; a homeroom teacher sees the
versions of the classes they are or were homeroom teacher of; an ended appointment reaches only the
school years it overlapped. Acting needs an appointment active today:

- assemble a class (``ASSEMBLE_CLASS``): its homeroom teacher, or the school's principal or vice-principal;
- assemble a school (``ASSEMBLE_SCHOOL``): its principal or vice-principal;
- request a correction (``REQUEST_CORRECTION``): the homeroom teacher of the version's class, or a clerk;
- approve or reject a correction (``DECIDE_CORRECTION``): the school's principal or vice-principal.

The operator reads everything and acts only through the CLI (see ``roles.OPERATOR``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from hocbaso.directory.models import ClassGroup, School
from hocbaso.directory.roles import Permission, classes_where, holds, is_operator, rule, schools_where
from hocbaso.records.models import AssemblyRun, CorrectionRequest, Record, RecordVersion


def visible_record_classes(user: Any) -> QuerySet[ClassGroup]:
    """Classes whose record versions the user may list."""
    return classes_where(user, Permission.VIEW_RECORDS)


def visible_record_schools(user: Any) -> QuerySet[School]:
    """Schools whose records page the user may open (school roles only)."""
    return schools_where(user, Permission.VIEW_RECORDS)


def visible_versions(user: Any) -> QuerySet[RecordVersion]:
    """Versions the user may open (404 for the rest)."""
    if is_operator(user):
        return RecordVersion.objects.all()
    return RecordVersion.objects.filter(class_group__in=visible_record_classes(user))


def visible_records(user: Any) -> QuerySet[Record]:
    """Records with at least one version the user may open."""
    return Record.objects.filter(pk__in=visible_versions(user).values("record_id"))


def visible_runs(user: Any) -> QuerySet[AssemblyRun]:
    """Assembly runs the user started, or of a school or class whose records they may read."""
    if is_operator(user):
        return AssemblyRun.objects.all()
    return AssemblyRun.objects.filter(
        Q(requested_by_id=getattr(user, "pk", None))
        | Q(school__in=visible_record_schools(user))
        | Q(class_group__in=visible_record_classes(user))
    )


def visible_corrections(user: Any) -> QuerySet[CorrectionRequest]:
    """Correction requests about versions the user may open."""
    return CorrectionRequest.objects.filter(version__in=visible_versions(user))


def can_assemble_class(user: Any, class_group: ClassGroup) -> bool:
    """Homeroom teacher of the class, or principal/vice-principal of its school, today."""
    return holds(user, Permission.ASSEMBLE_CLASS, class_group=class_group)


def can_assemble_school(user: Any, school: School) -> bool:
    """Principal or vice-principal of the school today."""
    return holds(user, Permission.ASSEMBLE_SCHOOL, school=school)


def can_request_correction(user: Any, version: RecordVersion) -> bool:
    """Homeroom teacher of the version's class, or a clerk of its school, today."""
    return holds(user, Permission.REQUEST_CORRECTION, class_group=version.class_group)


def can_decide_correction(user: Any, version: RecordVersion) -> bool:
    """Principal or vice-principal of the version's school today."""
    return holds(user, Permission.DECIDE_CORRECTION, school=version.school)


# URL rule of the record pages: may read records somewhere.
is_records_staff = rule(Permission.VIEW_RECORDS, name="is_records_staff")
