"""Assembling a record version: the data of one student's school year, frozen into canonical
XML, rendered to PDF, stored content-addressed and registered — all or nothing.

A student whose year is not complete (no computed result, a missing cell, remediation still
pending) is refused with the reason; nothing is stored for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hocbaso.assessments import grading
from hocbaso.assessments.catalogue import GradeCatalogue
from hocbaso.assessments.models import (
    AssessmentEntry,
    Award,
    AwardStatus,
    OptionalSubject,
    Point,
    StudentYear,
    YearResult,
)
from hocbaso.core import clock
from hocbaso.core.errors import ValidationFailed
from hocbaso.records.models import CURRENT_STATUSES, Record, RecordVersion

GROUPS = {"quality": "qualities", "general": "general_competencies", "specific": "specific_competencies"}


class YearIncomplete(ValidationFailed):
    code = "year_incomplete"


@dataclass(frozen=True)
class Assembled:
    version: RecordVersion
    xml: bytes
    pdf: bytes


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{code}"


def completion_text(grade: int, result: str, decision: str, plan_completed: bool | None = None) -> dict[str, Any]:
    """Section 6 of the year page (TT27 Điều 10-11; ``grading.completion``) as record data."""
    done = grading.completion(grade, result, decision, plan_completed=plan_completed)
    return {
        "completed_grade": done.completed_grade,
        "completed_primary": done.completed_primary,
        "promoted": done.promoted,
        "decision": decision,
        "text": done.text,
    }


def _person(user: Any) -> str:
    return (user.get_full_name() or str(user)) if user is not None else ""


def year_section(student_year: StudentYear, catalogue: GradeCatalogue) -> dict[str, Any]:
    """Sections 1-6 of the year page. Ratings, scores and comments are the year-end values;
    a summer re-assessment is kept beside them (``summer``), never over them."""
    stored: dict[str, dict[tuple[str, str], AssessmentEntry]] = {Point.YEAR_END: {}, Point.SUMMER: {}}
    for cell in AssessmentEntry.objects.filter(
        student_id=student_year.student_id,
        school_year_id=student_year.school_year_id,
        point__in=[Point.YEAR_END, Point.SUMMER],
    ):
        if cell.point == Point.SUMMER and not (cell.rating or cell.score is not None):
            continue
        stored[cell.point][(cell.item_kind, cell.item_code)] = cell
    year_end, summer = stored[Point.YEAR_END], stored[Point.SUMMER]
    optionals = set(
        OptionalSubject.objects.filter(
            student_id=student_year.student_id, school_year_id=student_year.school_year_id
        ).values_list("subject_code", flat=True)
    )
    dated_on = student_year.dated_on()
    section: dict[str, Any] = {
        "school_year": student_year.school_year.code,
        "class_name": student_year.class_group.name,
        "grade": student_year.class_group.grade,
        "height_cm": student_year.height_cm,
        "weight_kg": float(student_year.weight_kg) if student_year.weight_kg is not None else None,
        "days_absent": student_year.days_absent,
        "dated_on": dated_on.isoformat() if dated_on else "",
        "subjects": [],
        "qualities": [],
        "general_competencies": [],
        "specific_competencies": [],
        "result": student_year.result,
        "general_comment": student_year.general_comment,
    }
    for item in catalogue.subjects:
        if item.optional and item.code not in optionals:
            continue
        entry: AssessmentEntry | None = year_end.get(("subject", item.code))
        again: AssessmentEntry | None = summer.get(("subject", item.code))
        section["subjects"].append(
            {
                "code": item.code,
                "name": item.name,
                "rating": entry.rating if entry else "",
                "score": entry.score if entry else None,
                "comment": entry.comment if entry else "",
                "summer": {"rating": again.rating, "score": again.score, "comment": again.comment} if again else None,
            }
        )
    for item in catalogue.competencies:
        entry = year_end.get(("competency", item.code))
        again = summer.get(("competency", item.code))
        section[GROUPS[item.group]].append(
            {
                "code": item.code,
                "name": item.name,
                "rating": entry.rating if entry else "",
                "comment": entry.comment if entry else "",
                "summer": {"rating": again.rating, "comment": again.comment} if again else None,
            }
        )
    section["individual_plan"] = None
    if student_year.result == YearResult.NOT_CLASSIFIED:
        section["individual_plan"] = {
            "assessment": student_year.plan_assessment,
            "completed": student_year.plan_completed,
            "note": student_year.plan_note,
            "decided_by": _person(student_year.decided_by) if student_year.plan_completed is not None else "",
            "decided_on": timezone.localdate(student_year.decided_at).isoformat()
            if student_year.decided_at and student_year.plan_completed is not None
            else "",
        }
    awards = Award.objects.filter(
        student_id=student_year.student_id, school_year_id=student_year.school_year_id, status=AwardStatus.CONFIRMED
    ).order_by("awarded_on", "pk")
    section["awards"] = [{"title": a.title, "date": a.awarded_on.isoformat()} for a in awards]
    section["completion"] = completion_text(
        student_year.class_group.grade, student_year.result, student_year.decision, student_year.plan_completed
    )
    section["remediation"] = None
    if student_year.first_result == YearResult.NOT_COMPLETED and student_year.remediation_done:
        section["remediation"] = {
            "first_result": student_year.first_result,
            "final_result": student_year.result,
            "decision": student_year.decision,
            "decided_by": _person(student_year.decided_by),
            "decided_on": timezone.localdate(student_year.decided_at).isoformat() if student_year.decided_at else "",
        }
    return section


def readiness(student_year: StudentYear | None, on: dt.date | None = None) -> str:
    """'' when the year can be frozen on ``on`` (today by default), else the reason (translated)
    it cannot. A year confirmed after ``on`` (the principal decided later) cannot be frozen yet."""
    if student_year is None or not student_year.result:
        return str(_("The year result has not been computed (cells are missing)."))
    if student_year.result == YearResult.NOT_COMPLETED and not student_year.decision:
        return str(_("Remediation is pending: the principal has not decided on promotion yet."))
    if student_year.result == YearResult.NOT_CLASSIFIED and student_year.plan_completed is None:
        return str(
            _("Individual education plan: the principal has not recorded whether the student completed the year.")
        )
    if (
        student_year.result == YearResult.NOT_CLASSIFIED
        and not student_year.plan_completed
        and not student_year.decision
    ):
        return str(_("Remediation is pending: the principal has not decided on promotion yet."))
    dated_on = student_year.dated_on()
    if dated_on is not None and dated_on > (on or clock.today()):
        return str(_("The year is confirmed after the assembly date: it cannot be frozen before it is confirmed."))
    if student_year.days_absent is None:  # printed on the year page; the XSD requires it
        return str(_("The number of days absent has not been entered (the class's “Year page”)."))
    return ""


def chain_position(record: Record, school_year: Any) -> tuple[RecordVersion | None, int]:
    """The current version of the latest earlier year (its XML hash chains the new version) and the
    new version's number within the record."""
    previous = (
        RecordVersion.objects.filter(record=record, status__in=CURRENT_STATUSES, school_year__code__lt=school_year.code)
        .order_by("-school_year__code")
        .first()
    )
    number = (RecordVersion.objects.filter(record=record).aggregate(n=Max("number"))["n"] or 0) + 1
    return previous, number
