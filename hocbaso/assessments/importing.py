"""The spreadsheet import flow around ``spreadsheets``: template for a class, preview of an
upload (every refused cell located) and reading a kept upload back; ``actions.apply_upload``
applies it all or nothing through ``save_cells``.

Between the preview and the confirmation the upload is kept in storage under ``imports/``; it
is deleted once applied, and an abandoned one after ``KEEP_UPLOADS`` (``hocbaso imports expire``,
daily task ``assessments.tasks.expire_import_uploads``, ``actions.expire_uploads``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.storage import default_storage

from hocbaso.assessments import cell_checks, cells, spreadsheets
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.layout import Column, columns_for
from hocbaso.assessments.models import AssessmentEntry, OptionalSubject
from hocbaso.core.collation import sort_students
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
        cell_checks.CellWrite(c.student_id, c.column.kind, c.column.code, c.column.field, c.value) for c in parsed.cells
    ]
    _values, errors = cell_checks.check_cells(by=by, class_group=class_group, point=point, writes=writes)
    names = {s.student_id: s.full_name for s in students}
    for error in errors:
        student_id, _kind, code, field = str(error.field).split(":")
        parsed.errors.append(
            spreadsheets.CellProblem(
                0, "", f"{code} ({field})", names.get(int(student_id), student_id), error.code, str(error.message)
            )
        )
    return parsed


def upload_name(token: str) -> str:
    return f"{UPLOADS}/{token}.xlsx"


def valid_token(token: str) -> bool:
    return len(token) == 64 and all(c in "0123456789abcdef" for c in token)


def load_upload(token: str) -> bytes | None:
    """The kept upload of ``token``, or None when there is none (applied, expired or invented)."""
    if not valid_token(token) or not default_storage.exists(upload_name(token)):
        return None
    with default_storage.open(upload_name(token), "rb") as handle:
        return handle.read()
