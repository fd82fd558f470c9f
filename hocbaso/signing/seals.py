"""An organisation's seal on the periodic reports it issues: a unit's (a Sở's, a commune's or ward's
office) or a school's (its school seal, the organisation credential its records
carry). Who applies it today and which credential it is; the reporting app seals with it
(``reporting.actions``, ``reporting.sealing``)."""

from __future__ import annotations

from typing import Any

from hocbaso.core import clock
from hocbaso.directory.models import AdministrativeUnit, School
from hocbaso.signing.models import SigningCredential

Subject = AdministrativeUnit | School


def may_apply(user: Any, subject: Subject) -> bool:
    """Whether ``user`` applies ``subject``'s seal today, never the operator:

    - a unit's: an officer appointed to that very unit (``apply_unit_seal``), never one of a unit
      above or below it. The appointment itself is made by someone else (``directory``: never by
      the person appointed);
    - a school's: who holds ``apply_school_seal`` for that school (its principal, its clerk), as for
      the school seal on a record (``signing.batches``) — never an officer of a unit above it, who
      reads the school's figures but does not hold its seal.
    """
    from hocbaso.directory.roles import Permission, Role, appointments_granting, holds, is_operator

    if is_operator(user):
        return False
    if isinstance(subject, School):
        return holds(user, Permission.APPLY_SCHOOL_SEAL, school=subject)
    granting = appointments_granting(user, Permission.APPLY_UNIT_SEAL)
    return granting.filter(role=Role.UNIT_OFFICER, unit_id=subject.pk).exists()


def current(subject: Subject) -> SigningCredential | None:
    """``subject``'s seal now: its newest active organisation credential still valid, or None (a
    school with several registered seals: the newest one)."""
    owner = {"school": subject} if isinstance(subject, School) else {"unit": subject}
    usable = SigningCredential.objects.filter(**owner, for_organisation=True, active=True, not_after__gt=clock.now())
    return usable.order_by("-created_at", "-pk").first()
