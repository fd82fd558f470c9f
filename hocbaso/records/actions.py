"""Record actions: freezing one student's year (``assemble``), bulk assembly runs, corrections,
and the paper books of a paper year (``record_paper_books``). Every write here is audited; the
digitising of old paper books has its own door, ``digitising_actions``.

Corrections follow TT27: the homeroom teacher or a clerk requests one with a reason; the
principal (or vice-principal) approves — never their own request, never for a version already
superseded — and a new version is assembled from the data as it stands now (the teacher has
corrected the cells while the principal had the entry window open), superseding the old one,
which stays stored and verifiable as "superseded by <code>". Approval opens no window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.accounts.models import User
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.models import StudentYear
from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, PermissionRefused, ValidationFailed
from hocbaso.core.queue import enqueue_on_commit
from hocbaso.core.text import nfc, visible_text
from hocbaso.directory import paper
from hocbaso.directory.models import ClassGroup, Enrolment, School, SchoolYear, Student
from hocbaso.directory.roles import Permission, holds
from hocbaso.records import assembly_parts, issuance, permissions, storage
from hocbaso.records.assembly import Assembled, YearIncomplete, chain_position, readiness, verify_url, year_section
from hocbaso.records.models import (
    CORRECTION_MOVES,
    CURRENT_STATUSES,
    AssemblyRun,
    CorrectionRequest,
    Level,
    Origin,
    PaperBook,
    Record,
    RecordVersion,
    Status,
)
from hocbaso.records.rendering import render_pdf
from hocbaso.records.xml import FORMAT_VERSION, build_xml, validate_xml


def _actor(by: User | None) -> User | None:
    return by if getattr(by, "is_authenticated", False) else None


def start_assembly(
    *,
    by: User | None,
    school: School,
    school_year: SchoolYear,
    class_group: ClassGroup | None = None,
    channel: str = "web",
    enqueue: bool = True,
) -> AssemblyRun:
    """Create an assembly run for a class (or the whole school) and hand it to the task queue.

    Refused (``not_allowed``) unless ``by`` may assemble that class or school; ``by=None`` is the
    operator's command line; refused for a school-year kept on paper (``paper_year_assembly``).
    The run is enqueued when it is committed, so a database worker always finds it; with the
    embedded (immediate) backend it has finished when this returns outside a transaction.
    """
    if by is not None:
        allowed = (
            permissions.can_assemble_class(by, class_group)
            if class_group is not None
            else permissions.can_assemble_school(by, school)
        )
        if not allowed:
            raise PermissionRefused(
                _("Only the homeroom teacher or the principal may close a class's records."), code="not_allowed"
            )
    if class_group is not None and (class_group.school_id != school.pk or class_group.school_year_id != school_year.pk):
        raise ValidationFailed(_("The class does not belong to this school and year."), code="class_mismatch")
    paper.refuse_if_paper(school, school_year, act="assembly")
    with transaction.atomic():
        run = AssemblyRun.objects.create(
            school=school, class_group=class_group, school_year=school_year, requested_by=_actor(by)
        )
        audit.record(
            by=by,
            action="record.assembly_start",
            obj=run,
            school_id=school.pk,
            changes={"class": [None, class_group.name if class_group else None], "year": [None, school_year.code]},
            channel=channel,
        )
        if enqueue:
            enqueue_on_commit("hocbaso.records.tasks.assemble_run", run.pk)
    run.refresh_from_db()
    return run


@transaction.atomic
def request_correction(*, by: User, version: RecordVersion, reason: str, channel: str = "web") -> CorrectionRequest:
    """Ask for a correction of ``version`` (homeroom teacher of its class or clerk of its school).

    Refused: no reason (``reason_required``), not allowed (``not_allowed``), the version is not
    current (``version_superseded``), a request is already pending (``correction_pending``).
    """
    reason = nfc(reason)
    if not reason:
        raise ValidationFailed(_("Give the reason for the correction."), code="reason_required", field="reason")
    if not permissions.can_request_correction(by, version):
        raise PermissionRefused(
            _("Only the homeroom teacher of the class or a clerk may request a correction."), code="not_allowed"
        )
    version = RecordVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_current:
        raise Conflict(_("This version is no longer current; it cannot be corrected."), code="version_superseded")
    if CorrectionRequest.objects.filter(version=version, state=CorrectionRequest.State.PENDING).exists():
        raise Conflict(_("A correction of this version is already waiting for a decision."), code="correction_pending")
    request = CorrectionRequest.objects.create(
        version=version, reason=reason, requested_by=by, requested_at=clock.now()
    )
    audit.record(
        by=by,
        action="record.correction_request",
        obj=request,
        school_id=version.school_id,
        changes={"version": [None, version.issuance_code], "reason": [None, reason]},
        channel=channel,
    )
    return request


def _pending_for_decision(by: User, request: CorrectionRequest) -> CorrectionRequest:
    request = CorrectionRequest.objects.select_for_update().select_related("version").get(pk=request.pk)
    if not permissions.can_decide_correction(by, request.version):
        raise PermissionRefused(_("Only the principal decides on corrections."), code="not_principal")
    if request.state != CorrectionRequest.State.PENDING:
        raise Conflict(_("This correction request has already been decided."), code="correction_decided")
    return request


@transaction.atomic
def approve_correction(*, by: User, request: CorrectionRequest, channel: str = "web") -> CorrectionRequest:
    """Approve ``request``: assemble a new version from the data as it stands, superseding the old.

    Refused: the principal's own request (``correction_own_request``), a version already
    superseded or revoked (``version_superseded``), an incomplete year (``year_incomplete``);
    nothing is written then. The new version is frozen and goes through signing again.
    """
    request = _pending_for_decision(by, request)
    if request.requested_by_id == getattr(by, "pk", None):
        raise PermissionRefused(
            _("A correction must be approved by someone other than the person who requested it."),
            code="correction_own_request",
        )
    old = (
        RecordVersion.objects.select_for_update()
        .select_related("record__student", "class_group")
        .get(pk=request.version_id)
    )
    if not old.is_current:
        raise Conflict(
            _("This version has already been superseded or revoked; correct the current one."),
            code="version_superseded",
        )
    assembled = assemble(by=by, student=old.record.student, class_group=old.class_group, supersedes=old)
    CORRECTION_MOVES.move(request, CorrectionRequest.State.APPROVED)
    request.decided_by = by
    request.decided_at = clock.now()
    request.new_version = assembled.version
    request.save()
    audit.record(
        by=by,
        action="record.correction_approve",
        obj=request,
        school_id=old.school_id,
        changes={
            "state": [CorrectionRequest.State.PENDING, CorrectionRequest.State.APPROVED],
            "superseded": [old.issuance_code, assembled.version.issuance_code],
        },
        channel=channel,
    )
    return request


@transaction.atomic
def reject_correction(*, by: User, request: CorrectionRequest, reason: str, channel: str = "web") -> CorrectionRequest:
    """Reject ``request`` with a reason (``reason_required``); the version stays as it is."""
    reason = nfc(reason)
    if not reason:
        raise ValidationFailed(_("Give the reason for the rejection."), code="reason_required", field="reason")
    request = _pending_for_decision(by, request)
    CORRECTION_MOVES.move(request, CorrectionRequest.State.REJECTED)
    request.decided_by = by
    request.decided_at = clock.now()
    request.decision_reason = reason
    request.save()
    audit.record(
        by=by,
        action="record.correction_reject",
        obj=request,
        school_id=request.version.school_id,
        changes={
            "state": [CorrectionRequest.State.PENDING, CorrectionRequest.State.REJECTED],
            "reason": [None, reason],
        },
        channel=channel,
    )
    return request


def superseding_code(version: RecordVersion) -> str:
    """Issuance code of the version that superseded ``version`` ('' when none)."""
    if version.status != Status.SUPERSEDED:
        return ""
    successor = RecordVersion.objects.filter(supersedes=version).values_list("issuance_code", flat=True).first()
    return successor or ""


BOOK_NUMBER_MAX = 40
SIGNER_NAME_MAX = 200


def _clean(value: str | None, limit: int) -> str:
    return visible_text(value, limit)


@transaction.atomic
def record_paper_books(
    *,
    by: User,
    class_group: ClassGroup,
    signed_on: dt.date,
    homeroom_name: str,
    principal_name: str,
    principal_title: str,
    books: Mapping[int, str],
    reason: str = "",
    channel: str = "web",
) -> list[PaperBook]:
    """Record that the paper books of ``books`` (student id → book number) were signed by hand and
    stamped on ``signed_on`` by the signers named as printed. All or nothing, audited per book
    (``record.paper_book``).

    Refused: not the clerk or principal of the school today (``paper_book_not_allowed``), a digital
    school-year (``paper_book_not_paper_year``), nothing to record (``paper_book_nothing``), a date in
    the future (``paper_book_future_date``) or before the school year (``paper_book_date_out_of_year``),
    a signer's name missing (``paper_book_signer_required``), a student not in the class
    (``paper_book_student_not_in_class``), an empty number (``paper_book_number_required``), a number
    already another student's in the school (``paper_book_number_taken``), a change of a book already
    recorded without a reason (``paper_book_reason_required``).
    """
    school = class_group.school
    if not holds(by, Permission.RECORD_PAPER_BOOKS, school=school):
        raise PermissionRefused(
            _("Only the school's clerk or principal records the signed paper books."), code="paper_book_not_allowed"
        )
    if not paper.is_paper_year(school, class_group.school_year):
        raise Conflict(
            _("This school year is kept digitally: there is no paper book to record."),
            code="paper_book_not_paper_year",
        )
    if not books:
        raise ValidationFailed(_("Choose at least one student's book."), code="paper_book_nothing")
    if signed_on > clock.today():
        raise ValidationFailed(
            _("The signing date cannot be in the future."), code="paper_book_future_date", field="signed_on"
        )
    if signed_on < class_group.school_year.start_date:
        raise ValidationFailed(
            _("The signing date is before the school year."), code="paper_book_date_out_of_year", field="signed_on"
        )
    names = {
        "homeroom_name": _clean(homeroom_name, SIGNER_NAME_MAX),
        "principal_name": _clean(principal_name, SIGNER_NAME_MAX),
        "principal_title": _clean(principal_title, 100),
    }
    for field, value in names.items():
        if not value:
            raise ValidationFailed(
                _("Write the name and title of each signer as printed in the book."),
                code="paper_book_signer_required",
                field=field,
            )
    members = set(Enrolment.objects.filter(class_group=class_group).values_list("student_id", flat=True))
    numbers: dict[int, str] = {}
    for student_id, number in books.items():
        if int(student_id) not in members:
            raise ValidationFailed(
                _("A student chosen is not in this class."), code="paper_book_student_not_in_class", field="books"
            )
        cleaned = _clean(number, BOOK_NUMBER_MAX)
        if not cleaned:
            raise ValidationFailed(
                _("Write the number of each book."), code="paper_book_number_required", field="books"
            )
        numbers[int(student_id)] = cleaned
    reason = _clean(reason, 1000)
    taken = PaperBook.objects.filter(school=school, book_number__in=numbers.values()).values_list(
        "book_number", "student_id"
    )
    owners: dict[str, int] = {}
    for number, student_id in [*taken, *((n, s) for s, n in numbers.items())]:
        if owners.setdefault(number, student_id) != student_id:
            raise ValidationFailed(
                _("Book number %(number)s is already another student's in this school.") % {"number": number},
                code="paper_book_number_taken",
                field="books",
            )
    written = []
    now = clock.now()
    for student_id, number in numbers.items():
        existing = (
            PaperBook.objects.select_for_update()
            .filter(student_id=student_id, school_year=class_group.school_year)
            .first()
        )
        values: dict[str, Any] = {"book_number": number, **names, "signed_on": signed_on}
        if existing is not None:
            before = {field: getattr(existing, field) for field in values}
            if before == values:
                written.append(existing)
                continue
            if not reason:
                raise ValidationFailed(
                    _("A book already recorded is changed only with a reason."),
                    code="paper_book_reason_required",
                    field="reason",
                )
            for field, new in values.items():
                setattr(existing, field, new)
            existing.class_group = class_group
            existing.recorded_by, existing.recorded_at, existing.change_reason = by, now, reason
            existing.save()
            book = existing
        else:
            before = dict.fromkeys(values)
            book = PaperBook.objects.create(
                student_id=student_id,
                school=school,
                school_year=class_group.school_year,
                class_group=class_group,
                recorded_by=by,
                recorded_at=now,
                **values,
            )
        changes: dict[str, Any] = {
            field: [str(before[field]) if before[field] is not None else None, str(value)]
            for field, value in values.items()
            if before[field] != value
        }
        if reason and existing is not None:
            changes["reason"] = [None, reason]
        audit.record(by=by, action="record.paper_book", obj=book, school_id=school.pk, changes=changes, channel=channel)
        written.append(book)
    return written


@transaction.atomic
def assemble(
    *,
    by: User | None,
    student: Student,
    class_group: ClassGroup,
    on: dt.date | None = None,
    supersedes: RecordVersion | None = None,
) -> Assembled:
    """Freeze one student's year of ``class_group`` into a new version (status frozen).

    Refused for a school-year kept on paper (``paper_year_assembly``): its pages are printed
    (``records.paper``), never frozen into a digital record.
    """
    paper.refuse_if_paper(class_group.school_id, class_group.school_year_id, act="assembly")
    on = on or clock.today()
    student_year = (
        StudentYear.objects.filter(student=student, school_year=class_group.school_year)
        .select_related("school_year", "class_group", "decided_by")
        .first()
    )
    reason = readiness(student_year, on)
    if reason:
        raise YearIncomplete(reason)
    assert student_year is not None
    record, _created = Record.objects.get_or_create(student=student, level=Level.PRIMARY)
    current = RecordVersion.objects.select_for_update().filter(
        record=record, school_year=class_group.school_year, status__in=CURRENT_STATUSES
    )
    if current.exists() and supersedes is None:
        raise Conflict(_("This year already has a version; request a correction instead."), code="version_exists")
    previous, number = chain_position(record, class_group.school_year)
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
    if supersedes is not None:
        supersedes.transition_to(Status.SUPERSEDED, reason=f"superseded by {code}")
        supersedes.save(update_fields=["status", "status_changed_at", "status_reason"])
    version = freeze_new_version(
        by=by,
        record=record,
        class_group=class_group,
        number=number,
        code=code,
        data=data,
        xml=xml,
        pdf=pdf,
        previous=previous,
        supersedes=supersedes,
    )
    return Assembled(version, xml, pdf)


def freeze_new_version(
    *,
    by: User | None,
    record: Record,
    class_group: ClassGroup,
    number: int,
    code: str,
    data: dict[str, Any],
    xml: bytes,
    pdf: bytes,
    previous: RecordVersion | None,
    supersedes: RecordVersion | None = None,
    origin: str = Origin.DIGITAL,
    channel: str = Channel.WEB,
) -> RecordVersion:
    """Store a new version's XML and PDF and create it from them, frozen and audited
    (``record.freeze``): the start of every version's life, assembled (``assemble``) or digitised
    (``digitising_actions.compare``)."""
    xml_name, xml_hash = storage.put(xml, ".xml")
    pdf_name, pdf_hash = storage.put(pdf, ".pdf")
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
        origin=origin,
    )
    version.transition_to(Status.FROZEN)
    version.save(update_fields=["status", "status_changed_at"])
    changes: dict[str, Any] = {
        "issuance_code": [None, code],
        "xml_sha256": [None, xml_hash],
        "pdf_sha256": [None, pdf_hash],
    }
    if origin != Origin.DIGITAL:
        changes["origin"] = origin
    audit.record(
        by=by, action="record.freeze", obj=version, school_id=class_group.school_id, changes=changes, channel=channel
    )
    return version
