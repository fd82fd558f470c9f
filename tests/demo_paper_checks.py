"""The demo's paper school, checked inside ``test_demo_data.test_demo_province`` (one demo load):
An Vĩnh's 2024-2025 is on paper with a reason, its summaries entered, every class's books recorded
as signed and stamped (audited), and its pages print."""

from __future__ import annotations

from hocbaso.audit.models import AuditEvent
from hocbaso.directory.models import ClassGroup, Enrolment, SchoolYearSetting
from hocbaso.directory.paper import paper_school_years
from hocbaso.records import paper
from hocbaso.records.models import PaperBook, RecordVersion


def an_vinh_has_a_paper_year_with_its_books_recorded(out: str) -> None:
    """``out``: what ``demo-data`` printed."""
    assert "paper books recorded" in out
    setting = SchoolYearSetting.objects.get(school__name="Trường Tiểu học An Vĩnh", school_year__code="2024-2025")
    assert setting.paper_mode and "Lý Sơn" in setting.paper_mode_reason and setting.paper_mode_changed_by is not None
    assert setting in paper_school_years()
    classes = ClassGroup.objects.filter(school=setting.school, school_year=setting.school_year)
    enrolled = Enrolment.objects.filter(class_group__in=classes).values("student").distinct().count()
    books = PaperBook.objects.filter(school=setting.school, school_year=setting.school_year)
    assert books.count() == enrolled > 0
    assert set(books.values_list("class_group", flat=True)) == set(classes.values_list("pk", flat=True))
    assert books.values("book_number").distinct().count() == enrolled
    assert not books.filter(homeroom_name="").exists() and not books.filter(principal_name="").exists()
    assert AuditEvent.objects.filter(action="record.paper_book").count() == enrolled
    assert not RecordVersion.objects.filter(school=setting.school).exists()
    first = classes.order_by("grade", "name").first()
    assert first is not None
    pdf, students = paper.class_pages(first)
    assert pdf.startswith(b"%PDF-") and students
