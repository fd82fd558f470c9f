"""An administrative unit's seal (a Sở's, a commune's or ward's office), for the reports it sends
upward: who may register and apply it, and which credential it is today. Registering one is a write
(``signing.actions.register_unit_seal``)."""

from __future__ import annotations

from typing import Any

from hocbaso.core import clock
from hocbaso.directory.models import AdministrativeUnit
from hocbaso.signing.models import SigningCredential


def may_apply(user: Any, unit: AdministrativeUnit) -> bool:
    """Whether ``user`` registers and applies ``unit``'s seal today: an officer appointed to that very
    unit (``apply_unit_seal``), never one of a unit above or below it, never the operator. The
    appointment itself is made by someone else (``directory``: never by the person appointed)."""
    from hocbaso.directory.roles import Permission, Role, appointments_granting, is_operator

    if is_operator(user):
        return False
    granting = appointments_granting(user, Permission.APPLY_UNIT_SEAL)
    return granting.filter(role=Role.UNIT_OFFICER, unit_id=unit.pk).exists()


def current(unit: AdministrativeUnit) -> SigningCredential | None:
    """``unit``'s seal now: its newest active organisation credential still valid, or None."""
    usable = SigningCredential.objects.filter(unit=unit, for_organisation=True, active=True, not_after__gt=clock.now())
    return usable.order_by("-created_at", "-pk").first()
