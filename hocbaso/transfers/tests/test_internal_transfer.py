"""A transfer inside the deployment: request → signed decision → acceptance, and what it moves."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.assessments import actions as assessments
from hocbaso.assessments.models import AssessmentEntry, EntryWindow, StudentYear
from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import InvalidInput
from hocbaso.directory.models import Enrolment
from hocbaso.directory.permissions import visible_students
from hocbaso.records.assembly_parts import learning_history
from hocbaso.testing import World
from hocbaso.transfers import actions, documents
from hocbaso.transfers.models import TransferState
from hocbaso.transfers.tests.conftest import MID_YEAR, decided, requested
from hocbaso.verification import registry


def test_request_is_recorded_and_audited_at_both_schools(world: World) -> None:
    transfer = requested(world)
    assert transfer.state == TransferState.REQUESTED
    assert transfer.from_enrolment.class_group == world.class_3a
    events = AuditEvent.objects.filter(action="transfer.request", object_id=str(transfer.pk))
    assert set(events.values_list("school_id", flat=True)) == {world.school_a.pk, world.school_b.pk}
    first = events.first()
    assert first is not None and first.changes["requested_by_family"] == [None, "Nguyễn Thị Mai (mẹ)"]


def test_decision_is_a_signed_document_that_verifies(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = decided(world, credentials)
    assert transfer.state == TransferState.DECIDED
    signed = actions.decision_bytes(transfer)
    content = documents.parse(signed, kind="TransferDecision")
    assert content["TransferId"] == str(transfer.public_id)
    assert content["Student"]["FullName"] == "Nguyễn Văn An"
    assert content["ToSchool"]["Name"] == world.school_b.name
    assert content["Signer"]["Title"] == "Hiệu trưởng"
    report = documents.verify(signed, registry.trust_store(), kind="TransferDecision")
    assert report.outcome == "valid", report.checks
    assert report.signatures[0].signer_name == world.users["principal"].staff.full_name


def test_a_forged_decision_does_not_verify(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    signed = actions.decision_bytes(decided(world, credentials))
    forged = signed.replace("Trường Tiểu học B".encode(), "Trường Tiểu học C".encode())
    report = documents.verify(forged, registry.trust_store(), kind="TransferDecision")
    assert report.outcome == "invalid"
    assert report.reason == "signature_digest_mismatch"


def test_acceptance_moves_the_enrolment_and_the_history(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = decided(world, credentials)
    accepted = actions.accept_transfer(
        by=world.users["principal_b"], transfer=transfer, to_class=world.class_b_3a, register_number="DB-17"
    )
    student = world.students["an"]
    student.refresh_from_db()
    assert accepted.state == TransferState.ACCEPTED
    assert student.school == world.school_b
    old = Enrolment.objects.get(student=student, class_group=world.class_3a)
    assert old.end_date == MID_YEAR - dt.timedelta(days=1)
    new = Enrolment.objects.get(student=student, class_group=world.class_b_3a)
    assert (new.start_date, new.end_date, new.register_number) == (MID_YEAR, None, "DB-17")
    history = learning_history(student, up_to=world.year.end_date)
    assert [(row["school_name"], row["start_date"]) for row in history] == [
        (world.school_a.name, world.year.start_date.isoformat()),
        (world.school_b.name, MID_YEAR.isoformat()),
    ]
    for action in ("transfer.accept", "student.move"):
        schools = set(AuditEvent.objects.filter(action=action).values_list("school_id", flat=True))
        assert schools == {world.school_a.pk, world.school_b.pk}, action


def test_mid_year_assessments_follow_the_child_with_their_entering_school(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    student = world.students["an"]
    entry = AssessmentEntry.objects.create(
        student=student,
        school_year=world.year,
        class_group=world.class_3a,
        point="mid1",
        item_kind="subject",
        item_code="vietnamese",
        rating="T",
        comment="Đọc tốt",
        updated_at=clock.now(),
    )
    StudentYear.objects.create(student=student, school_year=world.year, class_group=world.class_3a, days_absent=2)
    actions.accept_transfer(
        by=world.users["principal_b"], transfer=decided(world, credentials), to_class=world.class_b_3a
    )
    entry.refresh_from_db()
    assert entry.class_group.school == world.school_a  # entered by the sending school, and stays so
    year = StudentYear.objects.get(student=student, school_year=world.year)
    assert year.class_group == world.class_b_3a and year.days_absent == 2
    assert student.pk in Enrolment.objects.members_of(world.class_b_3a).values_list("student_id", flat=True)
    assert student.pk not in Enrolment.objects.members_of(world.class_3a).values_list("student_id", flat=True)
    assert AuditEvent.objects.filter(action="assessments.carry_year").count() == 2


def test_the_sending_teacher_can_no_longer_write_the_childs_cells(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    EntryWindow.objects.create(school=world.school_a, school_year=world.year, point="mid1", is_open=True)
    actions.accept_transfer(
        by=world.users["principal_b"], transfer=decided(world, credentials), to_class=world.class_b_3a
    )
    write = assessments.CellWrite(world.students["an"].pk, "subject", "vietnamese", "rating", "H")
    with pytest.raises(InvalidInput) as refused:
        assessments.save_cells(by=world.users["homeroom"], class_group=world.class_3a, point="mid1", writes=[write])
    assert refused.value.errors[0].code == "student_not_in_class"
    assert not AssessmentEntry.objects.filter(student=world.students["an"]).exists()


def test_staff_see_the_child_by_their_roles_after_the_move(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    actions.accept_transfer(
        by=world.users["principal_b"], transfer=decided(world, credentials), to_class=world.class_b_3a
    )
    student = world.students["an"]
    assert visible_students(world.users["principal_b"]).filter(pk=student.pk).exists()
    assert not visible_students(world.users["teacher"]).filter(pk=student.pk).exists()
    assert not visible_students(world.users["officer2"]).filter(pk=student.pk).exists()


def test_refusal_keeps_the_child_where_they_are(world: World, credentials) -> None:  # type: ignore[no-untyped-def]
    transfer = actions.refuse_transfer(
        by=world.users["principal_b"], transfer=decided(world, credentials), reason="Lớp đã đủ sĩ số"
    )
    assert transfer.state == TransferState.REFUSED and transfer.refusal_reason == "Lớp đã đủ sĩ số"
    student = world.students["an"]
    student.refresh_from_db()
    assert student.school == world.school_a
    assert not Enrolment.objects.filter(student=student, end_date__isnull=False).exists()
    # a refused transfer is closed: a new request may be made
    assert requested(world).state == TransferState.REQUESTED
