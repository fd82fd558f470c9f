"""Digitising old paper books (số hóa học bạ giấy): the actions, from scan to frozen digitised copy.

The steps, each by a person holding ``digitise_records`` at the book's school today (principal,
vice-principal, clerk — ``directory.roles``), each audited in its own transaction:

1. :func:`upload_scan` — the scan of one pupil's year page (``records.scans``: bounded, converted to
   PDF/A, stored content-addressed) with what the paper prints: book number, pages, the original's
   date, the homeroom teacher's and the principal's names as signed on paper;
2. :func:`transcribe` — the year's results typed from the scan (:func:`year_section`: subjects
   with rating and score, qualities and competencies, result, completion, awards), validated by the
   record format's final rules (every rating and the result present) before anything is saved; it
   may be typed again until compared;
3. :func:`compare` — someone who did not transcribe (``comparer_is_transcriber`` otherwise; the
   database refuses it too) confirms scan and transcription agree. The book is then frozen into a
   ``RecordVersion`` of origin ``digitised``: record XML format 1.2 with its Digitisation element,
   rendered to PDF/A-3 with the scan attached, its own issuance code. It waits for the school seal,
   applied through the signing workflow (``signing.actions``): that signature is the conversion
   certification, after which the version is issued and verifiable like any other.

A year that already has a current version (born digital or digitised) is refused
(``version_exists``, ``digitised_book_exists``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from hocbaso.assessments.catalogue import GradeCatalogue, catalogue_for_class
from hocbaso.assessments.models import Point, YearResult
from hocbaso.core.errors import Conflict, PermissionRefused, ValidationFailed
from hocbaso.core.text import collapse_spaces, hidden_character, nfc
from hocbaso.directory.models import ClassGroup, School, Student
from hocbaso.directory.roles import Permission, holds
from hocbaso.records import assembly, assembly_parts
from hocbaso.records.digitising_models import DigitisedBook
from hocbaso.records.models import CURRENT_STATUSES, Record, RecordVersion
from hocbaso.records.xml import DIGITISED_FORMAT_VERSION

SCAN_SUFFIX = ".pdf"
SUBJECT_RATINGS = ("T", "H", "C")
COMPETENCY_RATINGS = ("T", "Đ", "C")
RESULTS = (YearResult.EXCELLENT, YearResult.GOOD, YearResult.COMPLETED, YearResult.NOT_COMPLETED)
DECISIONS = ("", "promoted", "retained")
GROUPS = assembly.GROUPS


def may_digitise(user: Any, school: School) -> bool:
    """Principal, vice-principal or clerk of ``school`` today."""
    return holds(user, Permission.DIGITISE_RECORDS, school=school)


def refuse_unless_allowed(by: Any, school: School) -> None:
    if not may_digitise(by, school):
        raise PermissionRefused(
            _("Only the principal, a vice-principal or the clerk of this school digitises its paper books."),
            code="not_allowed",
        )


def _person(user: Any) -> str:
    """The name a document shows for ``user``: their staff record's full name."""
    staff = getattr(user, "staff", None)
    return collapse_spaces(staff.full_name if staff is not None else user.get_full_name() or user.get_username())


def printed_name(value: str, field: str) -> str:
    if hidden_character(value):
        raise ValidationFailed(
            _("The name contains a hidden or control character (%(char)s); type it again.")
            % {"char": hidden_character(value)},
            code="name_hidden_character",
            field=field,
        )
    name = collapse_spaces(value)
    if not name:
        raise ValidationFailed(_("Type the name as the paper book prints it."), code="required", field=field)
    return name


def refuse_existing(student: Student, class_group: ClassGroup) -> None:
    year = class_group.school_year
    if DigitisedBook.objects.filter(student=student, school_year=year).exists():
        raise Conflict(
            _("This pupil's paper book for %(year)s is already being digitised.") % {"year": year.code},
            code="digitised_book_exists",
        )
    if RecordVersion.objects.filter(record__student=student, school_year=year, status__in=CURRENT_STATUSES).exists():
        raise Conflict(_("This year already has a version; request a correction instead."), code="version_exists")


# --- the transcription ---------------------------------------------------------------------------


def _rating(value: Any, allowed: Sequence[str], field: str) -> str:
    rating = nfc(str(value or "")).upper()
    if allowed is COMPETENCY_RATINGS and rating == "D":  # typed without the Vietnamese keyboard
        rating = "Đ"
    if rating and rating not in allowed:
        raise ValidationFailed(
            _("A rating is one of %(allowed)s.") % {"allowed": ", ".join(allowed)},
            code="transcription_rating_invalid",
            field=field,
        )
    return rating


def _score(value: Any, field: str, *, tested: bool) -> int | None:
    if value in (None, ""):
        return None
    if not tested:
        raise ValidationFailed(
            _("This subject has no year-end test score."), code="transcription_score_invalid", field=field
        )
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = -1
    if not 1 <= score <= 10:
        raise ValidationFailed(
            _("A score is a whole number from 1 to 10."), code="transcription_score_invalid", field=field
        )
    return score


def year_section(
    catalogue: GradeCatalogue, class_group: ClassGroup, values: Mapping[str, Any], *, dated_on: dt.date
) -> dict[str, Any]:
    """The record XML's year section (``records.xml``) from a transcription.

    ``values``: ``subjects`` ({code: {rating, score, comment}}), ``competencies`` ({code: {rating,
    comment}} for qualities and competencies), ``result`` (htxs, htt, ht, cht), ``decision`` ("",
    promoted, retained), ``general_comment``, ``days_absent``, ``height_cm``, ``weight_kg``,
    ``awards`` ([{title, date}]). An optional subject appears only when it was rated; a missing
    rating is left empty, for the final-record rule to refuse with the item's code.
    """
    subjects = values.get("subjects") or {}
    competencies = values.get("competencies") or {}
    result = nfc(str(values.get("result") or ""))
    if result not in RESULTS:
        raise ValidationFailed(
            _("Choose the year result the paper book shows."), code="transcription_result_invalid", field="result"
        )
    decision = nfc(str(values.get("decision") or ""))
    if decision not in DECISIONS:
        raise ValidationFailed(
            _("Unknown promotion decision."), code="transcription_decision_invalid", field="decision"
        )
    try:
        days_absent = int(values.get("days_absent") or 0)
    except (TypeError, ValueError):
        days_absent = -1
    if not 0 <= days_absent <= 366:
        raise ValidationFailed(
            _("Days absent is a whole number from 0 to 366."), code="transcription_days_invalid", field="days_absent"
        )
    section: dict[str, Any] = {
        "school_year": class_group.school_year.code,
        "class_name": class_group.name,
        "grade": class_group.grade,
        "height_cm": _measure(values.get("height_cm"), "height_cm"),
        "weight_kg": _measure(values.get("weight_kg"), "weight_kg"),
        "days_absent": days_absent,
        "dated_on": dated_on.isoformat(),
        "subjects": [],
        "qualities": [],
        "general_competencies": [],
        "specific_competencies": [],
        "result": result,
        "general_comment": nfc(values.get("general_comment")),
        "individual_plan": None,
        "awards": [],
        "completion": assembly.completion_text(class_group.grade, result, decision),
        "remediation": None,
    }
    for item in catalogue.subjects:
        typed = subjects.get(item.code) or {}
        field = f"subject_{item.code}"
        rating = _rating(typed.get("rating"), SUBJECT_RATINGS, field)
        if item.optional and not rating:
            continue
        section["subjects"].append(
            {
                "code": item.code,
                "name": item.name,
                "rating": rating,
                "score": _score(
                    typed.get("score"), f"score_{item.code}", tested=catalogue.has_test(item.code, Point.YEAR_END)
                ),
                "comment": nfc(typed.get("comment")),
                "summer": None,
            }
        )
    for item in catalogue.competencies:
        typed = competencies.get(item.code) or {}
        section[GROUPS[item.group]].append(
            {
                "code": item.code,
                "name": item.name,
                "rating": _rating(typed.get("rating"), COMPETENCY_RATINGS, f"competency_{item.code}"),
                "comment": nfc(typed.get("comment")),
                "summer": None,
            }
        )
    for index, award in enumerate(values.get("awards") or []):
        title = nfc(award.get("title"))
        if title:
            day = award.get("date") or dated_on
            section["awards"].append({"title": title, "date": day if isinstance(day, str) else day.isoformat()})
        elif award.get("date"):
            raise ValidationFailed(_("An award needs its title."), code="required", field=f"award_{index}")
    return section


def transcription_template(class_group: ClassGroup, *, variant: int = 0) -> dict[str, Any]:
    """A complete transcription of the class's grade (every item rated; the demo and tests use it,
    the form starts empty): ``variant`` varies the scores and the result deterministically."""
    catalogue = catalogue_for_class(class_group)
    subjects = {
        item.code: {
            "rating": "T",
            "score": 8 + (variant + index) % 3 if catalogue.has_test(item.code, Point.YEAR_END) else None,
            "comment": "",
        }
        for index, item in enumerate(catalogue.subjects)
        if not item.optional
    }
    competencies = {
        item.code: {"rating": "T" if variant % 2 else "Đ", "comment": ""} for item in catalogue.competencies
    }
    return {
        "subjects": subjects,
        "competencies": competencies,
        "result": "htxs" if variant % 2 else "htt",
        "decision": "",
        "general_comment": "",
        "days_absent": variant % 4,
        "awards": [],
    }


def _measure(value: Any, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise ValidationFailed(_("Type a number."), code="transcription_measure_invalid", field=field) from None
    if not 0 < number < 250:
        raise ValidationFailed(_("Type a number."), code="transcription_measure_invalid", field=field)
    return number


def data_of(
    book: DigitisedBook, *, record: Record, number: int, code: str, previous: str, on: dt.date
) -> dict[str, Any]:
    """The record data (format 1.2) of ``book``; ``compared_by`` empty until compared."""
    compared = book.compared_by
    return {
        "format_version": DIGITISED_FORMAT_VERSION,
        "record_id": str(record.public_id),
        "version": number,
        "issuance_code": code,
        "status": "final",
        "assembled_on": on.isoformat(),
        "previous_version_sha256": previous,
        "verify_url": assembly.verify_url(code),
        "school": assembly_parts.school_as_on(book.school, book.original_date),
        "student": assembly_parts.student_page(book.student),
        "history": assembly_parts.learning_history(book.student, up_to=book.school_year.end_date),
        "year": book.transcription,
        "signers": {
            "homeroom": {"name": book.printed_homeroom},
            "principal": {"name": book.printed_principal, "title": book.printed_principal_title},
            "school": {"name": book.school.name},
        },
        "digitisation": {
            "book_number": book.book_number,
            "original_pages": book.original_pages,
            "original_date": book.original_date.isoformat(),
            "scan_sha256": book.scan_sha256,
            "scan_pages": book.scan_pages,
            "transcribed_by": _person(book.transcribed_by) if book.transcribed_by else "",
            "compared_by": _person(compared) if compared else "—",
            "compared_on": (book.compared_at.date() if book.compared_at else on).isoformat(),
        },
    }


def visible_books(user: Any) -> Any:
    """Books of the schools where ``user`` reads records (404 for the rest)."""
    from hocbaso.directory.roles import is_operator, schools_where

    if is_operator(user):
        return DigitisedBook.objects.all()
    return DigitisedBook.objects.filter(school__in=schools_where(user, Permission.VIEW_RECORDS))
