"""Who may see and act on transfers, admissions and the trust in other deployments — every answer
asked of ``directory.roles`` (one table, one superuser rule, dated scope), none read from
appointments here:

- see a transfer: reads children's data (``view_students``) at its sending or receiving school in
  the transfer's school year — a former principal sees the transfers of the years they served,
  never later ones;
- see a bundle received from another system: reads the child (``view_students``);
- record the family's request, cancel, export the bundle, import a receipt or a bundle, export
  for admission: keeps the school's students today (``manage_students``: principal,
  vice-principal, clerk);
- sign the sending decision, accept or refuse on the receiving side: signs as the school's head
  today (``sign_as_principal``: principal or vice-principal);
- admission lists naming children: ``view_students`` on the whole school in that year; figures
  per school (no child named): ``view_class`` there that year (also a unit officer over it);
- import another deployment's trust bundle: the operator only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from hocbaso.directory import roles
from hocbaso.directory.models import Role, School, SchoolYear
from hocbaso.directory.roles import Permission
from hocbaso.transfers.models import ReceivedBundle, Transfer


def visible_transfers(user: Any) -> QuerySet[Transfer]:
    """Transfers whose sending or receiving school the user reads children of, in the transfer's year."""
    if roles.is_operator(user):
        return Transfer.objects.all()
    classes = roles.classes_where(user, Permission.VIEW_STUDENTS)
    sending = classes.filter(school_id=OuterRef("from_school_id"), school_year_id=OuterRef("school_year_id"))
    receiving = classes.filter(school_id=OuterRef("to_school_id"), school_year_id=OuterRef("school_year_id"))
    schools = roles.schools_where(user, Permission.VIEW_STUDENTS)
    return Transfer.objects.filter(
        Q(from_school__in=schools) | Q(to_school__in=schools), Exists(sending) | Exists(receiving)
    )


def visible_received(user: Any) -> QuerySet[ReceivedBundle]:
    """Bundles received for children the user reads."""
    if roles.is_operator(user):
        return ReceivedBundle.objects.all()
    return ReceivedBundle.objects.filter(
        school__in=roles.schools_where(user, Permission.VIEW_STUDENTS),
        student__in=roles.students_where(user, Permission.VIEW_STUDENTS),
    )


def can_manage(user: Any, school: School) -> bool:
    """Keeps ``school``'s students today (principal, vice-principal, clerk)."""
    return roles.holds(user, Permission.MANAGE_STUDENTS, school=school)


def heads(user: Any, school: School | None) -> bool:
    """Signs as ``school``'s head today (principal or vice-principal)."""
    return school is not None and roles.holds(user, Permission.SIGN_AS_PRINCIPAL, school=school)


def head_school_ids(user: Any) -> set[int]:
    """Schools the user signs for as head today."""
    return set(roles.schools_where(user, Permission.SIGN_AS_PRINCIPAL).values_list("pk", flat=True))


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
    """Reads (or read) children's data of a whole school: sees that school's transfers."""
    return roles.is_operator(user) or roles.schools_where(user, Permission.VIEW_STUDENTS).exists()


def is_admission_reader(user: Any) -> bool:
    """School staff of a whole school, a unit officer (figures only), or the operator."""
    officer = roles.appointments_granting(user, Permission.VIEW_CLASS).filter(role=Role.UNIT_OFFICER)
    return is_transfer_staff(user) or officer.exists()


def is_operator(user: Any) -> bool:
    """Operators manage the trust in other deployments."""
    return roles.is_operator(user)
