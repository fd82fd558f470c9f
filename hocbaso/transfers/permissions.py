"""Who may see and act on transfers, admissions and the trust in other deployments.

- see a transfer: staff holding (or having held) a school role at its sending or receiving school;
- record the family's request, cancel, export the bundle, import a receipt: a school role
  (principal, vice-principal, clerk) at the sending school today;
- sign the decision: the sending school's principal or vice-principal today;
- accept or refuse: the receiving school's principal or vice-principal today;
- import a bundle from another deployment: a school head of the receiving school today;
- admission lists naming children: a school role at the school in that year; figures per school
  (no child named): also a unit officer over it that year;
- import another deployment's trust bundle: operators (superusers) only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from hocbaso.core import clock
from hocbaso.directory import roles
from hocbaso.directory.models import SCHOOL_ROLES, Role, School, SchoolYear
from hocbaso.directory.permissions import appointments_of
from hocbaso.directory.roles import Permission
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


def admission_schools(user: Any, school_year: SchoolYear) -> QuerySet[School]:
    """Schools whose admission list, naming the children, the user may read for ``school_year``:
    children's data on the whole school (a school role; the operator), in that year (dated scope).
    Unit officers never get here: they read :func:`admission_count_schools`."""
    named = roles.schools_where(user, Permission.VIEW_STUDENTS)
    in_year = roles.classes_where(user, Permission.VIEW_STUDENTS).filter(school_year=school_year)
    return named.filter(pk__in=in_year.values("school_id"))


def admission_count_schools(user: Any, school_year: SchoolYear) -> QuerySet[School]:
    """Schools whose admission figures (no child named) the user may read for ``school_year``: their
    own, or those their unit oversaw that year."""
    return roles.schools_where(user, Permission.VIEW_SCHOOL).filter(
        pk__in=roles.classes_where(user, Permission.VIEW_CLASS).filter(school_year=school_year).values("school_id")
    )


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
