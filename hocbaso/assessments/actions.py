"""Every write of the assessments (the app's one write door): cells from the grid, an import or
the API; entry windows and their deadlines; kept spreadsheet uploads; year results, remediation
decisions and awards. Views, the API, tasks and commands write only through here
(``tests/test_write_door.py``); the rules these writes obey stay pure and read-only in
``cell_checks``, ``windows``, ``importing``, ``results`` and ``grading``.

Every cell write checks the entry window, the writer's scope and the curriculum, and records
each changed field (who, when, old → new, channel).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.accounts.models import User
from hocbaso.assessments import grading, importing
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.cell_checks import COMMENT_MAX, FIELDS, CellResult, CellWrite, check_cells
from hocbaso.assessments.importing import KEEP_UPLOADS, UPLOADS
from hocbaso.assessments.models import (
    AWARD_MOVES,
    AssessmentEntry,
    Award,
    AwardKind,
    AwardStatus,
    CommentBank,
    EntryChange,
    EntryWindow,
    OptionalSubject,
    Point,
    StudentYear,
    YearResult,
)
from hocbaso.assessments.permissions import can_manage_windows, write_scope
from hocbaso.assessments.results import Computed, year_values
from hocbaso.assessments.windows import DeadlineInvalid
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, DomainError, InvalidInput, PermissionRefused, ValidationFailed
from hocbaso.core.text import nfc
from hocbaso.directory.models import ClassGroup, Enrolment, School, SchoolYear

__all__ = ["COMMENT_MAX", "FIELDS", "CellResult", "CellWrite", "check_cells"]  # read with the writes


@transaction.atomic
def save_cells(
    *, by: User, class_group: ClassGroup, point: str, writes: Sequence[CellWrite], channel: str = "grid"
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
    *, by: User, class_group: ClassGroup, point: str, writes: Sequence[CellWrite], channel: str = "grid"
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
    *, by: User, class_group: ClassGroup, point: str, values: list[tuple[CellWrite, Any]], channel: str
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


def _require_school_teacher(by: User, school: Any) -> None:
    """A teacher or head of the school, today (the operator enters no assessment data)."""
    from hocbaso.directory.roles import Permission, active_on, appointments_granting

    today = clock.today()
    working = appointments_granting(by, Permission.VIEW_ASSESSMENTS, on=today).filter(active_on(today))
    if not working.filter(school=school).exists():
        raise PermissionRefused(_("You do not work at this school."), code="not_school_staff")


@transaction.atomic
def add_bank_comment(*, by: User, school: Any, item_code: str, text: str) -> CommentBank:
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
def remove_bank_comment(*, by: User, school: Any, comment_id: int) -> None:
    _require_school_teacher(by, school)
    comment = CommentBank.objects.filter(school=school, pk=comment_id).first()
    if comment is None:
        return
    audit.record(
        by=by, action="comment_bank.remove", obj=comment, school_id=school.pk, changes={"text": [comment.text, None]}
    )
    comment.delete()


def save_year_details(
    *, by: User, class_group: ClassGroup, rows: dict[int, dict[str, Any]], channel: str = "web"
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
def carry_year(*, by: User, student: Any, to_class: ClassGroup, channel: str = "web") -> int:
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


# Entry windows (the rules to read them stay in ``windows``)


@transaction.atomic
def set_window(
    *,
    by: User,
    school: School,
    school_year: SchoolYear,
    point: str,
    open_: bool,
    reason: str = "",
    channel: str = "web",
) -> EntryWindow:
    """Open or close a window. Reopening a window that was closed before needs a reason."""
    if not can_manage_windows(by, school):
        raise PermissionRefused(_("Only the principal opens and closes entry windows."), code="not_principal")
    window, _created = EntryWindow.objects.select_for_update().get_or_create(
        school=school, school_year=school_year, point=point
    )
    if window.is_open == open_:
        return window
    reason = nfc(reason)
    reopening = open_ and window.changed_at is not None
    if reopening and not reason:
        raise ValidationFailed(
            _("Give a reason to reopen a closed entry window."), code="reopen_reason_required", field="reason"
        )
    window.is_open = open_
    window.changed_at = clock.now()
    window.changed_by = by if getattr(by, "is_authenticated", False) else None
    if reopening:
        window.times_reopened += 1
    window.save()
    action = "window.reopen" if reopening else ("window.open" if open_ else "window.close")
    changes: dict[str, list[Any]] = {"is_open": [not open_, open_], "point": [None, point]}
    if reason:
        changes["reason"] = [None, reason]
    audit.record(by=by, action=action, obj=window, school_id=school.pk, channel=channel, changes=changes)
    return window


@transaction.atomic
def set_deadline(
    *, by: User, school: School, school_year: SchoolYear, point: str, deadline: dt.date | None, channel: str = "web"
) -> EntryWindow:
    """Set (or clear, with ``None``: the school year's calendar applies again) the school's day
    entry for a point should be finished. Audited; a deadline must fall within the school year."""
    if not can_manage_windows(by, school):
        raise PermissionRefused(_("Only the principal opens and closes entry windows."), code="not_principal")
    if deadline is not None and not school_year.start_date <= deadline <= school_year.end_date:
        raise DeadlineInvalid(
            _("The deadline must fall within the school year (%(start)s – %(end)s).")
            % {"start": school_year.start_date.strftime("%d/%m/%Y"), "end": school_year.end_date.strftime("%d/%m/%Y")},
            field="deadline",
        )
    window, _created = EntryWindow.objects.select_for_update().get_or_create(
        school=school, school_year=school_year, point=point
    )
    if window.deadline == deadline:
        return window
    old = window.deadline
    window.deadline = deadline
    window.save(update_fields=["deadline"])
    audit.record(
        by=by,
        action="window.deadline",
        obj=window,
        school_id=school.pk,
        channel=channel,
        changes={
            "point": [None, point],
            "deadline": [old.isoformat() if old else None, deadline.isoformat() if deadline else None],
        },
    )
    return window


# Spreadsheet imports (template and preview stay in ``importing``)


def apply(*, by: User, class_group: ClassGroup, point: str, content: bytes, filename: str) -> int:
    """Apply a clean upload all or nothing; returns the number of cells changed."""
    parsed = importing.preview(by=by, class_group=class_group, point=point, content=content, filename=filename)
    if parsed.errors:
        raise ValidationFailed("The file has errors; nothing was saved.", code="import_has_errors")
    writes = [CellWrite(c.student_id, c.column.kind, c.column.code, c.column.field, c.value) for c in parsed.cells]
    results = save_cells(by=by, class_group=class_group, point=point, writes=writes, channel="import")
    return sum(1 for r in results if r.changed)


def keep_upload(content: bytes) -> str:
    """Store a clean upload between its preview and the confirmation; returns its token.

    The token is random (not the file's hash): two people previewing the same file hold two
    copies, and applying one never removes the other's. The copy is deleted when it is applied
    (``apply_upload``) or, abandoned, by ``expire_uploads`` after ``KEEP_UPLOADS``.
    """
    token = secrets.token_hex(32)
    default_storage.save(importing.upload_name(token), ContentFile(content))
    return token


def discard_upload(token: str) -> None:
    if importing.valid_token(token) and default_storage.exists(importing.upload_name(token)):
        default_storage.delete(importing.upload_name(token))


def apply_upload(*, by: User, class_group: ClassGroup, point: str, token: str, filename: str) -> int:
    """Apply the kept upload of ``token`` (see ``apply``) and delete it, whatever the outcome:
    a refused file is uploaded again after it is fixed. Refused with ``import_upload_gone`` when
    the upload is no longer kept."""
    content = importing.load_upload(token)
    if content is None:
        raise ValidationFailed(
            _("This upload is no longer kept (already applied or expired); upload the file again."),
            code="import_upload_gone",
            field="file",
        )
    try:
        return apply(by=by, class_group=class_group, point=point, content=content, filename=filename)
    finally:
        discard_upload(token)


def expire_uploads(*, older_than: dt.timedelta = KEEP_UPLOADS) -> int:
    """Delete the kept uploads nobody applied within ``older_than``; returns how many."""
    if not default_storage.exists(UPLOADS):
        return 0
    limit = clock.now() - older_than
    expired = 0
    for name in default_storage.listdir(UPLOADS)[1]:
        path = f"{UPLOADS}/{name}"
        if default_storage.get_modified_time(path) < limit:
            default_storage.delete(path)
            expired += 1
    return expired


# Year results, decisions and awards (the arithmetic is ``grading``; ``results`` gathers its values)


@transaction.atomic
def compute_year_results(*, by: User, class_group: ClassGroup) -> list[Computed]:
    """Compute (or recompute) every student's year result in the class.

    The first computed result is kept in ``first_result``; after a summer re-assessment the
    result is recomputed from the re-assessed values laid over the year-end ones. Students
    with missing cells get no result and are listed with the cells named.
    """
    scope = write_scope(by, class_group)
    if not (scope.whole_class or can_manage_windows(by, class_group.school)):
        raise PermissionRefused(
            _("Only the homeroom teacher or the principal computes year results."), code="not_homeroom"
        )
    catalogue = catalogue_for_class(class_group)
    enrolments = list(Enrolment.objects.members_of(class_group).select_related("student"))
    ids = [e.student_id for e in enrolments]
    by_student: dict[int, dict[str, dict[tuple[str, str], AssessmentEntry]]] = {
        i: {"year_end": {}, "summer": {}} for i in ids
    }
    for entry in AssessmentEntry.objects.filter(
        school_year_id=class_group.school_year_id, student_id__in=ids, point__in=[Point.YEAR_END, Point.SUMMER]
    ):
        by_student[entry.student_id][entry.point][(entry.item_kind, entry.item_code)] = entry
    taken: dict[int, set[str]] = {i: set() for i in ids}
    for student_id, code in OptionalSubject.objects.filter(
        school_year_id=class_group.school_year_id, student_id__in=ids
    ).values_list("student_id", "subject_code"):
        taken[student_id].add(code)
    years = {
        y.student_id: y
        for y in StudentYear.objects.select_for_update().filter(
            school_year_id=class_group.school_year_id, student_id__in=ids
        )
    }
    now = clock.now()
    outcomes: list[Computed] = []
    changed: list[StudentYear] = []
    for enrolment in enrolments:
        student = enrolment.student
        year = years.get(student.pk) or StudentYear(
            student=student, school_year_id=class_group.school_year_id, class_group=class_group
        )
        first = year_values(catalogue, by_student[student.pk]["year_end"], taken[student.pk], student.individual_plan)
        missing = grading.missing_cells(first) if not student.individual_plan else []
        if missing:
            outcomes.append(
                Computed(student.pk, "", [str(m.message) for m in missing], tuple(str(m.field) for m in missing))
            )
            continue
        result = grading.year_result(first).result
        summer = by_student[student.pk]["summer"]
        if summer and result == YearResult.NOT_COMPLETED:
            year.remediation_done = True
            result = grading.year_result(
                grading.with_reassessment(first, year_values(catalogue, summer, taken[student.pk], False))
            ).result
        if not year.first_result:
            year.first_result = grading.year_result(first).result
        year.result = result
        year.result_computed_at = now
        year.class_group = class_group
        changed.append(year)
        outcomes.append(Computed(student.pk, result, []))
    for year in changed:
        year.save()
        for title in grading.proposed_awards(year.result):
            Award.objects.get_or_create(
                student_id=year.student_id,
                school_year_id=year.school_year_id,
                kind=AwardKind.EXCELLENT,
                defaults={
                    "title": title,
                    "awarded_on": class_group.school_year.end_date,
                    "created_by": by if getattr(by, "is_authenticated", False) else None,
                    "status": AwardStatus.PROPOSED,
                },
            )
    audit.record(
        by=by,
        action="results.compute",
        obj=class_group,
        school_id=class_group.school_id,
        changes={"computed": [None, len(changed)], "blocked": [None, len(outcomes) - len(changed)]},
    )
    return outcomes


@transaction.atomic
def decide_promotion(*, by: User, student_year: StudentYear, decision: str) -> StudentYear:
    """The principal's decision for a student still not completing (after remediation, or on an
    individual plan whose completion was refused): promoted or repeats the grade, who and when
    kept. Grade 5 has no promotion: only "retained" (``decision_no_promotion_after_grade_5``)."""
    year = StudentYear.objects.select_for_update().select_related("class_group__school").get(pk=student_year.pk)
    if not can_manage_windows(by, year.class_group.school):
        raise PermissionRefused(_("Only the principal decides on promotion."), code="not_principal")
    grading.check_decision(year.class_group.grade, decision)
    if not grading.needs_decision(year.first_result, year.result, year.remediation_done, year.plan_completed):
        raise Conflict(
            _("A promotion decision is only taken after remediation for a student still not completing."),
            code="decision_not_needed",
        )
    year.decision, year.decided_by, year.decided_at = decision, by, clock.now()
    year.save(update_fields=["decision", "decided_by", "decided_at"])
    audit.record(
        by=by,
        action="results.decide",
        obj=year,
        school_id=year.class_group.school_id,
        changes={"decision": [None, decision]},
    )
    return year


@transaction.atomic
def grant_award(
    *,
    by: User,
    student_year: StudentYear,
    kind: str,
    title: str,
    justification: str = "",
    recognised_by_class: bool = False,
    awarded_on: Any = None,
) -> Award:
    """A principal's award. "Outstanding" needs HTT, the teacher's justification and the class's recognition."""
    if not can_manage_windows(by, student_year.class_group.school):
        raise PermissionRefused(_("Only the principal grants awards."), code="not_principal")
    if kind == AwardKind.OUTSTANDING and not grading.can_be_outstanding(
        student_year.result, justification=justification, recognised_by_class=recognised_by_class
    ):
        raise ValidationFailed(
            _(
                "“Outstanding student” needs a “completed well” result, "
                "the teacher's justification and the class's recognition."
            ),
            code="award_not_justified",
            field="justification",
        )
    award = Award.objects.create(
        student_id=student_year.student_id,
        school_year_id=student_year.school_year_id,
        kind=kind,
        title=nfc(title),
        justification=nfc(justification),
        recognised_by_class=recognised_by_class,
        awarded_on=awarded_on or clock.today(),
        created_by=by,
        status=AwardStatus.CONFIRMED,
        decided_by=by,
        decided_at=clock.now(),
    )
    audit.record(
        by=by,
        action="award.grant",
        obj=award,
        school_id=student_year.class_group.school_id,
        changes={"kind": [None, kind], "title": [None, award.title]},
    )
    return award


@transaction.atomic
def decide_award(*, by: User, award: Award, confirm: bool) -> Award:
    """The principal confirms or declines a proposed award (who and when kept, audited). Only a
    proposal is decided (``award_already_decided`` otherwise); only confirmed awards print."""
    locked = Award.objects.select_for_update().get(pk=award.pk)
    year = StudentYear.objects.select_related("class_group__school").get(
        student_id=locked.student_id, school_year_id=locked.school_year_id
    )
    if not can_manage_windows(by, year.class_group.school):
        raise PermissionRefused(_("Only the principal decides on awards."), code="not_principal")
    if locked.status != AwardStatus.PROPOSED:
        raise Conflict(_("This award has already been decided."), code="award_already_decided")
    AWARD_MOVES.move(locked, AwardStatus.CONFIRMED if confirm else AwardStatus.DECLINED, attribute="status")
    locked.decided_by, locked.decided_at = by, clock.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        by=by,
        action="award.confirm" if confirm else "award.decline",
        obj=locked,
        school_id=year.class_group.school_id,
        changes={"status": [AwardStatus.PROPOSED, locked.status]},
    )
    return locked


@transaction.atomic
def record_plan_assessment(*, by: User, student_year: StudentYear, text: str) -> StudentYear:
    """The homeroom teacher's assessment of a student on an individual education plan, against
    the plan (audited). Refused for a student not on a plan (``not_on_individual_plan``) and once
    the principal has decided (``plan_already_decided``)."""
    year = (
        StudentYear.objects.select_for_update().select_related("class_group__school", "student").get(pk=student_year.pk)
    )
    if not write_scope(by, year.class_group).whole_class:
        raise PermissionRefused(
            _("Only the homeroom teacher records the assessment against the plan."), code="not_homeroom"
        )
    if not year.student.individual_plan:
        raise ValidationFailed(
            _("This student is not assessed on an individual education plan."), code="not_on_individual_plan"
        )
    if year.plan_completed is not None:
        raise Conflict(_("The principal has already decided on this student's year."), code="plan_already_decided")
    value = nfc(text).strip()
    if not value:
        raise ValidationFailed(
            _("Write the assessment against the individual plan."), code="plan_assessment_missing", field="text"
        )
    old = year.plan_assessment
    year.plan_assessment = value
    year.save(update_fields=["plan_assessment"])
    audit.record(
        by=by,
        action="results.plan_assessment",
        obj=year,
        school_id=year.class_group.school_id,
        changes={"plan_assessment": [old or None, value]},
    )
    return year


@transaction.atomic
def decide_plan_completion(
    *, by: User, student_year: StudentYear, completed: bool, note: str, decision: str = ""
) -> StudentYear:
    """The principal's decision for a student on an individual education plan: completed the
    class (in grade 5, the primary programme) or not, with a note, who and when. Not completed
    needs "promoted" or "retained" at once (grade 5: "retained" only). Needs the homeroom
    teacher's assessment first (``plan_assessment_missing``); decided once (``plan_already_decided``)."""
    year = (
        StudentYear.objects.select_for_update().select_related("class_group__school", "student").get(pk=student_year.pk)
    )
    if not can_manage_windows(by, year.class_group.school):
        raise PermissionRefused(_("Only the principal decides on completion."), code="not_principal")
    if not year.student.individual_plan or year.result != YearResult.NOT_CLASSIFIED:
        raise ValidationFailed(
            _("This student is not assessed on an individual education plan."), code="not_on_individual_plan"
        )
    if year.plan_completed is not None:
        raise Conflict(_("The principal has already decided on this student's year."), code="plan_already_decided")
    if not year.plan_assessment:
        raise ValidationFailed(
            _("The homeroom teacher has not recorded the assessment against the plan yet."),
            code="plan_assessment_missing",
        )
    text = nfc(note).strip()
    if not text:
        raise ValidationFailed(_("Write a note for the decision."), code="plan_note_missing", field="note")
    if completed:
        decision = ""
    else:
        grading.check_decision(year.class_group.grade, decision)
    year.plan_completed, year.plan_note, year.decision = completed, text, decision
    year.decided_by, year.decided_at = by, clock.now()
    year.save(update_fields=["plan_completed", "plan_note", "decision", "decided_by", "decided_at"])
    audit.record(
        by=by,
        action="results.plan_decide",
        obj=year,
        school_id=year.class_group.school_id,
        changes={"plan_completed": [None, completed], "decision": [None, decision or None], "note": [None, text]},
    )
    return year
