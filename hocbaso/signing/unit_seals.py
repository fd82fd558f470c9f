"""An administrative unit's seal (a Sở's, a commune's or ward's office), for the reports it sends
upward: who may register and apply it, and which credential it is today (``seals``, which answers
for a school's seal too). Registering one is a write (``signing.actions.register_unit_seal``)."""

from __future__ import annotations

from typing import Any

from hocbaso.directory.models import AdministrativeUnit
from hocbaso.signing import seals
from hocbaso.signing.models import SigningCredential


def may_apply(user: Any, unit: AdministrativeUnit) -> bool:
    """Whether ``user`` registers and applies ``unit``'s seal today: an officer appointed to that very
    unit (``apply_unit_seal``), never one of a unit above or below it, never the operator
    (``seals.may_apply``)."""
    return seals.may_apply(user, unit)


def current(unit: AdministrativeUnit) -> SigningCredential | None:
    """``unit``'s seal now: its newest active organisation credential still valid, or None."""
    return seals.current(unit)
