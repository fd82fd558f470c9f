"""Writing assessments: cells from the grid, an import or the API; year results; remediation;
awards. Every write checks the entry window, the writer's scope and the curriculum, and
records each changed field (who, when, old → new, channel).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.assessments import cells, windows
from hocbaso.assessments.catalogue import GradeCatalogue, catalogue_for_class
from hocbaso.assessments.models import AssessmentEntry, CommentBank, EntryChange, OptionalSubject, Point, StudentYear
from hocbaso.assessments.permissions import write_scope
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import DomainError, InvalidInput, PermissionRefused, ValidationFailed
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


@transaction.atomic
def save_cells(
    *, by: Any, class_group: ClassGroup, point: str, writes: Sequence[CellWrite], channel: str = "grid"
) -> list[CellResult]:
    """Validate every write, then apply all of them or none.

    Refusals: the window is closed (``window_closed``); the user has no scope in the class
    (``not_your_class``); otherwise every refused cell is listed in one ``InvalidInput`` whose
    errors carry ``field = "<student>:<kind>:<code>:<field>"``.
    """
    values, errors = check_cells(by=by, class_group=class_group, point=point, writes=writes)
    if errors:
        raise InvalidInput(errors)
    return _apply(by=by, class_group=class_group, point=point, values=values, channel=channel)


@transaction.atomic
def save_valid_cells(
    *, by: Any, class_group: ClassGroup, point: str, writes: Sequence[CellWrite], channel: str = "grid"
) -> tuple[list[CellResult], list[DomainError], dict[str, Any]]:
    """Save every write that passes and refuse the others, cell by cell (a block pasted into the
    grid): (saved results, refusals naming their cells, the values the saved cells held before,
    by ``CellWrite.key``, so the grid can undo the paste). Whole-batch refusals as ``save_cells``."""
    values, errors = check_cells(by=by, class_group=class_group, point=point, writes=writes)
    keys = {(w.student_id, w.item_kind, w.item_code) for w, _v in values}
    before: dict[str, Any] = {}
    if keys:
        stored = {
            (e.student_id, e.item_kind, e.item_code): e
            for e in AssessmentEntry.objects.filter(
                school_year_id=class_group.school_year_id,
                point=point,
                student_id__in={k[0] for k in keys},
                item_code__in={k[2] for k in keys},
            )
        }
        for write, _value in values:
            entry = stored.get((write.student_id, write.item_kind, write.item_code))
            old = getattr(entry, write.field) if entry else None
            before[write.key] = "" if old is None else old
    results = _apply(by=by, class_group=class_group, point=point, values=values, channel=channel) if values else []
    return results, errors, before


def _update_entries(entries: list[AssessmentEntry]) -> None:
    """One parameterised UPDATE per row, sent as a batch: a class grid (~1,500 cells) in a
    few milliseconds, where ``bulk_update``'s CASE expressions take most of a second."""
    from django.db import connection

    meta = AssessmentEntry._meta
    quote = connection.ops.quote_name
    columns = ["rating", "score", "comment", "updated_at", "updated_by"]
    assignments = ", ".join(f"{quote(str(meta.get_field(name).column))} = %s" for name in columns)  # type: ignore[union-attr]
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(meta.pk.column))} = %s"  # noqa: S608 - names from model meta
    updated_at = meta.get_field("updated_at")
    rows = [
        (e.rating, e.score, e.comment, updated_at.get_db_prep_value(e.updated_at, connection), e.updated_by_id, e.pk)
        for e in entries
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _apply(
    *, by: Any, class_group: ClassGroup, point: str, values: list[tuple[CellWrite, Any]], channel: str
) -> list[CellResult]:
    now = clock.now()
    actor = by if getattr(by, "is_authenticated", False) else None
    keys = {(w.student_id, w.item_kind, w.item_code) for w, _v in values}
    cells = AssessmentEntry.objects.filter(
        school_year_id=class_group.school_year_id,
        point=point,
        student_id__in={k[0] for k in keys},
        item_code__in={k[2] for k in keys},
    )
    missing = keys - set(cells.values_list("student_id", "item_kind", "item_code"))
    # Create the missing cells first, ignoring ones a concurrent save (another cell of the
    # same entry) created meanwhile; then lock every row this save touches.
    AssessmentEntry.objects.bulk_create(
        [
            AssessmentEntry(
                student_id=student_id,
                school_year_id=class_group.school_year_id,
                class_group=class_group,
                point=point,
                item_kind=kind,
                item_code=code,
                updated_at=now,
                updated_by=actor,
            )
            for student_id, kind, code in sorted(missing)
        ],
        ignore_conflicts=True,
    )
    existing = {(e.student_id, e.item_kind, e.item_code): e for e in cells.select_for_update().order_by("pk")}
    changes: list[EntryChange] = []
    touched: dict[int, AssessmentEntry] = {}
    results: list[CellResult] = []
    for write, value in values:
        entry = existing[(write.student_id, write.item_kind, write.item_code)]
        old = getattr(entry, write.field)
        changed = old != value
        if changed:
            setattr(entry, write.field, value)
            entry.updated_at, entry.updated_by = now, actor
            touched[entry.pk] = entry
            changes.append(
                EntryChange(
                    entry=entry,
                    field=write.field,
                    old="" if old is None else str(old),
                    new="" if value is None else str(value),
                    at=now,
                    by=actor,
                    channel=channel,
                )
            )
        results.append(CellResult(write, value, changed))
    if touched:
        _update_entries(list(touched.values()))
        EntryChange.objects.bulk_create(changes)
        audit.record(
            by=by,
            action="assessments.save",
            obj=class_group,
            school_id=class_group.school_id,
            channel="api" if channel == "api" else ("import" if channel == "import" else "web"),
            changes={"point": [None, point], "cells_changed": [None, len(changes)]},
        )
    return results


def _require_school_teacher(by: Any, school: Any) -> None:
    """A teacher or head of the school, today (the operator enters no assessment data)."""
    from hocbaso.directory.roles import Permission, active_on, appointments_granting

    today = clock.today()
    working = appointments_granting(by, Permission.VIEW_ASSESSMENTS, on=today).filter(active_on(today))
    if not working.filter(school=school).exists():
        raise PermissionRefused(_("You do not work at this school."), code="not_school_staff")


@transaction.atomic
def add_bank_comment(*, by: Any, school: Any, item_code: str, text: str) -> CommentBank:
    """Add a common comment to the school's bank (any teacher of the school)."""
    _require_school_teacher(by, school)
    text = nfc(text)
    if not text or len(text) > COMMENT_MAX:
        raise ValidationFailed(
            _("A comment has at most %(n)d characters.") % {"n": COMMENT_MAX}, code="comment_too_long", field="text"
        )
    comment, _created = CommentBank.objects.get_or_create(
        school=school, item_code=item_code, text=text, defaults={"created_by": by}
    )
    audit.record(by=by, action="comment_bank.add", obj=comment, school_id=school.pk, changes={"text": [None, text]})
    return comment


@transaction.atomic
def remove_bank_comment(*, by: Any, school: Any, comment_id: int) -> None:
    _require_school_teacher(by, school)
    comment = CommentBank.objects.filter(school=school, pk=comment_id).first()
    if comment is None:
        return
    audit.record(
        by=by, action="comment_bank.remove", obj=comment, school_id=school.pk, changes={"text": [comment.text, None]}
    )
    comment.delete()


def save_year_details(
    *, by: Any, class_group: ClassGroup, rows: dict[int, dict[str, Any]], channel: str = "web"
) -> int:
    """Save days absent, height, weight and the general comment of the class's students, all or nothing.

    ``rows`` maps a student id to the typed values of the fields in ``year_details.PARSERS``
    (a missing field is left as it is). Only the homeroom teacher of the class or the school's
    principal may write (``not_homeroom``); a student not enrolled in the class is refused
    (``student_not_in_class``). Every refusal is collected and raised together as
    ``InvalidInput`` with ``field = "<student>:<field>"``; nothing is written then. Each changed
    student is audited with old → new. Returns the number of students whose values changed.
    """
    from hocbaso.assessments import year_details
    from hocbaso.assessments.models import StudentYear
    from hocbaso.assessments.permissions import can_manage_windows

    if not (write_scope(by, class_group).whole_class or can_manage_windows(by, class_group.school)):
        raise PermissionRefused(
            _("Only the homeroom teacher or the principal writes the year page."), code="not_homeroom"
        )
    enrolled = set(Enrolment.objects.members_of(class_group).values_list("student_id", flat=True))
    parsed: dict[int, dict[str, Any]] = {}
    errors: list[DomainError] = []
    for student_id, values in rows.items():
        if student_id not in enrolled:
            errors.append(
                ValidationFailed(
                    _("This student is not in the class."), code="student_not_in_class", field=f"{student_id}"
                )
            )
            continue
        for field, raw in values.items():
            parser = year_details.PARSERS.get(field)
            if parser is None:
                continue
            try:
                parsed.setdefault(student_id, {})[field] = parser(raw)
            except DomainError as exc:
                errors.append(ValidationFailed(exc.message, code=exc.code, field=f"{student_id}:{field}"))
    if errors:
        raise InvalidInput(errors)
    changed = 0
    with transaction.atomic():
        for student_id, values in parsed.items():
            year, _created = StudentYear.objects.select_for_update().get_or_create(
                student_id=student_id,
                school_year_id=class_group.school_year_id,
                defaults={"class_group": class_group},
            )
            diff = {f: [getattr(year, f), v] for f, v in values.items() if getattr(year, f) != v}
            if not diff:
                continue
            for field, (_old, new) in diff.items():
                setattr(year, field, new)
            year.save(update_fields=list(diff))
            audit.record(
                by=by,
                action="student_year.update",
                obj=year,
                school_id=class_group.school_id,
                changes={
                    f: [str(o) if o is not None else None, str(n) if n is not None else None]
                    for f, (o, n) in diff.items()
                },
                channel=channel,
            )
            changed += 1
    return changed


@transaction.atomic
def carry_year(*, by: Any, student: Any, to_class: ClassGroup, channel: str = "web") -> int:
    """A child transferred during the year: their year page (header, result) follows them into
    ``to_class``; every assessment entered so far stays linked to the class — hence the school —
    that entered it, and the receiving class's grid shows it (cells are read per child and year).

    ``by`` must manage the receiving school (``not_school_manager``). Returns the rows moved (0 or 1).
    """
    from hocbaso.directory.permissions import can_manage_school

    if not can_manage_school(by, to_class.school):
        raise PermissionRefused(_("You do not manage this school."), code="not_school_manager")
    years = StudentYear.objects.select_for_update().filter(student=student, school_year_id=to_class.school_year_id)
    year = years.exclude(class_group=to_class).first()
    if year is None:
        return 0
    before = year.class_group_id
    year.class_group = to_class
    year.save(update_fields=["class_group"])
    entries = AssessmentEntry.objects.filter(student=student, school_year_id=to_class.school_year_id).count()
    for school_id in {year.class_group.school_id, ClassGroup.objects.get(pk=before).school_id}:
        audit.record(
            by=by,
            action="assessments.carry_year",
            obj=year,
            school_id=school_id,
            channel=channel,
            changes={"class_group": [before, to_class.pk], "entries_carried": [None, entries]},
        )
    return 1
