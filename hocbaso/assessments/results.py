"""Year results, remediation decisions and awards: the writes that follow the year-end entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.assessments import grading
from hocbaso.assessments.catalogue import GradeCatalogue, catalogue_for_class
from hocbaso.assessments.models import (
    AssessmentEntry,
    Award,
    AwardKind,
    AwardStatus,
    OptionalSubject,
    Point,
    StudentYear,
    YearResult,
)
from hocbaso.assessments.permissions import can_manage_windows, write_scope
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, PermissionRefused, ValidationFailed
from hocbaso.core.text import nfc
from hocbaso.directory.models import ClassGroup, Enrolment


@dataclass(frozen=True)
class Computed:
    student_id: int
    result: str  # "" when blocked
    missing: list[str]  # messages naming the missing cells
    missing_cells: tuple[str, ...] = ()  # the same cells as "kind:code:field", in the same order


def _values(
    catalogue: GradeCatalogue, entries: dict[tuple[str, str], AssessmentEntry], taken: set[str], individual_plan: bool
) -> grading.YearValues:
    subjects = [i.code for i in catalogue.subjects if not i.optional or i.code in taken]
    return grading.YearValues(
        grade=catalogue.grade,
        subjects=subjects,
        tested=[code for code in subjects if catalogue.has_test(code, Point.YEAR_END)],
        competencies=[i.code for i in catalogue.competencies],
        subject_ratings={code: e.rating for (kind, code), e in entries.items() if kind == "subject"},
        scores={code: e.score for (kind, code), e in entries.items() if kind == "subject"},
        competency_ratings={code: e.rating for (kind, code), e in entries.items() if kind == "competency"},
        individual_plan=individual_plan,
        names={i.code: i.name for i in catalogue.items},
    )


@transaction.atomic
def compute_year_results(*, by: Any, class_group: ClassGroup) -> list[Computed]:
    """Compute (or recompute) every student's year result in the class.

    The first computed result is kept in ``first_result``; after a summer re-assessment the
    result is recomputed from the re-assessed values laid over the year-end ones. Students
    with missing cells get no result and are listed with the cells named.
    """
    scope = write_scope(by, class_group)
    if not (scope.whole_class or can_manage_windows(by, class_group.school)):
        raise PermissionRefused(
            _("Only the homeroom teacher or the principal computes year results."), code="not_homeroom"
        )
    catalogue = catalogue_for_class(class_group)
    enrolments = list(Enrolment.objects.members_of(class_group).select_related("student"))
    ids = [e.student_id for e in enrolments]
    by_student: dict[int, dict[str, dict[tuple[str, str], AssessmentEntry]]] = {
        i: {"year_end": {}, "summer": {}} for i in ids
    }
    for entry in AssessmentEntry.objects.filter(
        school_year_id=class_group.school_year_id, student_id__in=ids, point__in=[Point.YEAR_END, Point.SUMMER]
    ):
        by_student[entry.student_id][entry.point][(entry.item_kind, entry.item_code)] = entry
    taken: dict[int, set[str]] = {i: set() for i in ids}
    for student_id, code in OptionalSubject.objects.filter(
        school_year_id=class_group.school_year_id, student_id__in=ids
    ).values_list("student_id", "subject_code"):
        taken[student_id].add(code)
    years = {
        y.student_id: y
        for y in StudentYear.objects.select_for_update().filter(
            school_year_id=class_group.school_year_id, student_id__in=ids
        )
    }
    now = clock.now()
    outcomes: list[Computed] = []
    changed: list[StudentYear] = []
    for enrolment in enrolments:
        student = enrolment.student
        year = years.get(student.pk) or StudentYear(
            student=student, school_year_id=class_group.school_year_id, class_group=class_group
        )
        first = _values(catalogue, by_student[student.pk]["year_end"], taken[student.pk], student.individual_plan)
        missing = grading.missing_cells(first) if not student.individual_plan else []
        if missing:
            outcomes.append(
                Computed(student.pk, "", [str(m.message) for m in missing], tuple(str(m.field) for m in missing))
            )
            continue
        result = grading.year_result(first).result
        summer = by_student[student.pk]["summer"]
        if summer and result == YearResult.NOT_COMPLETED:
            year.remediation_done = True
            result = grading.year_result(
                grading.with_reassessment(first, _values(catalogue, summer, taken[student.pk], False))
            ).result
        if not year.first_result:
            year.first_result = grading.year_result(first).result
        year.result = result
        year.result_computed_at = now
        year.class_group = class_group
        changed.append(year)
        outcomes.append(Computed(student.pk, result, []))
    for year in changed:
        year.save()
        for title in grading.proposed_awards(year.result):
            Award.objects.get_or_create(
                student_id=year.student_id,
                school_year_id=year.school_year_id,
                kind=AwardKind.EXCELLENT,
                defaults={
                    "title": title,
                    "awarded_on": class_group.school_year.end_date,
                    "created_by": by if getattr(by, "is_authenticated", False) else None,
                    "status": AwardStatus.PROPOSED,
                },
            )
    audit.record(
        by=by,
        action="results.compute",
        obj=class_group,
        school_id=class_group.school_id,
        changes={"computed": [None, len(changed)], "blocked": [None, len(outcomes) - len(changed)]},
    )
    return outcomes


@transaction.atomic
def decide_promotion(*, by: Any, student_year: StudentYear, decision: str) -> StudentYear:
    """The principal's decision for a student still not completing (after remediation, or on an
    individual plan whose completion was refused): promoted or repeats the grade, who and when
    kept. Grade 5 has no promotion: only "retained" (``decision_no_promotion_after_grade_5``)."""
    year = StudentYear.objects.select_for_update().select_related("class_group__school").get(pk=student_year.pk)
    if not can_manage_windows(by, year.class_group.school):
        raise PermissionRefused(_("Only the principal decides on promotion."), code="not_principal")
    grading.check_decision(year.class_group.grade, decision)
    if not grading.needs_decision(year.first_result, year.result, year.remediation_done, year.plan_completed):
        raise Conflict(
            _("A promotion decision is only taken after remediation for a student still not completing."),
            code="decision_not_needed",
        )
    year.decision, year.decided_by, year.decided_at = decision, by, clock.now()
    year.save(update_fields=["decision", "decided_by", "decided_at"])
    audit.record(
        by=by,
        action="results.decide",
        obj=year,
        school_id=year.class_group.school_id,
        changes={"decision": [None, decision]},
    )
    return year


@transaction.atomic
def grant_award(
    *,
    by: Any,
    student_year: StudentYear,
    kind: str,
    title: str,
    justification: str = "",
    recognised_by_class: bool = False,
    awarded_on: Any = None,
) -> Award:
    """A principal's award. "Outstanding" needs HTT, the teacher's justification and the class's recognition."""
    if not can_manage_windows(by, student_year.class_group.school):
        raise PermissionRefused(_("Only the principal grants awards."), code="not_principal")
    if kind == AwardKind.OUTSTANDING and not grading.can_be_outstanding(
        student_year.result, justification=justification, recognised_by_class=recognised_by_class
    ):
        raise ValidationFailed(
            _(
                "“Outstanding student” needs a “completed well” result, "
                "the teacher's justification and the class's recognition."
            ),
            code="award_not_justified",
            field="justification",
        )
    award = Award.objects.create(
        student_id=student_year.student_id,
        school_year_id=student_year.school_year_id,
        kind=kind,
        title=nfc(title),
        justification=nfc(justification),
        recognised_by_class=recognised_by_class,
        awarded_on=awarded_on or clock.today(),
        created_by=by,
        status=AwardStatus.CONFIRMED,
        decided_by=by,
        decided_at=clock.now(),
    )
    audit.record(
        by=by,
        action="award.grant",
        obj=award,
        school_id=student_year.class_group.school_id,
        changes={"kind": [None, kind], "title": [None, award.title]},
    )
    return award


@transaction.atomic
def decide_award(*, by: Any, award: Award, confirm: bool) -> Award:
    """The principal confirms or declines a proposed award (who and when kept, audited). Only a
    proposal is decided (``award_already_decided`` otherwise); only confirmed awards print."""
    locked = Award.objects.select_for_update().get(pk=award.pk)
    year = StudentYear.objects.select_related("class_group__school").get(
        student_id=locked.student_id, school_year_id=locked.school_year_id
    )
    if not can_manage_windows(by, year.class_group.school):
        raise PermissionRefused(_("Only the principal decides on awards."), code="not_principal")
    if locked.status != AwardStatus.PROPOSED:
        raise Conflict(_("This award has already been decided."), code="award_already_decided")
    locked.status = AwardStatus.CONFIRMED if confirm else AwardStatus.DECLINED
    locked.decided_by, locked.decided_at = by, clock.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        by=by,
        action="award.confirm" if confirm else "award.decline",
        obj=locked,
        school_id=year.class_group.school_id,
        changes={"status": [AwardStatus.PROPOSED, locked.status]},
    )
    return locked


@transaction.atomic
def record_plan_assessment(*, by: Any, student_year: StudentYear, text: str) -> StudentYear:
    """The homeroom teacher's assessment of a student on an individual education plan, against
    the plan (audited). Refused for a student not on a plan (``not_on_individual_plan``) and once
    the principal has decided (``plan_already_decided``)."""
    year = (
        StudentYear.objects.select_for_update().select_related("class_group__school", "student").get(pk=student_year.pk)
    )
    if not write_scope(by, year.class_group).whole_class:
        raise PermissionRefused(
            _("Only the homeroom teacher records the assessment against the plan."), code="not_homeroom"
        )
    if not year.student.individual_plan:
        raise ValidationFailed(
            _("This student is not assessed on an individual education plan."), code="not_on_individual_plan"
        )
    if year.plan_completed is not None:
        raise Conflict(_("The principal has already decided on this student's year."), code="plan_already_decided")
    value = nfc(text).strip()
    if not value:
        raise ValidationFailed(
            _("Write the assessment against the individual plan."), code="plan_assessment_missing", field="text"
        )
    old = year.plan_assessment
    year.plan_assessment = value
    year.save(update_fields=["plan_assessment"])
    audit.record(
        by=by,
        action="results.plan_assessment",
        obj=year,
        school_id=year.class_group.school_id,
        changes={"plan_assessment": [old or None, value]},
    )
    return year


@transaction.atomic
def decide_plan_completion(
    *, by: Any, student_year: StudentYear, completed: bool, note: str, decision: str = ""
) -> StudentYear:
    """The principal's decision for a student on an individual education plan: completed the
    class (in grade 5, the primary programme) or not, with a note, who and when. Not completed
    needs "promoted" or "retained" at once (grade 5: "retained" only). Needs the homeroom
    teacher's assessment first (``plan_assessment_missing``); decided once (``plan_already_decided``)."""
    year = (
        StudentYear.objects.select_for_update().select_related("class_group__school", "student").get(pk=student_year.pk)
    )
    if not can_manage_windows(by, year.class_group.school):
        raise PermissionRefused(_("Only the principal decides on completion."), code="not_principal")
    if not year.student.individual_plan or year.result != YearResult.NOT_CLASSIFIED:
        raise ValidationFailed(
            _("This student is not assessed on an individual education plan."), code="not_on_individual_plan"
        )
    if year.plan_completed is not None:
        raise Conflict(_("The principal has already decided on this student's year."), code="plan_already_decided")
    if not year.plan_assessment:
        raise ValidationFailed(
            _("The homeroom teacher has not recorded the assessment against the plan yet."),
            code="plan_assessment_missing",
        )
    text = nfc(note).strip()
    if not text:
        raise ValidationFailed(_("Write a note for the decision."), code="plan_note_missing", field="note")
    if completed:
        decision = ""
    else:
        grading.check_decision(year.class_group.grade, decision)
    year.plan_completed, year.plan_note, year.decision = completed, text, decision
    year.decided_by, year.decided_at = by, clock.now()
    year.save(update_fields=["plan_completed", "plan_note", "decision", "decided_by", "decided_at"])
    audit.record(
        by=by,
        action="results.plan_decide",
        obj=year,
        school_id=year.class_group.school_id,
        changes={"plan_completed": [None, completed], "decision": [None, decision or None], "note": [None, text]},
    )
    return year
