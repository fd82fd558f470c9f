"""Who may write which assessment cells.

A homeroom teacher writes every cell of their class; a subject teacher writes the subjects
they are appointed to teach in that class; both only while the appointment is active on the
day of the write. Principals open and close entry windows and decide promotions. Reading
follows the directory's class visibility.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hocbaso.core import clock
from hocbaso.directory.models import ClassGroup, Role, School
from hocbaso.directory.permissions import appointments_of


@dataclass(frozen=True)
class WriteScope:
    """What one user may write in one class today: everything, or a set of subject codes."""

    whole_class: bool
    subjects: frozenset[str]

    @property
    def any(self) -> bool:
        return self.whole_class or bool(self.subjects)

    def allows(self, item_kind: str, item_code: str) -> bool:
        """Competencies (qualities, competencies) are the homeroom teacher's alone."""
        if self.whole_class:
            return True
        return item_kind == "subject" and item_code in self.subjects


NO_SCOPE = WriteScope(False, frozenset())


def write_scope(user: Any, class_group: ClassGroup, *, day: dt.date | None = None) -> WriteScope:
    """The user's write scope in ``class_group`` on ``day`` (today by default)."""
    if getattr(user, "is_superuser", False):
        return WriteScope(True, frozenset())
    active = appointments_of(user, active_on=day or clock.today()).filter(class_group=class_group)
    roles = list(active.values_list("role", "subject_code"))
    if any(role == Role.HOMEROOM_TEACHER for role, _code in roles):
        return WriteScope(True, frozenset())
    return WriteScope(False, frozenset(code for role, code in roles if role == Role.SUBJECT_TEACHER))


def can_manage_windows(user: Any, school: School) -> bool:
    """Principals and vice-principals of the school open and close entry windows."""
    if getattr(user, "is_superuser", False):
        return True
    return (
        appointments_of(user, active_on=clock.today())
        .filter(role__in=[Role.PRINCIPAL, Role.VICE_PRINCIPAL], school=school)
        .exists()
    )


def is_teacher(user: Any) -> bool:
    """Holds (or held) a class appointment, or manages a school: may open entry grids."""
    if getattr(user, "is_superuser", False):
        return True
    return (
        appointments_of(user)
        .filter(role__in=[Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK])
        .exists()
    )
