"""The pages of a paper book (sổ học bạ giấy) for a school-year kept on paper, and the books recorded.

Printing uses the record's own Typst template (``typst/record.typ``) in its **paper mode**: the same
pages as a digital record of that year, from the same data (``assembly.year_section``), but no
embedded XML, no issuance code, no verify QR, no signature fields, "BẢN GIẤY" at the top of every
page, and boxes left blank for the handwritten signatures and the school's red seal. A value not
entered yet prints blank for the pen. A paper print therefore cannot be taken for a digital record:
the verifier finds no record data in it (``pdf_no_xml``) and no signature to check.

- :func:`student_pages` — one student's pages (PDF bytes);
- :func:`class_pages` — every student of a class in roll order, one PDF (each student's pages are
  rendered, then placed whole by ``typst/paper-class.typ``);
- :func:`books_of_class` — the books recorded for a class (``PaperBook``), by student.

Both printers refuse a school-year that is not on paper (``paper_print_not_paper_year``): a digital
year prints its issued records (the booklet), never unsigned pages.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from hocbaso.assessments.catalogue import GradeCatalogue, catalogue_for_class
from hocbaso.assessments.models import StudentYear
from hocbaso.core import clock
from hocbaso.core.collation import sort_students
from hocbaso.core.errors import ValidationFailed
from hocbaso.directory import paper
from hocbaso.directory.models import ClassGroup, Enrolment, Student
from hocbaso.records import assembly_parts, typst_worker
from hocbaso.records.assembly import year_section
from hocbaso.records.models import PaperBook
from hocbaso.records.rendering import RECORD_TEMPLATE, TEMPLATE_DIR, _compile, _compiler, display_values, page_count
from hocbaso.records.xml import FORMAT_VERSION

CLASS_TEMPLATE = TEMPLATE_DIR / "paper-class.typ"


class NotPaperYear(ValidationFailed):
    code = "paper_print_not_paper_year"


def _refuse_digital(class_group: ClassGroup) -> None:
    if not paper.is_paper_year(class_group.school_id, class_group.school_year_id):
        raise NotPaperYear(
            _("This school year is kept digitally: print its issued records, not paper book pages."),
        )


def printed_on(class_group: ClassGroup) -> dt.date:
    """The day the pages are dated when nothing is computed yet: today, or the year's end if earlier."""
    return min(clock.today(), class_group.school_year.end_date)


@dataclass(frozen=True)
class Shared:
    """What every page of one class shares: the date printed, the school as on it, the expected
    signers, the grade's catalogue (computed once for a class print)."""

    on: dt.date
    school: dict[str, Any]
    signers: dict[str, dict[str, str]]
    catalogue: GradeCatalogue


def shared_of(class_group: ClassGroup, on: dt.date | None = None) -> Shared:
    on = on or printed_on(class_group)
    return Shared(
        on,
        assembly_parts.school_as_on(class_group.school, on),
        assembly_parts.expected_signers(class_group, on=on),
        catalogue_for_class(class_group),
    )


def page_data(student: Student, class_group: ClassGroup, *, shared: Shared | None = None) -> dict[str, Any]:
    """The data the template prints for ``student``'s year in ``class_group`` (the digital record's
    shape, without identifiers): what is entered so far, blanks where nothing is."""
    shared = shared or shared_of(class_group)
    student_year = (
        StudentYear.objects.filter(student=student, school_year=class_group.school_year)
        .select_related("school_year", "class_group", "decided_by")
        .first()
    ) or StudentYear(student=student, school_year=class_group.school_year, class_group=class_group)
    year = year_section(student_year, shared.catalogue)
    if not student_year.result:  # nothing computed: section 6 is left for the pen
        year["completion"] = {**year["completion"], "text": "", "promoted": None}
    if year["days_absent"] is None:
        year["days_absent"] = ""
    return {
        "format_version": FORMAT_VERSION,
        "record_id": "",
        "version": 0,
        "issuance_code": "",
        "status": "paper",
        "assembled_on": shared.on.isoformat(),
        "previous_version_sha256": "",
        "verify_url": "",
        "school": shared.school,
        "student": assembly_parts.student_page(student),
        "history": assembly_parts.learning_history(student, up_to=class_group.school_year.end_date),
        "year": year,
        "signers": shared.signers,
    }


def render_pages(data: dict[str, Any], *, book_number: str = "") -> bytes:
    """The paper pages of ``data`` (``page_data``'s shape) through the record template's paper mode."""
    inputs = {
        "data": json.dumps({**data, "display": display_values(data)}, ensure_ascii=False),
        "draft": "0",
        "mode": "paper",
        "book": book_number,
    }
    stamp = dt.datetime.fromisoformat(data["assembled_on"]).replace(tzinfo=dt.UTC)
    # plain PDF (no PDF/A): a paper print carries no attachment and is not an archival record
    return _compile(_compiler(RECORD_TEMPLATE), inputs, stamp, standard=None)


def _book_numbers(class_group: ClassGroup) -> dict[int, str]:
    books = PaperBook.objects.filter(school_year=class_group.school_year, school=class_group.school)
    return dict(books.values_list("student_id", "book_number"))


def student_pages(student: Student, class_group: ClassGroup) -> bytes:
    """One student's paper pages for ``class_group``'s year (refused for a digital year)."""
    _refuse_digital(class_group)
    number = _book_numbers(class_group).get(student.pk, "")
    return render_pages(page_data(student, class_group), book_number=number)


def roll(class_group: ClassGroup) -> list[Student]:
    """The class's students in roll order (Vietnamese collation of given name, then full name)."""
    enrolments = Enrolment.objects.filter(class_group=class_group).select_related("student")
    seen: set[int] = set()
    students = []
    for enrolment in sort_students(enrolments):
        if enrolment.student_id not in seen:
            seen.add(enrolment.student_id)
            students.append(enrolment.student)
    return students


def class_pages(class_group: ClassGroup) -> tuple[bytes, list[Student]]:
    """Every student's paper pages of ``class_group`` in roll order, in one PDF, and the students."""
    _refuse_digital(class_group)
    students = roll(class_group)
    if not students:
        raise ValidationFailed(_("The class has no students to print."), code="paper_print_empty")
    numbers = _book_numbers(class_group)
    shared = shared_of(class_group)
    on = shared.on
    with tempfile.TemporaryDirectory(prefix="hocba-paper-") as tmp:
        root = Path(tmp)
        files = []
        for index, student in enumerate(students):
            pdf = render_pages(page_data(student, class_group, shared=shared), book_number=numbers.get(student.pk, ""))
            path = root / f"student-{index}.pdf"
            path.write_bytes(pdf)
            files.append({"path": path.name, "pages": page_count(pdf)})
        (root / "paper-class.typ").write_bytes(CLASS_TEMPLATE.read_bytes())
        title = f"Học bạ tiểu học (bản giấy) — lớp {class_group.name} — năm học {class_group.school_year.code}"
        compiler = typst_worker.new_compiler(str(root / "paper-class.typ"), str(root))
        stamp = dt.datetime.combine(on, dt.time(), tzinfo=dt.UTC)
        pdf = _compile(compiler, {"files": json.dumps(files), "title": title}, stamp, standard=None)
    return pdf, students


def books_of_class(class_group: ClassGroup) -> dict[int, PaperBook]:
    """The paper books recorded for ``class_group``'s students in its year, by student id."""
    books = PaperBook.objects.filter(class_group=class_group).select_related("recorded_by")
    return {book.student_id: book for book in books}
