"""Who may open signing pages and files — asked of ``directory.roles``.

Signing itself is checked per record in ``batches`` (an appointment granting the signature's
permission, valid on the signing date and recorded before the signature); these predicates guard
the pages: the "waiting for signature" page needs a signing permission today, a batch page is its
creator's, a record PDF is readable by whoever may read the record (``VIEW_RECORDS``: never
subject teachers, never unit officers).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hocbaso.directory.roles import Permission, is_operator, rule, schools_where
from hocbaso.records import permissions as records_permissions
from hocbaso.records.models import RecordVersion
from hocbaso.signing.models import SigningBatch, SigningCredential

SIGNING_PERMISSIONS = (Permission.SIGN_AS_HOMEROOM, Permission.SIGN_AS_PRINCIPAL, Permission.APPLY_SCHOOL_SEAL)

# Holds, today, a permission to sign records (homeroom teacher, principal, vice-principal, clerk).
is_signer = rule(*SIGNING_PERMISSIONS, name="is_signer")
# Principal or vice-principal somewhere today (the school's certificates).
is_school_head = rule(Permission.MANAGE_CERTIFICATES, name="is_school_head")


def visible_versions(user: Any) -> QuerySet[RecordVersion]:
    """Record versions whose files the user may read: the same as the record pages."""
    return records_permissions.visible_versions(user)


def visible_batches(user: Any) -> QuerySet[SigningBatch]:
    """A batch is shown to the person who submitted it (and to the operator)."""
    if is_operator(user):
        return SigningBatch.objects.all()
    return SigningBatch.objects.filter(created_by=user)


def school_credentials(user: Any) -> QuerySet[SigningCredential]:
    """Credentials of the schools the user heads today: their staff's personal ones and the seals."""
    schools = schools_where(user, Permission.MANAGE_CERTIFICATES).values("pk")
    return SigningCredential.objects.filter(active=True, school_id__in=schools) | SigningCredential.objects.filter(
        active=True, staff__appointments__school_id__in=schools
    )
