"""Recording that a class's paper books were signed by hand and stamped: the clerk or the
principal, for a paper year of their own school, a day not in the future, each book's number,
the signers as printed; all or nothing, audited, listed per class; a change needs a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import DomainError
from hocbaso.directory.models import SchoolYearSetting
from hocbaso.records import actions
from hocbaso.records.models import PaperBook
from hocbaso.testing import World, add_previous_year, enrol, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper_world(world: World) -> World:
    SchoolYearSetting.objects.create(school=world.school_a, school_year=world.year, paper_mode=True)
    return world


def record(world: World, persona: str = "clerk", **overrides: Any) -> list[PaperBook]:
    values: dict[str, Any] = {
        "class_group": world.class_3a,
        "signed_on": clock.today(),
        "homeroom_name": "Lê Thị Hoa",
        "principal_name": "Trần Văn Nam",
        "principal_title": "Hiệu trưởng",
        "books": {world.students["an"].pk: "12/2025", world.students["binh"].pk: "13/2025"},
    }
    values.update(overrides)
    return actions.record_paper_books(by=world.users[persona], **values)


@pytest.mark.parametrize("persona", ["clerk", "principal"])
def test_the_clerk_or_principal_records_the_class_books_audited(paper_world: World, persona: str) -> None:
    books = record(paper_world, persona)
    assert sorted(b.book_number for b in books) == ["12/2025", "13/2025"]
    book = PaperBook.objects.get(student=paper_world.students["an"])
    assert (book.homeroom_name, book.principal_title, book.recorded_by) == (
        "Lê Thị Hoa",
        "Hiệu trưởng",
        paper_world.users[persona],
    )
    events = AuditEvent.objects.filter(action="record.paper_book")
    assert events.count() == 2 and {e.school_id for e in events} == {paper_world.school_a.pk}
    first = events.first()
    assert first is not None and first.changes["book_number"][0] is None


def test_the_same_record_again_changes_nothing_and_a_change_needs_a_reason(paper_world: World) -> None:
    record(paper_world)
    record(paper_world)  # a double submission: nothing new
    assert AuditEvent.objects.filter(action="record.paper_book").count() == 2
    with pytest.raises(DomainError) as no_reason:
        record(paper_world, books={paper_world.students["an"].pk: "99/2025"})
    assert no_reason.value.code == "paper_book_reason_required"
    record(paper_world, books={paper_world.students["an"].pk: "99/2025"}, reason="Ghi nhầm số sổ")
    book = PaperBook.objects.get(student=paper_world.students["an"])
    assert (book.book_number, book.change_reason) == ("99/2025", "Ghi nhầm số sổ")
    last = AuditEvent.objects.filter(action="record.paper_book").order_by("-pk").first()
    assert last is not None
    assert last.changes["book_number"] == ["12/2025", "99/2025"] and last.changes["reason"] == [None, "Ghi nhầm số sổ"]


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("homeroom", "paper_book_not_allowed"),
        ("teacher", "paper_book_not_allowed"),
        ("vice", "paper_book_not_allowed"),
        ("principal_b", "paper_book_not_allowed"),  # another school's principal
        ("officer", "paper_book_not_allowed"),
        ("operator", "paper_book_not_allowed"),
    ],
)
def test_nobody_else_records_a_book(paper_world: World, persona: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        record(paper_world, persona)
    assert refused.value.code == code
    assert not PaperBook.objects.exists()


def test_refusals_write_nothing(paper_world: World) -> None:
    world = paper_world
    other = make_student(world.school_b, "Học Sinh Khác")
    enrol(other, world.class_b_3a)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"signed_on": clock.today() + dt.timedelta(days=1)}, "paper_book_future_date"),
        ({"signed_on": world.year.start_date - dt.timedelta(days=1)}, "paper_book_date_out_of_year"),
        ({"homeroom_name": " \u200b "}, "paper_book_signer_required"),
        ({"principal_title": ""}, "paper_book_signer_required"),
        ({"books": {}}, "paper_book_nothing"),
        ({"books": {world.students["an"].pk: "  "}}, "paper_book_number_required"),
        ({"books": {world.students["cuong"].pk: "1"}}, "paper_book_student_not_in_class"),  # 3B
        ({"books": {other.pk: "1"}}, "paper_book_student_not_in_class"),  # another school's child
        ({"books": {world.students["an"].pk: "7", world.students["binh"].pk: "7"}}, "paper_book_number_taken"),
    ]
    for overrides, code in cases:
        with pytest.raises(DomainError) as refused:
            record(world, **overrides)
        assert refused.value.code == code, overrides
    assert not PaperBook.objects.exists() and not AuditEvent.objects.filter(action="record.paper_book").exists()
    # a number already another student's (recorded in another class of the school) is refused too
    record(world, class_group=world.class_3b, books={world.students["cuong"].pk: "12/2025"})
    with pytest.raises(DomainError) as taken:
        record(world)
    assert taken.value.code == "paper_book_number_taken"


def test_no_book_for_a_digital_year_or_another_schools_class(world: World) -> None:
    with pytest.raises(DomainError) as digital:
        record(world)
    assert digital.value.code == "paper_book_not_paper_year"
    SchoolYearSetting.objects.create(school=world.school_b, school_year=world.year, paper_mode=True)
    with pytest.raises(DomainError) as foreign:
        record(world, class_group=world.class_b_3a, books={world.students["dung"].pk: "1"})
    assert foreign.value.code == "paper_book_not_allowed"


def test_the_class_page_lists_records_and_refuses_on_the_field(paper_world: World, login) -> None:
    world = paper_world
    client = login("clerk")
    url = reverse("records:paper_class", args=[world.class_3a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Nguyễn Văn An" in page.content.decode()
    body = {
        "signed_on": (clock.today() + dt.timedelta(days=3)).isoformat(),
        "homeroom_name": "Lê Thị Hoa",
        "principal_name": "Trần Văn Nam",
        "principal_title": "Hiệu trưởng",
        f"book_{world.students['an'].pk}": "12/2025",
    }
    refused = client.post(url, body)
    assert refused.status_code == 400 and "tương lai" in refused.content.decode()
    assert not PaperBook.objects.exists()
    done = client.post(url, {**body, "signed_on": clock.today().isoformat()})
    assert done.status_code == 302
    listed = client.get(url).content.decode()
    assert "12/2025" in listed and clock.today().strftime("%d/%m/%Y") in listed
    # the homeroom teacher prints, and sees the books, but may not record them
    teacher = login("homeroom", on=type(client)())
    assert teacher.get(url).status_code == 200
    assert teacher.post(url, body).status_code == 403
    pdf = teacher.get(reverse("records:paper_class_pages", args=[world.class_3a.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="record.paper_print", actor=world.users["homeroom"]).exists()


def test_a_former_homeroom_teacher_no_longer_prints(paper_world: World, login) -> None:
    past = add_previous_year(paper_world)
    SchoolYearSetting.objects.create(school=paper_world.school_a, school_year=past.year, paper_mode=True)
    client = login("former_homeroom")
    assert client.get(reverse("records:paper_class", args=[past.class_2a.pk])).status_code == 403
