"""Rules about staff logins that need roles: who needs a second factor, who may reset whose password.

- A second factor is required (registered with ``accounts.second_factor.REQUIRED_FOR``) for
  everyone whose signature carries legal weight or who reads many schools: an appointment as
  homeroom teacher, principal, vice-principal, clerk (who applies the school's seal) or unit
  officer that has not ended (one starting later counts already, so a new signer enrols before
  their first day). The operator needs one too (``accounts`` says so itself).
- The operator may reset anyone's password but their own; a principal those of the staff of the
  schools they head today (never the operator's, never their own).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from hocbaso.accounts.models import User
from hocbaso.core import clock
from hocbaso.directory.models import Appointment, Role
from hocbaso.directory.permissions import appointments_of

SECOND_FACTOR_ROLES = [Role.HOMEROOM_TEACHER, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK, Role.UNIT_OFFICER]


def needs_second_factor(user: Any) -> bool:
    """Holds a signing or officer appointment that has not ended."""
    today = clock.today()
    return (
        Appointment.objects.filter(staff__user_id=user.pk, role__in=SECOND_FACTOR_ROLES)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .exists()
    )


def headed_school_ids(user: Any) -> set[int]:
    """Schools ``user`` is principal of today."""
    return set(
        appointments_of(user, active_on=clock.today()).filter(role=Role.PRINCIPAL).values_list("school_id", flat=True)
    )


def resettable(by: Any) -> QuerySet[User]:
    """The logins whose password ``by`` may reset (never their own)."""
    if getattr(by, "is_superuser", False):
        return User.objects.exclude(pk=by.pk)
    schools = headed_school_ids(by)
    if not schools:
        return User.objects.none()
    today = clock.today()
    current = Q(staff__appointments__valid_to__isnull=True) | Q(staff__appointments__valid_to__gte=today)
    return (
        User.objects.filter(Q(staff__school_id__in=schools) | (Q(staff__appointments__school_id__in=schools) & current))
        .exclude(pk=by.pk)
        .exclude(is_superuser=True)
        .distinct()
    )


def may_reset(by: Any) -> bool:
    """Page rule: the operator, or a principal today."""
    return bool(getattr(by, "is_superuser", False) or headed_school_ids(by))
