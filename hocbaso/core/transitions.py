"""Allowed status changes: one table per stateful model and one way to move along it.

A :class:`Transitions` holds the table (each state → the states it may become; a terminal
state maps to nothing) and the stable error code its refusals carry. Every state change of a
model goes through it, either on an instance (:meth:`Transitions.move`, the caller saves) or as
a guarded ``UPDATE`` (:meth:`Transitions.update`, which changes only rows in a state the table
lets reach the target, so two workers racing cannot move a row backwards). A move the table
does not allow raises :class:`IllegalTransition` — a :class:`~hocbaso.core.errors.Conflict` —
with the table's code; nothing is written.

Contracts:

- The table names every state of its choices (``Transitions.of(choices, {...})`` refuses one
  that misses a state or names an unknown one), so a new state cannot be forgotten.
- Staying in the same state is a move like any other: allowed only if the table says so.
- Codes never change once published (they are in the API error-code snapshot).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import Conflict

DEFAULT_MESSAGE = _("Something that is “%(current)s” cannot become “%(target)s”.")


class IllegalTransition(Conflict):
    """A status change the model's table does not allow; ``current`` and ``target`` say which."""

    code = "illegal_transition"

    def __init__(self, message: str | Promise, *, code: str, current: str, target: str):
        super().__init__(message, code=code, current=current, target=target)
        self.current = current
        self.target = target


@dataclass(frozen=True)
class Transitions:
    """One model's allowed moves ``from → {to, …}``, its refusal code and message.

    ``labels`` maps a state to what people read (the choices' labels) for the message, which
    may use ``%(current)s`` (also ``%(state)s``) and ``%(target)s``. Build it with :meth:`of`.
    """

    table: Mapping[str, frozenset[str]]
    code: str
    message: str | Promise = DEFAULT_MESSAGE
    labels: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        choices: type[enum.Enum],
        table: Mapping[Any, Iterable[Any]],
        *,
        code: str,
        message: str | Promise = DEFAULT_MESSAGE,
    ) -> Transitions:
        """The table for ``choices`` (Django choices or any string enum); refuses (``ValueError``) a
        table missing or inventing a state."""
        states = {str(member.value) for member in choices}
        frozen = {str(source): frozenset(str(target) for target in targets) for source, targets in table.items()}
        named = set(frozen) | {target for targets in frozen.values() for target in targets}
        if set(frozen) != states or not named <= states:
            raise ValueError(
                f"{choices.__name__} transitions: missing {sorted(states - set(frozen))}, "
                f"unknown {sorted(named - states)}"
            )
        labels = {str(member.value): getattr(member, "label", str(member.value)) for member in choices}
        return cls(table=frozen, code=code, message=message, labels=labels)

    def allows(self, current: str, target: str) -> bool:
        """Whether ``current → target`` is in the table."""
        return str(target) in self.table.get(str(current), frozenset())

    def sources(self, target: str) -> frozenset[str]:
        """Every state from which ``target`` may be reached."""
        return frozenset(source for source, targets in self.table.items() if str(target) in targets)

    def check(self, current: str, target: str) -> None:
        """Raise :class:`IllegalTransition` (``self.code``) unless ``current → target`` is allowed."""
        if not self.allows(current, target):
            current, target = str(current), str(target)
            label = self.labels.get(current, current)
            params = {"current": label, "state": label, "target": self.labels.get(target, target)}
            raise IllegalTransition(self.message % params, code=self.code, current=current, target=target)

    def move(self, obj: Any, target: str, *, attribute: str = "state") -> None:
        """Set ``obj.<attribute>`` to ``target`` after :meth:`check`; the caller saves."""
        self.check(getattr(obj, attribute), target)
        setattr(obj, attribute, target)

    def update(self, queryset: models.QuerySet[Any], target: str, *, attribute: str = "state", **fields: Any) -> int:
        """``UPDATE`` the rows of ``queryset`` that may reach ``target`` (with ``fields`` too).

        Returns how many rows moved. When none did but the queryset holds a row, that row's
        state forbids the move: :class:`IllegalTransition` is raised. An empty queryset moves
        nothing and returns 0 (the row was deleted meanwhile).
        """
        moved = queryset.filter(**{f"{attribute}__in": self.sources(target)}).update(**{attribute: target}, **fields)
        if moved == 0:
            current = queryset.values_list(attribute, flat=True).first()
            if current is not None:
                self.check(current, target)
        return moved


# The life of every background run (assembly, digitising, reports): queued, running, then
# finished or failed. ``execute`` may run it again — after a crash (running), a failure, or once
# finished to pick up what it skipped (an assembly's incomplete students, filled in since) — but
# a run is never finished or failed without running.
RUN_MOVES: Mapping[str, frozenset[str]] = {
    "queued": frozenset({"running"}),
    "running": frozenset({"running", "finished", "failed"}),
    "failed": frozenset({"running"}),
    "finished": frozenset({"running"}),
}
