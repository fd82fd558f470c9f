"""Who may write which assessment cells — asked of ``directory.roles``.

A homeroom teacher writes every cell of their class (``ENTER_CLASS_ASSESSMENTS``); a subject
teacher writes the subjects they are appointed to teach in that class
(``ENTER_SUBJECT_ASSESSMENTS``); both only while the appointment is active on the day of the
write. Principals and vice-principals open and close entry windows and decide promotions
(``MANAGE_ENTRY``). Reading needs ``VIEW_ASSESSMENTS`` on the class (never unit officers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hocbaso.core import clock
from hocbaso.directory.models import ClassGroup, School
from hocbaso.directory.roles import Permission, appointments_granting, holds, rule


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
    day = day or clock.today()
    if holds(user, Permission.ENTER_CLASS_ASSESSMENTS, class_group=class_group, on=day):
        return WriteScope(True, frozenset())
    subjects = (
        appointments_granting(user, Permission.ENTER_SUBJECT_ASSESSMENTS, on=day)
        .filter(class_group=class_group)
        .values_list("subject_code", flat=True)
    )
    return WriteScope(False, frozenset(subjects))


def can_manage_windows(user: Any, school: School) -> bool:
    """Principals and vice-principals of the school open and close entry windows, decide promotions."""
    return holds(user, Permission.MANAGE_ENTRY, school=school)


# URL rule of the assessment pages: may read assessments somewhere (teachers, school roles, operator).
is_teacher = rule(Permission.VIEW_ASSESSMENTS, name="is_teacher")
