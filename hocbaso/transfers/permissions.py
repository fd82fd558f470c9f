"""Who may see and act on transfers, admissions and the trust in other deployments.

- see a transfer: staff holding (or having held) a school role at its sending or receiving school;
- record the family's request, cancel, export the bundle, import a receipt: a school role
  (principal, vice-principal, clerk) at the sending school today;
- sign the decision: the sending school's principal or vice-principal today;
- accept or refuse: the receiving school's principal or vice-principal today;
- import a bundle from another deployment: a school head of the receiving school today;
- admission lists: a school role at the school, or a unit officer over it;
- import another deployment's trust bundle: operators (superusers) only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from hocbaso.core import clock
from hocbaso.directory.models import SCHOOL_ROLES, Role, School
from hocbaso.directory.permissions import appointments_of, visible_schools
from hocbaso.transfers.models import ReceivedBundle, Transfer

HEAD_ROLES = [Role.PRINCIPAL, Role.VICE_PRINCIPAL]


def _is_operator(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False))


def _school_ids(user: Any, roles: list[Role] | list[str], *, today: bool) -> set[int]:
    appointments = appointments_of(user, active_on=clock.today() if today else None)
    return set(appointments.filter(role__in=roles).exclude(school__isnull=True).values_list("school_id", flat=True))


def visible_transfers(user: Any) -> QuerySet[Transfer]:
    if _is_operator(user):
        return Transfer.objects.all()
    schools = _school_ids(user, SCHOOL_ROLES, today=False)
    return Transfer.objects.filter(Q(from_school_id__in=schools) | Q(to_school_id__in=schools))


def visible_received(user: Any) -> QuerySet[ReceivedBundle]:
    if _is_operator(user):
        return ReceivedBundle.objects.all()
    return ReceivedBundle.objects.filter(school_id__in=_school_ids(user, SCHOOL_ROLES, today=False))


def can_manage(user: Any, school: School) -> bool:
    """A school role at ``school`` today."""
    return school.pk in _school_ids(user, SCHOOL_ROLES, today=True)


def heads(user: Any, school: School | None) -> bool:
    """Principal or vice-principal of ``school`` today."""
    return school is not None and school.pk in _school_ids(user, HEAD_ROLES, today=True)


def head_school_ids(user: Any) -> set[int]:
    """Schools the user heads (principal or vice-principal) today."""
    return _school_ids(user, HEAD_ROLES, today=True)


def can_decide(user: Any, transfer: Transfer) -> bool:
    return heads(user, transfer.from_school)


def can_answer(user: Any, transfer: Transfer) -> bool:
    return heads(user, transfer.to_school)


def admission_schools(user: Any) -> QuerySet[School]:
    """Schools whose admission list the user may read: their own, or those under their unit."""
    if _is_operator(user):
        return School.objects.all()
    own = _school_ids(user, SCHOOL_ROLES, today=False)
    return School.objects.filter(Q(pk__in=own) | Q(pk__in=_officer_schools(user).values("pk")))


def _officer_schools(user: Any) -> QuerySet[School]:
    if not appointments_of(user).filter(role=Role.UNIT_OFFICER).exists():
        return School.objects.none()
    return visible_schools(user)


# --- URL rules -------------------------------------------------------------------------------------


def is_transfer_staff(user: Any) -> bool:
    """Holds (or held) a school role somewhere: sees transfers of that school."""
    return _is_operator(user) or bool(_school_ids(user, SCHOOL_ROLES, today=False))


def is_admission_reader(user: Any) -> bool:
    """A school role or a unit officer's appointment (admission lists), or an operator."""
    return is_transfer_staff(user) or appointments_of(user).filter(role=Role.UNIT_OFFICER).exists()


def is_operator(user: Any) -> bool:
    """Operators manage the trust in other deployments."""
    return _is_operator(user)
