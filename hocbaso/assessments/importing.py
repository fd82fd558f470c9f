"""The spreadsheet import flow around ``spreadsheets``: template for a class, preview of an
upload (every refused cell located), and applying it all or nothing through ``save_cells``.

Between the preview and the confirmation the upload is kept in storage under ``imports/``; it
is deleted once applied, and an abandoned one after ``KEEP_UPLOADS`` (``hocbaso imports expire``,
daily task ``assessments.tasks.expire_import_uploads``)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

from hocbaso.assessments import actions, cells, spreadsheets
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.layout import Column, columns_for
from hocbaso.assessments.models import AssessmentEntry, OptionalSubject
from hocbaso.core import clock
from hocbaso.core.collation import sort_students
from hocbaso.core.errors import ValidationFailed
from hocbaso.directory.models import ClassGroup, Enrolment

UPLOADS = "imports"
# A previewed upload waits this long for its confirmation, then ``expire_uploads`` deletes it.
KEEP_UPLOADS = dt.timedelta(hours=24)


def class_columns(class_group: ClassGroup, point: str) -> list[Column]:
    catalogue = catalogue_for_class(class_group)
    taken = set(
        OptionalSubject.objects.filter(
            school_year_id=class_group.school_year_id, student__enrolments__class_group=class_group
        ).values_list("subject_code", flat=True)
    )
    optional = {i.code for i in catalogue.items if i.optional}
    columns = columns_for("all", items=catalogue.items, point=point, test_cells=catalogue.test_cells)
    return [c for c in columns if c.code not in optional or c.code in taken]


def class_students(class_group: ClassGroup) -> list[spreadsheets.GridStudent]:
    enrolments = Enrolment.objects.members_of(class_group).select_related("student")
    rows = sort_students(enrolments)
    return [spreadsheets.GridStudent(e.student_id, e.student.full_name, e.student.date_of_birth) for e in rows]


def template_for(class_group: ClassGroup, point: str, point_label: str) -> bytes:
    columns = class_columns(class_group, point)
    existing: dict[tuple[int, str], Any] = {}
    for entry in AssessmentEntry.objects.filter(class_group=class_group, point=point):
        for field in ("rating", "score", "comment"):
            existing[(entry.student_id, f"{entry.item_kind}:{entry.item_code}:{field}")] = getattr(entry, field)
    title = (
        f"{class_group.school.name} — Lớp {class_group.name} — Năm học {class_group.school_year.code} — {point_label}"
    )
    return spreadsheets.build_template(
        title=title, students=class_students(class_group), columns=columns, existing=existing
    )


def _value_check(column: Column, raw: Any) -> Any:
    if column.field == "rating":
        return cells.validate_rating(raw, "subject" if column.kind == "subject" else "competency")
    if column.field == "score":
        return cells.validate_score(raw)
    return str(raw)


def preview(
    *, by: Any, class_group: ClassGroup, point: str, content: bytes, filename: str
) -> spreadsheets.ImportPreview:
    """Parse and check everything the real save would check; nothing is written."""
    students = class_students(class_group)
    parsed = spreadsheets.parse_upload(
        content,
        filename=filename,
        students=students,
        columns=class_columns(class_group, point),
        validate_cell=_value_check,
    )
    if parsed.errors:
        return parsed
    writes = [
        actions.CellWrite(c.student_id, c.column.kind, c.column.code, c.column.field, c.value) for c in parsed.cells
    ]
    _values, errors = actions.check_cells(by=by, class_group=class_group, point=point, writes=writes)
    names = {s.student_id: s.full_name for s in students}
    for error in errors:
        student_id, _kind, code, field = str(error.field).split(":")
        parsed.errors.append(
            spreadsheets.CellProblem(
                0, "", f"{code} ({field})", names.get(int(student_id), student_id), error.code, str(error.message)
            )
        )
    return parsed


def apply(*, by: Any, class_group: ClassGroup, point: str, content: bytes, filename: str) -> int:
    """Apply a clean upload all or nothing; returns the number of cells changed."""
    parsed = preview(by=by, class_group=class_group, point=point, content=content, filename=filename)
    if parsed.errors:
        raise ValidationFailed("The file has errors; nothing was saved.", code="import_has_errors")
    writes = [
        actions.CellWrite(c.student_id, c.column.kind, c.column.code, c.column.field, c.value) for c in parsed.cells
    ]
    results = actions.save_cells(by=by, class_group=class_group, point=point, writes=writes, channel="import")
    return sum(1 for r in results if r.changed)


def keep_upload(content: bytes) -> str:
    """Store a clean upload between its preview and the confirmation; returns its token.

    The token is random (not the file's hash): two people previewing the same file hold two
    copies, and applying one never removes the other's. The copy is deleted when it is applied
    (``apply_upload``) or, abandoned, by ``expire_uploads`` after ``KEEP_UPLOADS``.
    """
    token = secrets.token_hex(32)
    default_storage.save(_upload_name(token), ContentFile(content))
    return token


def _upload_name(token: str) -> str:
    return f"{UPLOADS}/{token}.xlsx"


def _valid_token(token: str) -> bool:
    return len(token) == 64 and all(c in "0123456789abcdef" for c in token)


def load_upload(token: str) -> bytes | None:
    """The kept upload of ``token``, or None when there is none (applied, expired or invented)."""
    if not _valid_token(token) or not default_storage.exists(_upload_name(token)):
        return None
    with default_storage.open(_upload_name(token), "rb") as handle:
        return handle.read()


def discard_upload(token: str) -> None:
    if _valid_token(token) and default_storage.exists(_upload_name(token)):
        default_storage.delete(_upload_name(token))


def apply_upload(*, by: Any, class_group: ClassGroup, point: str, token: str, filename: str) -> int:
    """Apply the kept upload of ``token`` (see ``apply``) and delete it, whatever the outcome:
    a refused file is uploaded again after it is fixed. Refused with ``import_upload_gone`` when
    the upload is no longer kept."""
    content = load_upload(token)
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
