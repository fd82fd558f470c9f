"""The periodic reports as files officers send upward: an .xlsx (openpyxl through
``core.xlsx_cells``) and a PDF (Typst), from the same :class:`figures.Report`.

- a unit's roll-up: one row per unit below it and one per school, then the results per grade;
- a school's year-end summary by grade: one row per grade and per class, then the results.

Counts only: no file names a child.
"""

from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import typst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from hocbaso.core import clock
from hocbaso.core.xlsx_cells import put
from hocbaso.reporting import figures
from hocbaso.reporting.figures import Counts, Report

TEMPLATE = Path(__file__).parent / "typst" / "report.typ"
_local = threading.local()
RESULT_LABELS = ("HTXS", "HTT", "HT", "CHT")


def columns() -> list[tuple[str, str]]:
    """(Counts attribute, Vietnamese heading) of every column, in order."""
    return [
        ("schools", _("Schools")),
        ("paper_schools", _("Paper-mode schools")),
        ("classes", _("Classes")),
        ("students", _("Students")),
        ("cells_entered", _("Cells entered")),
        ("cells_expected", _("Cells expected")),
        ("cells_percent", _("Entered (%)")),
        ("windows_open", _("Entry windows open")),
        ("frozen", _("Records frozen")),
        ("signed_homeroom", _("Signed by homeroom teacher")),
        ("signed_principal", _("Signed by principal")),
        ("issued", _("Issued")),
        ("missing_cells", _("Blocked: missing cells")),
        ("missing_year_page", _("Blocked: missing year page")),
        ("missing_appointment", _("Blocked: missing appointment")),
        ("expired_certificates", _("Blocked: expired certificate")),
        ("expiring_certificates", _("Certificates expiring within 30 days")),
        ("corrections_pending", _("Corrections pending")),
        ("corrections", _("Correction requests")),
    ]


@dataclass(frozen=True)
class Line:
    label: str
    counts: Counts
    level: int = 0  # 0 total, 1 unit/grade, 2 school/class


def lines_of(report: Report, *, school: bool) -> list[Line]:
    """The table's lines: total, then units (or grades) and schools (or classes)."""
    found = [Line(_("Total"), report.total)]
    if school:
        grades: dict[int, Counts] = {}
        for row in report.rows:
            grades.setdefault(row.grade, Counts()).add(row.counts)
        for grade in sorted(grades):
            found.append(Line(_("Grade %(grade)d") % {"grade": grade}, grades[grade], 1))
            found += [
                Line(_("Class %(name)s") % {"name": r.name}, r.counts, 2) for r in report.rows if r.grade == grade
            ]
        return found
    for unit, counts in report.children:
        found.append(Line(unit.name if unit is not None else _("Linked to the unit itself"), counts, 1))
    found += [Line(row.name + (" " + _("(paper)") if row.paper_mode else ""), row.counts, 2) for row in report.rows]
    return found


def title_of(report: Report, subject: str, *, school: bool) -> str:
    kind = _("Year-end summary by grade") if school else _("Roll-up of digital school records")
    return f"{kind} — {subject}"


def subtitle_of(report: Report) -> str:
    return _("School year %(year)s · %(point)s · entry deadline %(deadline)s") % {
        "year": report.school_year.code,
        "point": figures.Point(report.point).label,
        "deadline": report.deadline.strftime("%d/%m/%Y"),
    }


def _value(counts: Counts, attr: str) -> int:
    return int(getattr(counts, attr))


def to_xlsx(report: Report, subject: str, *, school: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Summary")[:31]
    cols = columns()
    put(sheet, 1, 1, title_of(report, subject, school=school)).font = Font(bold=True, size=13)
    put(sheet, 2, 1, subtitle_of(report))
    put(sheet, 3, 1, _("Printed on %(day)s") % {"day": clock.today().strftime("%d/%m/%Y")})
    header = 5
    put(sheet, header, 1, _("Unit / school") if not school else _("Grade / class")).font = Font(bold=True)
    for index, (_attr, label) in enumerate(cols, start=2):
        cell = put(sheet, header, index, label)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    row_no = header
    for line in lines_of(report, school=school):
        row_no += 1
        put(sheet, row_no, 1, ("  " * line.level) + line.label).font = Font(bold=line.level < 2)
        for index, (attr, _label) in enumerate(cols, start=2):
            put(sheet, row_no, index, _value(line.counts, attr))
    sheet.column_dimensions["A"].width = 36
    for index in range(2, len(cols) + 2):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.freeze_panes = sheet.cell(row=header + 1, column=2)

    results = book.create_sheet(_("Results by grade")[:31])
    put(results, 1, 1, _("Year results by grade (students)")).font = Font(bold=True, size=13)
    put(results, 2, 1, subtitle_of(report))
    put(results, 4, 1, _("Grade")).font = Font(bold=True)
    for index, label in enumerate(RESULT_LABELS, start=2):
        put(results, 4, index, label).font = Font(bold=True)
    for offset, (grade, values) in enumerate(figures.results_by_grade(report.total.results), start=5):
        put(results, offset, 1, grade)
        for index, value in enumerate(values, start=2):
            put(results, offset, index, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(report: Report, subject: str, *, school: bool) -> bytes:
    cols = columns()
    data = {
        "title": title_of(report, subject, school=school),
        "subtitle": subtitle_of(report),
        "printed": _("Printed on %(day)s") % {"day": clock.today().strftime("%d/%m/%Y")},
        "first": _("Unit / school") if not school else _("Grade / class"),
        "columns": [label for _attr, label in cols],
        "lines": [
            {"label": line.label, "level": line.level, "values": [_value(line.counts, a) for a, _l in cols]}
            for line in lines_of(report, school=school)
        ],
        "results_title": _("Year results by grade (students)"),
        "grade": _("Grade"),
        "result_labels": list(RESULT_LABELS),
        "results": [{"grade": g, "values": v} for g, v in figures.results_by_grade(report.total.results)],
    }
    compiler = _local.__dict__.get("compiler")
    if compiler is None:
        compiler = _local.compiler = typst.Compiler(str(TEMPLATE), root=str(TEMPLATE.parent), ignore_system_fonts=True)
    pdf = compiler.compile(format="pdf", sys_inputs={"data": json.dumps(data, ensure_ascii=False)})
    assert isinstance(pdf, bytes)
    return pdf
