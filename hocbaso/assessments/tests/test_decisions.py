"""The principal's decisions after the year-end computation: grade 5 has no promotion, students
on an individual education plan are decided by the principal, proposed awards are confirmed or
declined — each through its action, audited, refused to anyone else."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from hocbaso.assessments import actions
from hocbaso.assessments.models import Award, AwardStatus, StudentYear
from hocbaso.assessments.tests.test_summary_results import fill, open_year  # noqa: F401 - fixture
from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError


def _grade_5(world):  # type: ignore[no-untyped-def]
    world.class_3a.grade = 5
    world.class_3a.save(update_fields=["grade"])
    return world


def _still_not_completed(world, key: str) -> StudentYear:  # type: ignore[no-untyped-def]
    fill(world, key, rating="H", change={"math:score": 3})
    actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    actions.save_cells(
        by=world.users["homeroom"],
        class_group=world.class_3a,
        point="summer",
        writes=[actions.CellWrite(world.students[key].pk, "subject", "math", "score", 4)],
    )
    actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    return StudentYear.objects.get(student=world.students[key])


def test_grade_5_non_completer_can_only_stay_in_grade_5(open_year, login) -> None:  # noqa: F811
    world = _grade_5(open_year)
    year = _still_not_completed(world, "binh")
    assert (year.first_result, year.result, year.remediation_done) == ("cht", "cht", True)
    with pytest.raises(DomainError) as caught:
        actions.decide_promotion(by=world.users["principal"], student_year=year, decision="promoted")
    assert caught.value.code == "decision_no_promotion_after_grade_5"
    year.refresh_from_db()
    assert year.decision == ""  # nothing half-written
    page = login("principal").get(reverse("assessments:results", args=[world.class_3a.pk]))
    assert 'value="promoted"' not in page.content.decode()
    actions.decide_promotion(by=world.users["principal"], student_year=year, decision="retained")
    year.refresh_from_db()
    assert (year.decision, year.decided_by) == ("retained", world.users["principal"])
    assert AuditEvent.objects.filter(action="results.decide", object_id=str(year.pk)).count() == 1


def test_individual_plan_is_decided_by_the_principal(open_year) -> None:  # noqa: F811
    world = open_year
    student = world.students["an"]
    student.individual_plan = True
    student.save(update_fields=["individual_plan"])
    fill(world, "an", rating="H", change={"math:score": 2})
    actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    year = StudentYear.objects.get(student=student)
    assert year.result == "not_classified"  # never classified automatically

    refusals = [
        (
            lambda: actions.decide_plan_completion(
                by=world.users["principal"], student_year=year, completed=True, note="x"
            ),
            "plan_assessment_missing",
        ),
        (
            lambda: actions.record_plan_assessment(by=world.users["homeroom"], student_year=year, text="  "),
            "plan_assessment_missing",
        ),
        (
            lambda: actions.record_plan_assessment(by=world.users["teacher"], student_year=year, text="Đạt"),
            "not_homeroom",
        ),
    ]
    for call, code in refusals:
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.code == code
    actions.record_plan_assessment(by=world.users["homeroom"], student_year=year, text="Đạt mục tiêu đọc, viết.")
    decisions: list[tuple[str, dict[str, Any], str]] = [
        ("homeroom", {"completed": True, "note": "Hoàn thành"}, "not_principal"),
        ("principal", {"completed": True, "note": " "}, "plan_note_missing"),
        ("principal", {"completed": False, "note": "Chưa đạt"}, "decision_invalid"),
    ]
    for by, kwargs, code in decisions:
        with pytest.raises(DomainError) as caught:
            actions.decide_plan_completion(by=world.users[by], student_year=year, **kwargs)
        assert caught.value.code == code
    year.refresh_from_db()
    assert year.plan_completed is None and year.decided_by is None

    actions.decide_plan_completion(
        by=world.users["principal"], student_year=year, completed=True, note="Hoàn thành kế hoạch giáo dục cá nhân."
    )
    year.refresh_from_db()
    assert (year.plan_completed, year.plan_note, year.decided_by) == (
        True,
        "Hoàn thành kế hoạch giáo dục cá nhân.",
        world.users["principal"],
    )
    with pytest.raises(DomainError) as caught:
        actions.decide_plan_completion(by=world.users["principal"], student_year=year, completed=False, note="đổi ý")
    assert caught.value.code == "plan_already_decided"
    with pytest.raises(DomainError) as caught:
        actions.record_plan_assessment(by=world.users["homeroom"], student_year=year, text="sửa sau quyết định")
    assert caught.value.code == "plan_already_decided"
    assert AuditEvent.objects.filter(action="results.plan_assessment", object_id=str(year.pk)).count() == 1
    assert AuditEvent.objects.filter(action="results.plan_decide", object_id=str(year.pk)).count() == 1


def test_a_student_not_on_a_plan_gets_no_plan_decision(open_year) -> None:  # noqa: F811
    world = open_year
    fill(world, "an")
    actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    year = StudentYear.objects.get(student=world.students["an"])
    with pytest.raises(DomainError) as caught:
        actions.decide_plan_completion(by=world.users["principal"], student_year=year, completed=True, note="x")
    assert caught.value.code == "not_on_individual_plan"


def test_awards_are_proposed_then_confirmed_or_declined(open_year, login) -> None:  # noqa: F811
    world = open_year
    fill(world, "an", score=10)
    actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    award = Award.objects.get(student=world.students["an"])
    assert (award.status, award.decided_by) == (AwardStatus.PROPOSED, None)  # never granted by the computation
    actions.compute_year_results(by=world.users["homeroom"], class_group=world.class_3a)
    assert Award.objects.filter(student=world.students["an"]).count() == 1  # recomputing proposes once

    with pytest.raises(DomainError) as caught:
        actions.decide_award(by=world.users["homeroom"], award=award, confirm=True)
    assert caught.value.code == "not_principal"
    page = login("principal").post(
        reverse("assessments:results", args=[world.class_3a.pk]), {"award": award.pk, "verdict": "decline"}
    )
    assert page.status_code == 200
    award.refresh_from_db()
    assert (award.status, award.decided_by) == (AwardStatus.DECLINED, world.users["principal"])
    with pytest.raises(DomainError) as caught:
        actions.decide_award(by=world.users["principal"], award=award, confirm=True)
    assert caught.value.code == "award_already_decided"
    assert AuditEvent.objects.filter(action="award.decline", object_id=str(award.pk)).count() == 1
