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
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from hocbaso.assessments.catalogue import GradeCatalogue, catalogue_for_class
from hocbaso.assessments.models import AssessmentEntry, Award, OptionalSubject, Point, StudentYear, YearResult
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, ValidationFailed
from hocbaso.directory.models import ClassGroup, Student
from hocbaso.records import assembly_parts, issuance, storage
from hocbaso.records.models import CURRENT_STATUSES, Level, Record, RecordVersion, Status
from hocbaso.records.rendering import render_pdf
from hocbaso.records.samples import FORMAT_VERSION
from hocbaso.records.xml import build_xml, validate_xml

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


def completion_text(grade: int, result: str, decision: str) -> dict[str, Any]:
    """Section 6 of the year page (TT27 Điều 10-11)."""
    completed = result in (YearResult.EXCELLENT, YearResult.GOOD, YearResult.COMPLETED)
    if completed:
        text = "Hoàn thành chương trình tiểu học" if grade == 5 else f"Hoàn thành chương trình lớp {grade}"
        return {"completed_grade": True, "completed_primary": grade == 5, "promoted": None, "text": text}
    if result == YearResult.NOT_CLASSIFIED:
        return {
            "completed_grade": False,
            "completed_primary": False,
            "promoted": None,
            "text": "Đánh giá theo kế hoạch giáo dục cá nhân",
        }
    promoted = decision == "promoted"
    return {
        "completed_grade": False,
        "completed_primary": False,
        "promoted": promoted,
        "text": "Được lên lớp" if promoted else "Ở lại lớp",
    }


def year_section(student_year: StudentYear, catalogue: GradeCatalogue) -> dict[str, Any]:
    """Sections 1-6 of the year page from the year-end values (summer values override them)."""
    entries: dict[tuple[str, str], AssessmentEntry] = {}
    for point in (Point.YEAR_END, Point.SUMMER):
        for stored in AssessmentEntry.objects.filter(
            student_id=student_year.student_id, school_year_id=student_year.school_year_id, point=point
        ):
            if point == Point.SUMMER and not (stored.rating or stored.score is not None):
                continue
            entries[(stored.item_kind, stored.item_code)] = stored
    optionals = set(
        OptionalSubject.objects.filter(
            student_id=student_year.student_id, school_year_id=student_year.school_year_id
        ).values_list("subject_code", flat=True)
    )
    section: dict[str, Any] = {
        "school_year": student_year.school_year.code,
        "class_name": student_year.class_group.name,
        "grade": student_year.class_group.grade,
        "height_cm": student_year.height_cm,
        "weight_kg": float(student_year.weight_kg) if student_year.weight_kg is not None else None,
        "days_absent": student_year.days_absent,
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
        entry: AssessmentEntry | None = entries.get(("subject", item.code))
        section["subjects"].append(
            {
                "code": item.code,
                "name": item.name,
                "rating": entry.rating if entry else "",
                "score": entry.score if entry else None,
                "comment": entry.comment if entry else "",
            }
        )
    for item in catalogue.competencies:
        entry = entries.get(("competency", item.code))
        section[GROUPS[item.group]].append(
            {
                "code": item.code,
                "name": item.name,
                "rating": entry.rating if entry else "",
                "comment": entry.comment if entry else "",
            }
        )
    awards = Award.objects.filter(
        student_id=student_year.student_id, school_year_id=student_year.school_year_id
    ).order_by("awarded_on")
    section["awards"] = [{"title": a.title, "date": a.awarded_on.isoformat()} for a in awards]
    section["completion"] = completion_text(student_year.class_group.grade, student_year.result, student_year.decision)
    section["remediation"] = None
    if student_year.first_result == YearResult.NOT_COMPLETED and student_year.remediation_done:
        section["remediation"] = {
            "first_result": student_year.first_result,
            "final_result": student_year.result,
            "decision": student_year.decision,
            "decided_by": student_year.decided_by.get_full_name() or str(student_year.decided_by)
            if student_year.decided_by
            else "",
            "decided_on": student_year.decided_at.date().isoformat() if student_year.decided_at else "",
        }
    return section


def readiness(student_year: StudentYear | None) -> str:
    """'' when the year can be frozen, else the reason (translated) it cannot."""
    if student_year is None or not student_year.result:
        return str(_("The year result has not been computed (cells are missing)."))
    if student_year.result == YearResult.NOT_COMPLETED and not student_year.decision:
        return str(_("Remediation is pending: the principal has not decided on promotion yet."))
    if student_year.days_absent is None:  # printed on the year page; the XSD requires it
        return str(_("The number of days absent has not been entered (the class's “Year page”)."))
    return ""


@transaction.atomic
def assemble(
    *,
    by: Any,
    student: Student,
    class_group: ClassGroup,
    on: dt.date | None = None,
    supersedes: RecordVersion | None = None,
) -> Assembled:
    """Freeze one student's year of ``class_group`` into a new version (status frozen)."""
    on = on or clock.today()
    student_year = (
        StudentYear.objects.filter(student=student, school_year=class_group.school_year)
        .select_related("school_year", "class_group", "decided_by")
        .first()
    )
    reason = readiness(student_year)
    if reason:
        raise YearIncomplete(reason)
    assert student_year is not None
    record, _created = Record.objects.get_or_create(student=student, level=Level.PRIMARY)
    current = RecordVersion.objects.select_for_update().filter(
        record=record, school_year=class_group.school_year, status__in=CURRENT_STATUSES
    )
    if current.exists() and supersedes is None:
        raise Conflict(_("This year already has a version; request a correction instead."), code="version_exists")
    previous = (
        RecordVersion.objects.filter(
            record=record, status__in=CURRENT_STATUSES, school_year__code__lt=class_group.school_year.code
        )
        .order_by("-school_year__code")
        .first()
    )
    number = (RecordVersion.objects.filter(record=record).aggregate(n=Max("number"))["n"] or 0) + 1
    code = issuance.new_code()
    data = {
        "format_version": FORMAT_VERSION,
        "record_id": str(record.public_id),
        "version": number,
        "issuance_code": code,
        "status": "final",
        "assembled_on": on.isoformat(),
        "previous_version_sha256": previous.xml_sha256 if previous else "",
        "verify_url": verify_url(code),
        "school": assembly_parts.school_as_on(class_group.school, on),
        "student": assembly_parts.student_page(student),
        "history": assembly_parts.learning_history(student, up_to=class_group.school_year.end_date),
        "year": year_section(student_year, catalogue_for_class(class_group)),
        "signers": assembly_parts.expected_signers(class_group, on=on),
    }
    xml = build_xml(data)
    validate_xml(xml)
    pdf = render_pdf(xml, draft=False)
    xml_name, xml_hash = storage.put(xml, ".xml")
    pdf_name, pdf_hash = storage.put(pdf, ".pdf")
    if supersedes is not None:
        supersedes.transition_to(Status.SUPERSEDED, reason=f"superseded by {code}")
        supersedes.save(update_fields=["status", "status_changed_at", "status_reason"])
    version = RecordVersion.objects.create(
        record=record,
        school_year=class_group.school_year,
        class_group=class_group,
        school=class_group.school,
        number=number,
        status=Status.DRAFT,
        issuance_code=code,
        data=data,
        xml_name=xml_name,
        xml_sha256=xml_hash,
        pdf_name=pdf_name,
        pdf_sha256=pdf_hash,
        previous_sha256=previous.xml_sha256 if previous else "",
        supersedes=supersedes,
        assembled_at=clock.now(),
        assembled_by=by if getattr(by, "is_authenticated", False) else None,
    )
    version.transition_to(Status.FROZEN)
    version.save(update_fields=["status", "status_changed_at"])
    audit.record(
        by=by,
        action="record.freeze",
        obj=version,
        school_id=class_group.school_id,
        changes={"issuance_code": [None, code], "xml_sha256": [None, xml_hash], "pdf_sha256": [None, pdf_hash]},
    )
    return Assembled(version, xml, pdf)
