"""Admission to grade 6: the grade-5 students who completed the primary programme, with the status
of their grade-5 record, and the export for a lower-secondary school or an admission board.

Pure reading here; the export's write (audit, sealing) is ``actions.export_admission``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from hocbaso.assessments.models import StudentYear, YearResult
from hocbaso.core.collation import roll_key
from hocbaso.core.xlsx_cells import put
from hocbaso.directory import consent
from hocbaso.directory.models import ConsentKind, School, SchoolYear, Student
from hocbaso.records.models import CURRENT_STATUSES, RecordVersion, Status

COMPLETED = [YearResult.EXCELLENT, YearResult.GOOD, YearResult.COMPLETED]


@dataclass(frozen=True)
class Candidate:
    student: Student
    school: School
    class_name: str
    result: str
    version: RecordVersion | None
    consented: bool

    @property
    def record_status(self) -> str:
        """``issued`` (signed by all three, in the transparency log), ``signing`` or ``missing``."""
        if self.version is None:
            return "missing"
        return "issued" if self.version.status == Status.ISSUED else "signing"


@dataclass(frozen=True)
class Tally:
    """One school's admission figures, naming no child: what a unit officer plans admissions with."""

    school: School
    completers: int
    issued: int
    signing: int
    missing: int


STATUS_LABELS = {
    "issued": gettext_lazy("Issued, fully signed"),
    "signing": gettext_lazy("Waiting for signatures"),
    "missing": gettext_lazy("No record yet"),
}


def completers(schools: QuerySet[School], school_year: SchoolYear) -> list[Candidate]:
    """Grade-5 students of ``schools`` in ``school_year`` who completed the primary programme: by
    their result, or, on an individual education plan, by the principal's decision. A grade-5
    non-completer stays in grade 5 and is never listed. In school, class and Vietnamese name order."""
    years = (
        StudentYear.objects.filter(school_year=school_year, class_group__grade=5, class_group__school__in=schools)
        .filter(Q(result__in=COMPLETED) | Q(result=YearResult.NOT_CLASSIFIED, plan_completed=True))
        .select_related("student", "class_group__school")
    )
    rows = sorted(
        years, key=lambda y: roll_key(y.class_group.name, y.student.full_name, y.pk, scope=(y.class_group.school.name,))
    )
    versions = {
        v.record.student_id: v
        for v in RecordVersion.objects.filter(
            school_year=school_year, status__in=CURRENT_STATUSES, record__student_id__in=[y.student_id for y in rows]
        ).select_related("record")
    }
    consented = consent.granted_pairs(student_ids=[y.student_id for y in rows], kind=ConsentKind.ADMISSION)
    return [
        Candidate(
            student=y.student,
            school=y.class_group.school,
            class_name=y.class_group.name,
            result=y.get_result_display(),
            version=versions.get(y.student_id),
            consented=(y.student_id, y.class_group.school_id) in consented,
        )
        for y in rows
    ]


def tally(candidates: list[Candidate]) -> list[Tally]:
    """Per school, how many completers and how far their records are (school order kept)."""
    by_school: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_school.setdefault(c.school.pk, []).append(c)
    return [
        Tally(
            school=rows[0].school,
            completers=len(rows),
            issued=sum(c.record_status == "issued" for c in rows),
            signing=sum(c.record_status == "signing" for c in rows),
            missing=sum(c.record_status == "missing" for c in rows),
        )
        for rows in by_school.values()
    ]


def workbook(candidates: list[Candidate], tallies: list[Tally], school_year: SchoolYear) -> bytes:
    """The admission list as ``.xlsx``: a sheet of figures per school, and a sheet with one row per
    student of ``candidates`` — which the caller fills only for schools whose children the reader may
    see (a unit officer's copy names no child)."""
    book = Workbook()
    figures = book.active
    assert figures is not None
    figures.title = "So lieu"
    put(figures, 1, 1, _("Grade-5 completers, school year %(year)s") % {"year": school_year.code}).font = Font(
        bold=True
    )
    for column, head in enumerate(
        [
            _("School"),
            _("Completers"),
            str(STATUS_LABELS["issued"]),
            str(STATUS_LABELS["signing"]),
            str(STATUS_LABELS["missing"]),
        ],
        start=1,
    ):
        put(figures, 3, column, head).font = Font(bold=True)
    for row, t in enumerate(tallies, start=4):
        for column, value in enumerate([t.school.name, t.completers, t.issued, t.signing, t.missing], start=1):
            put(figures, row, column, value)
    if candidates:
        _students_sheet(book.create_sheet("Tuyen sinh lop 6"), candidates, school_year)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _students_sheet(sheet: Any, candidates: list[Candidate], school_year: SchoolYear) -> None:
    heads = [
        _("School"),
        _("Class"),
        _("Full name"),
        _("Date of birth"),
        _("Personal ID"),
        _("Result"),
        _("Issuance code"),
        _("Record"),
        _("Family consent"),
    ]
    put(sheet, 1, 1, _("Grade-5 completers, school year %(year)s") % {"year": school_year.code}).font = Font(bold=True)
    for column, head in enumerate(heads, start=1):
        put(sheet, 3, column, head).font = Font(bold=True)
    for row, c in enumerate(candidates, start=4):
        values = [
            c.school.name,
            c.class_name,
            c.student.full_name,
            c.student.date_of_birth,
            c.student.personal_id,
            c.result,
            c.version.issuance_code if c.version else "",
            str(STATUS_LABELS[c.record_status]),
            _("Yes") if c.consented else _("No"),
        ]
        for column, value in enumerate(values, start=1):
            cell = put(sheet, row, column, value)
            if column == 4:
                cell.number_format = "DD/MM/YYYY"
