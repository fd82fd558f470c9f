"""Spreadsheet import of a class grid: a template listing the class's students and the right
columns, and the parser that checks an upload cell by cell before anything is written.

Pure (no ORM): the caller passes the students, the columns (``layout.Column``) and a cell
validator; it applies the cells only when the preview has no error (all or nothing).
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from hocbaso.assessments.layout import Column
from hocbaso.core import xlsx_upload
from hocbaso.core.errors import DomainError
from hocbaso.core.xlsx_cells import put
from hocbaso.core.xlsx_limits import Limits

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 300
MAX_COLUMNS = 200  # the widest template (grade 4-5 at year end) has fewer than 60 columns
# What an upload may declare before it is parsed, and the reading process's caps (docs/security.md).
LIMITS = Limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
SHEET = "Nhap lieu"
KEY_ROW = 6  # hidden row carrying the column keys
FIRST_DATA_ROW = 7
FIXED = ["STT", "Mã HS", "Họ và tên", "Ngày sinh"]


@dataclass(frozen=True)
class GridStudent:
    student_id: int
    full_name: str
    date_of_birth: dt.date


@dataclass(frozen=True)
class ParsedCell:
    student_id: int
    column: Column
    value: Any


@dataclass(frozen=True)
class CellProblem:
    row: int
    column_letter: str
    column_title: str
    student_name: str
    code: str
    message: str


@dataclass
class ImportPreview:
    cells: list[ParsedCell] = field(default_factory=list)
    errors: list[CellProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# The whole file is refused (not a spreadsheet, empty, too large, declares too much, wrong columns).
ImportRefused = xlsx_upload.SpreadsheetRefused


def build_template(
    *,
    title: str,
    students: Sequence[GridStudent],
    columns: Sequence[Column],
    existing: dict[tuple[int, str], Any] | None = None,
) -> bytes:
    """An .xlsx listing the students with one column per grid column, pre-filled."""
    existing = existing or {}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    put(sheet, 1, 1, title).font = Font(bold=True, size=13)
    hint = "Điểm là số nguyên 0-10; môn học T/H/C; phẩm chất, năng lực T/Đ/C. Không sửa dòng 5-6 và cột Mã HS."
    put(sheet, 2, 1, hint).font = Font(italic=True, color="555555")
    header = [*FIXED, *[c.label if c.field != "comment" else f"{c.label} (nhận xét)" for c in columns]]
    keys = ["#", "student_id", "full_name", "date_of_birth", *[c.key for c in columns]]
    fill = PatternFill("solid", fgColor="DDE6F0")
    for index, (text, key) in enumerate(zip(header, keys, strict=True), start=1):
        cell = put(sheet, 5, index, text)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
        put(sheet, KEY_ROW, index, key)
    sheet.row_dimensions[KEY_ROW].hidden = True
    for offset, student in enumerate(students):
        row = FIRST_DATA_ROW + offset
        put(sheet, row, 1, offset + 1)
        put(sheet, row, 2, student.student_id)
        put(sheet, row, 3, student.full_name)
        put(sheet, row, 4, student.date_of_birth.strftime("%d/%m/%Y"))
        for index, column in enumerate(columns, start=len(FIXED) + 1):
            value = existing.get((student.student_id, column.key))
            if value not in (None, ""):
                put(sheet, row, index, value)
    last = FIRST_DATA_ROW + max(len(students), 1) - 1
    for index, column in enumerate(columns, start=len(FIXED) + 1):
        letter = get_column_letter(index)
        area = f"{letter}{FIRST_DATA_ROW}:{letter}{last}"
        if column.field == "rating":
            rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
        elif column.field == "score":
            rule = DataValidation(type="whole", operator="between", formula1="0", formula2="10", allow_blank=True)
        else:
            rule = None
        if rule is not None:
            rule.error = "Giá trị không hợp lệ"
            sheet.add_data_validation(rule)
            rule.add(area)
        sheet.column_dimensions[letter].width = 40 if column.field == "comment" else 9
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 5, 9
    sheet.column_dimensions["C"].width, sheet.column_dimensions["D"].width = 28, 12
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=len(FIXED) + 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _refuse(message: Any, code: str) -> ImportRefused:
    return ImportRefused(message, code=code, field="file")


def _plain(value: Any) -> Any:
    """Calamine returns numbers as floats: 8.0 → 8, 8.5 stays 8.5 (and is refused later)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def parse_upload(
    content: bytes,
    *,
    filename: str,
    students: Sequence[GridStudent],
    columns: Sequence[Column],
    validate_cell: Callable[[Column, Any], Any],
) -> ImportPreview:
    """Read an uploaded template and check every cell; never stops at the first error.

    The file is measured and parsed out of process first (``core.xlsx_upload``, ``LIMITS``):
    a file declaring more than ``MAX_ROWS`` rows is refused before it is read.
    """
    rows = xlsx_upload.read_first_sheet(content, filename=filename, limits=LIMITS)
    if len(rows) < KEY_ROW:
        raise _refuse(
            _("The sheet does not have the template's header rows; download the template again."), "import_no_header"
        )
    keys = [str(_plain(v)) for v in rows[KEY_ROW - 1]]
    while keys and keys[-1] == "":
        keys.pop()
    expected = ["#", "student_id", "full_name", "date_of_birth", *[c.key for c in columns]]
    if keys[:4] != expected[:4]:
        raise _refuse(
            _("The sheet does not have the template's header rows; download the template again."), "import_no_header"
        )
    missing = [k for k in expected if k not in keys]
    extra = [k for k in keys if k not in expected]
    if missing:
        raise _refuse(_("Columns are missing: %(keys)s.") % {"keys": ", ".join(missing)}, "import_missing_columns")
    if extra:
        raise _refuse(_("Unknown columns: %(keys)s.") % {"keys": ", ".join(extra)}, "import_extra_columns")
    by_key = {c.key: c for c in columns}
    known = {s.student_id: s for s in students}
    seen: set[int] = set()
    preview = ImportPreview()
    titles = [str(v) for v in rows[4]] if len(rows) >= 5 else keys
    for row_number, row in enumerate(rows[FIRST_DATA_ROW - 1 :], start=FIRST_DATA_ROW):
        values = [_plain(v) for v in row] + [""] * (len(keys) - len(row))
        if all(v in ("", None) for v in values):
            continue
        raw_id = values[1]
        student = known.get(raw_id) if isinstance(raw_id, int) else None
        if student is None or student.student_id in seen:
            code = "import_duplicate_student" if student is not None else "import_unknown_student"
            message = (
                _("This student appears twice.")
                if student is not None
                else _("This row is not a student of the class.")
            )
            preview.errors.append(CellProblem(row_number, "B", "Mã HS", str(values[2]), code, str(message)))
            continue
        seen.add(student.student_id)
        for index, key in enumerate(keys[4:], start=4):
            raw = values[index]
            if raw in ("", None):
                continue
            column = by_key[key]
            try:
                value = validate_cell(column, raw)
            except DomainError as exc:
                preview.errors.append(
                    CellProblem(
                        row_number,
                        get_column_letter(index + 1),
                        titles[index] if index < len(titles) else key,
                        student.full_name,
                        exc.code,
                        str(exc.message),
                    )
                )
                continue
            preview.cells.append(ParsedCell(student.student_id, column, value))
    for student in students:
        if student.student_id not in seen:
            preview.errors.append(
                CellProblem(
                    0,
                    "B",
                    "Mã HS",
                    student.full_name,
                    "import_student_missing",
                    str(_("This student of the class is missing from the file.")),
                )
            )
    return preview
