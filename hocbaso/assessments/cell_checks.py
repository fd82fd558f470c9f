"""Checking cell writes without writing: one field of one cell (``CellWrite``) against the entry
window, the writer's scope, the class, the curriculum and the value's rules.

``actions.save_cells`` writes what passes; ``importing.preview`` shows the refusals before a
spreadsheet is applied. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from hocbaso.assessments import cells, windows
from hocbaso.assessments.catalogue import GradeCatalogue, catalogue_for_class
from hocbaso.assessments.models import OptionalSubject, Point
from hocbaso.assessments.permissions import write_scope
from hocbaso.core.errors import DomainError, PermissionRefused, ValidationFailed
from hocbaso.core.text import nfc
from hocbaso.directory.models import ClassGroup, Enrolment

COMMENT_MAX = 500
FIELDS = ("rating", "score", "comment")


@dataclass(frozen=True)
class CellWrite:
    """One field of one cell: ``value`` '' or None clears it."""

    student_id: int
    item_kind: str
    item_code: str
    field: str
    value: Any

    @property
    def key(self) -> str:
        return f"{self.student_id}:{self.item_kind}:{self.item_code}:{self.field}"


@dataclass(frozen=True)
class CellResult:
    write: CellWrite
    value: Any  # normalised value as stored
    changed: bool


def _cell_error(error: DomainError, write: CellWrite) -> DomainError:
    error.field = write.key
    return error


def _validate(
    write: CellWrite,
    *,
    catalogue: GradeCatalogue,
    point: str,
    scope: Any,
    students: set[int],
    optionals: set[tuple[int, str]],
) -> Any:
    """The normalised value of one write, or a DomainError naming the cell."""
    if write.field not in FIELDS:
        raise ValidationFailed(_("Unknown field %(field)s.") % {"field": write.field}, code="field_unknown")
    if write.student_id not in students:
        raise ValidationFailed(_("This student is not in the class."), code="student_not_in_class")
    item = catalogue.item(write.item_kind, write.item_code)
    if item is None:
        raise ValidationFailed(
            _("%(code)s is not assessed in grade %(grade)d.") % {"code": write.item_code, "grade": catalogue.grade},
            code="subject_not_in_grade",
        )
    if not scope.allows(write.item_kind, write.item_code):
        raise PermissionRefused(
            _("You do not teach %(name)s in this class.") % {"name": item.name}, code="not_your_subject"
        )
    if item.optional and (write.student_id, item.code) not in optionals:
        raise ValidationFailed(
            _("This student does not take the optional subject %(name)s.") % {"name": item.name},
            code="subject_not_studied",
        )
    raw = write.value
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None if write.field == "score" else ""
    if write.field == "rating":
        return cells.validate_rating(raw, "subject" if write.item_kind == "subject" else "competency")
    if write.field == "score":
        # a summer re-assessment retakes the year-end tests
        test_point = Point.YEAR_END if point == Point.SUMMER else point
        if write.item_kind != "subject" or not catalogue.has_test(item.code, test_point):
            raise ValidationFailed(
                _("There is no periodic test for %(name)s at this point in grade %(grade)d.")
                % {"name": item.name, "grade": catalogue.grade},
                code="score_cell_not_in_matrix",
            )
        return cells.validate_score(raw)
    comment = nfc(str(raw))
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(
            _("A comment has at most %(n)d characters.") % {"n": COMMENT_MAX}, code="comment_too_long"
        )
    return comment


def check_cells(
    *, by: Any, class_group: ClassGroup, point: str, writes: Sequence[CellWrite]
) -> tuple[list[tuple[CellWrite, Any]], list[DomainError]]:
    """Validate without writing: (normalised values, refusals naming their cells).

    Raises for what refuses the whole batch: a closed window (``window_closed``) or no scope
    in the class (``not_your_class``).
    """
    windows.require_open(class_group.school_id, class_group.school_year_id, point)
    scope = write_scope(by, class_group)
    if not scope.any:
        raise PermissionRefused(_("You do not teach this class."), code="not_your_class")
    catalogue = catalogue_for_class(class_group)
    students = set(Enrolment.objects.members_of(class_group).values_list("student_id", flat=True))
    optionals = set(
        OptionalSubject.objects.filter(school_year_id=class_group.school_year_id, student_id__in=students).values_list(
            "student_id", "subject_code"
        )
    )
    values: list[tuple[CellWrite, Any]] = []
    errors: list[DomainError] = []
    for write in writes:
        try:
            values.append(
                (
                    write,
                    _validate(
                        write, catalogue=catalogue, point=point, scope=scope, students=students, optionals=optionals
                    ),
                )
            )
        except DomainError as exc:
            errors.append(_cell_error(exc, write))
    return values, errors
