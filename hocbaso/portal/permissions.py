"""Who sees what in the portal.

A guardian (a login with at least one *active* access) sees only the children their active
accesses name, and through them those children's issued record versions, share links and
consent requests; anything else is a 404. A revoked access hides the child at once. Staff pages
(letters, revocation) are for the managers (principal, vice-principal, clerk) of the school that
holds the child's record, today (operators included only through such an appointment).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hocbaso.directory.models import ClassGroup, ConsentRequest, Student
from hocbaso.directory.permissions import managed_school_ids
from hocbaso.portal.models import GuardianAccess, ShareLink


def active_accesses(user: Any) -> QuerySet[GuardianAccess]:
    """The user's active accesses (none for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return GuardianAccess.objects.none()
    return GuardianAccess.objects.filter(user=user, state=GuardianAccess.State.ACTIVE)


def children_of(user: Any) -> QuerySet[Student]:
    """The children the user is an active guardian of."""
    return Student.objects.filter(pk__in=active_accesses(user).values("student_id"))


def visible_shares(user: Any) -> QuerySet[ShareLink]:
    """Share links of the user's children (any guardian of the child may see and revoke them)."""
    return ShareLink.objects.filter(student__in=children_of(user))


def visible_consents(user: Any) -> QuerySet[ConsentRequest]:
    """Consent requests about the user's children."""
    return ConsentRequest.objects.filter(student__in=children_of(user))


def is_guardian(user: Any) -> bool:
    """URL rule: holds at least one active guardian access."""
    return active_accesses(user).exists()


def letter_classes(user: Any) -> QuerySet[ClassGroup]:
    """Classes whose access letters the user may print: those of the schools they manage today."""
    return ClassGroup.objects.filter(school_id__in=managed_school_ids(user))


def letter_students(user: Any) -> QuerySet[Student]:
    """Students whose family access the user may manage: their record is held by a school the user manages today."""
    return Student.objects.filter(school_id__in=managed_school_ids(user))


def can_manage_access(user: Any, student: Student) -> bool:
    """Issue, revoke and reissue letters of ``student`` (a manager of the school holding the record, today)."""
    return student.school_id in managed_school_ids(user)
