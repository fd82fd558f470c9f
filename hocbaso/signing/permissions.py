"""Who may open signing pages and files.

Signing itself is checked per record in ``workflow`` (appointment valid on the signing date);
these predicates guard the pages: the "waiting for signature" page needs a signing role today,
a batch page is its creator's, a record PDF is readable by staff who may see the student.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hocbaso.core import clock
from hocbaso.directory.models import Role
from hocbaso.directory.permissions import appointments_of, visible_students
from hocbaso.records.models import RecordVersion
from hocbaso.signing.models import SigningBatch, SigningCredential

SIGNING_APPOINTMENTS = [Role.HOMEROOM_TEACHER, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK]
HEAD_ROLES = [Role.PRINCIPAL, Role.VICE_PRINCIPAL]


def is_signer(user: Any) -> bool:
    """Holds, today, a role that signs records (homeroom teacher, principal, vice-principal, clerk)."""
    return appointments_of(user, active_on=clock.today()).filter(role__in=SIGNING_APPOINTMENTS).exists()


def is_school_head(user: Any) -> bool:
    """Principal or vice-principal somewhere today (sees the school's certificates)."""
    return appointments_of(user, active_on=clock.today()).filter(role__in=HEAD_ROLES).exists()


def visible_versions(user: Any) -> QuerySet[RecordVersion]:
    """Record versions whose student the user may see (staff only; never unit officers)."""
    return RecordVersion.objects.filter(record__student__in=visible_students(user))


def visible_batches(user: Any) -> QuerySet[SigningBatch]:
    """A batch is shown to the person who submitted it (and to superusers)."""
    if getattr(user, "is_superuser", False):
        return SigningBatch.objects.all()
    return SigningBatch.objects.filter(created_by=user)


def school_credentials(user: Any) -> QuerySet[SigningCredential]:
    """Credentials of the schools the user heads today: their staff's personal ones and the seals."""
    schools = appointments_of(user, active_on=clock.today()).filter(role__in=HEAD_ROLES).values("school_id")
    return SigningCredential.objects.filter(active=True, school_id__in=schools) | SigningCredential.objects.filter(
        active=True, staff__appointments__school_id__in=schools
    )
