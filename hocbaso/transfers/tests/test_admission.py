"""Admission to grade 6: the completers' list per school and per commune, its .xlsx, and the export
that sends only what the family consented to."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hocbaso.assessments.models import StudentYear
from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError
from hocbaso.directory import consent
from hocbaso.directory.models import ClassGroup, ConsentKind
from hocbaso.signing.tests.factories import PASSWORD
from hocbaso.testing import World, enrol, make_student
from hocbaso.transfers import actions, admission


@pytest.fixture
def grade5(world: World) -> dict[str, object]:
    class_5a = ClassGroup.objects.create(school=world.school_a, school_year=world.year, grade=5, name="5A")
    done = make_student(world.school_a, "Võ Thị Lan")
    behind = make_student(world.school_a, "Đặng Văn Hải")
    for student, result in ((done, "htt"), (behind, "cht")):
        enrol(student, class_5a)
        StudentYear.objects.create(student=student, school_year=world.year, class_group=class_5a, result=result)
    return {"class": class_5a, "done": done, "behind": behind}


def test_only_completers_are_listed_with_their_record_status(world: World, grade5) -> None:  # type: ignore[no-untyped-def]
    rows = admission.completers(world.school_a.__class__.objects.all(), world.year)
    assert [r.student for r in rows] == [grade5["done"]]
    assert rows[0].record_status == "missing" and rows[0].consented is False


@pytest.mark.parametrize(
    ("result", "plan_completed", "decision", "listed"),
    [
        ("ht", None, "", True),
        ("cht", None, "retained", False),  # grade 5 has no promotion: stays in grade 5
        ("not_classified", True, "", True),  # an individual plan, completed by the principal's decision
        ("not_classified", False, "retained", False),
        ("not_classified", None, "", False),  # not decided yet
    ],
)
def test_who_is_admissible_to_grade_6(world: World, grade5, result, plan_completed, decision, listed) -> None:  # type: ignore[no-untyped-def]
    student = make_student(world.school_a, "Ân Thị Hân")
    enrol(student, grade5["class"])
    decided = (
        {"decided_by": world.users["principal"], "decided_at": timezone.now()}
        if decision or plan_completed is not None
        else {}
    )
    StudentYear.objects.create(
        student=student,
        school_year=world.year,
        class_group=grade5["class"],
        result=result,
        plan_completed=plan_completed,
        decision=decision,
        **decided,
    )
    rows = [r.student for r in admission.completers(world.school_a.__class__.objects.all(), world.year)]
    assert rows == ([student, grade5["done"]] if listed else [grade5["done"]])  # Hân before Lan


def test_the_school_sees_its_children_and_the_commune_only_figures(world: World, grade5, login) -> None:  # type: ignore[no-untyped-def]
    query = {"year": "2025-2026"}
    page = login("principal").get(reverse("transfers:admissions"), query).content.decode()
    assert "Võ Thị Lan" in page and "Đặng Văn Hải" not in page
    own = load_workbook(
        io.BytesIO(login("principal").get(reverse("transfers:admissions"), query | {"format": "xlsx"}).content)
    )
    assert own["Tuyen sinh lop 6"]["C4"].value == "Võ Thị Lan" and own["Tuyen sinh lop 6"]["D4"].value is not None

    # An officer plans admissions from figures: no child's name on the page, in the .xlsx or the API.
    officer = login("officer")
    page = officer.get(reverse("transfers:admissions"), query).content.decode()
    assert "Võ Thị Lan" not in page and world.school_a.name in page
    book = load_workbook(io.BytesIO(officer.get(reverse("transfers:admissions"), query | {"format": "xlsx"}).content))
    assert book.sheetnames == ["So lieu"]
    assert [c.value for c in book["So lieu"][4]] == [world.school_a.name, 1, 0, 0, 1]
    assert "Võ Thị Lan" not in str([[c.value for c in row] for row in book["So lieu"].iter_rows()])
    assert officer.get("/api/v1/transfers/admissions", query).json() == []
    figures = officer.get("/api/v1/transfers/admissions/figures", query).json()
    assert figures == [
        {
            "school_id": world.school_a.pk,
            "school": world.school_a.name,
            "completers": 1,
            "issued": 0,
            "signing": 0,
            "missing": 1,
        }
    ]

    other = login("officer2").get(reverse("transfers:admissions"), query).content.decode()
    assert world.school_a.name not in other  # commune 2 does not oversee school A
    assert login("officer2").get("/api/v1/transfers/admissions/figures", query).json() == []
    assert login("teacher").get(reverse("transfers:admissions")).status_code == 403


def test_the_export_sends_nothing_without_the_familys_consent(world: World, grade5, credentials) -> None:  # type: ignore[no-untyped-def]
    def export() -> bytes:
        return actions.export_admission(
            by=world.users["clerk"],
            school=world.school_a,
            school_year=world.year,
            recipient="Trường THCS Nguyễn Nghiêm",
            credential=credentials["seal_a"],
            authorisation=PASSWORD,
        )

    names = zipfile.ZipFile(io.BytesIO(export())).namelist()
    assert names == ["danh-sach-tuyen-sinh-lop-6.xlsx"]
    asked = consent.request_consent(
        by=world.users["clerk"],
        student=grade5["done"],
        requesting_school=world.school_a,
        kind=ConsentKind.ADMISSION,
        purpose="Trường THCS Nguyễn Nghiêm",
    )
    consent.record_family_answer(by=None, consent=asked, accepted=True)
    assert admission.completers(world.school_a.__class__.objects.all(), world.year)[0].consented
    # consented, but no issued record yet: listed, not sent
    assert zipfile.ZipFile(io.BytesIO(export())).namelist() == ["danh-sach-tuyen-sinh-lop-6.xlsx"]
    assert AuditEvent.objects.filter(action="admission.export").count() == 2
    consent.revoke_family_consent(by=None, consent=asked)  # the family changed its mind
    assert not admission.completers(world.school_a.__class__.objects.all(), world.year)[0].consented


def test_the_export_needs_a_recipient_and_the_school(world: World, grade5, credentials) -> None:  # type: ignore[no-untyped-def]
    for by, recipient, code in [("clerk", " ", "recipient_required"), ("principal_b", "THCS", "not_school_manager")]:
        with pytest.raises(DomainError) as caught:
            actions.export_admission(
                by=world.users[by],
                school=world.school_a,
                school_year=world.year,
                recipient=recipient,
                credential=credentials["seal_a"],
                authorisation=PASSWORD,
            )
        assert caught.value.code == code
