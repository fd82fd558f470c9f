"""The write door of digitising old paper books (docs/digitising.md): storing a page's scan,
typing its results, and a colleague's comparison that freezes it into a digitised version.

Each is keyword-only with ``by=`` first, atomic, and audited in the same transaction. The rules
and reads they use (who may digitise, the year section of a transcription, visible books) stay
in ``digitising``; the background batch is ``digitising_tasks``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.accounts.models import User
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, PermissionRefused, ValidationFailed
from hocbaso.core.queue import enqueue_on_commit
from hocbaso.core.text import nfc
from hocbaso.directory.models import ClassGroup, Enrolment, School, Student
from hocbaso.records import assembly, digitising, issuance, scans, storage
from hocbaso.records.actions import freeze_new_version
from hocbaso.records.digitising import (
    SCAN_SUFFIX,
    data_of,
    printed_name,
    refuse_existing,
    refuse_unless_allowed,
    year_section,
)
from hocbaso.records.digitising_models import BookState, DigitisationRun, DigitisedBook
from hocbaso.records.models import CURRENT_STATUSES, Level, Origin, Record, RecordVersion
from hocbaso.records.rendering import render_pdf
from hocbaso.records.xml import build_xml

# A background batch of scans (``start_batch``, run by ``digitising_tasks.process_run``).
INCOMING = "digitising/incoming"
MAX_ENTRIES = 500  # a cohort of a large school
ENTRY_FIELDS = (
    "student_id",
    "class_group_id",
    "book_number",
    "original_pages",
    "original_date",
    "printed_homeroom",
    "printed_principal",
    "printed_principal_title",
)


def upload_scan(
    *,
    by: User,
    student: Student,
    class_group: ClassGroup,
    files: Sequence[bytes],
    book_number: str,
    original_pages: str,
    original_date: dt.date,
    printed_homeroom: str,
    printed_principal: str,
    printed_principal_title: str = "Hiệu trưởng",
    run_id: int | None = None,
    channel: str = "web",
) -> DigitisedBook:
    """Store the scan of ``student``'s year page in ``class_group`` with the paper book's details.

    The scan is bounded and converted (``records.scans``) before anything is written; refused for
    someone not digitising at the class's school (``not_allowed``), a pupil not enrolled in the
    class (``student_not_in_class``), a date in the future or before the school year
    (``original_date_invalid``), and a year that already has a version or a book.
    """
    school = class_group.school
    refuse_unless_allowed(by, school)
    if not Enrolment.objects.filter(student=student, class_group=class_group).exists():
        raise ValidationFailed(
            _("This pupil was not in class %(name)s.") % {"name": class_group.name},
            code="student_not_in_class",
            field="student",
        )
    year = class_group.school_year
    if original_date > clock.today() or original_date < year.start_date:
        raise ValidationFailed(
            _("The date on the paper page must lie between the start of school year %(year)s and today.")
            % {"year": year.code},
            code="original_date_invalid",
            field="original_date",
        )
    number = nfc(book_number)
    pages = nfc(original_pages)
    if not number:
        raise ValidationFailed(_("Type the book's number."), code="required", field="book_number")
    if not pages:
        raise ValidationFailed(_("Type the pages of the book the scan shows."), code="required", field="original_pages")
    homeroom = printed_name(printed_homeroom, "printed_homeroom")
    principal = printed_name(printed_principal, "printed_principal")
    title = nfc(printed_principal_title) or "Hiệu trưởng"
    refuse_existing(student, class_group)
    scan = scans.convert(files)  # outside the transaction: the slow part, and it writes nothing
    name, digest = storage.put(scan.pdf, SCAN_SUFFIX)
    with transaction.atomic():
        refuse_existing(student, class_group)
        book = DigitisedBook.objects.create(
            school=school,
            school_year=year,
            class_group=class_group,
            student=student,
            book_number=number,
            original_pages=pages,
            original_date=original_date,
            printed_homeroom=homeroom,
            printed_principal=principal,
            printed_principal_title=title,
            scan_name=name,
            scan_sha256=digest,
            scan_pages=scan.pages,
            uploaded_by=by,
            uploaded_at=clock.now(),
            run_id=run_id,
        )
        audit.record(
            by=by,
            action="digitising.scan_upload",
            obj=book,
            school_id=school.pk,
            changes={
                "student": student.pk,
                "school_year": year.code,
                "book_number": number,
                "original_date": original_date.isoformat(),
                "scan_sha256": digest,
                "scan_pages": scan.pages,
            },
            channel=channel,
        )
    return book


def transcribe(*, by: User, book: DigitisedBook, values: Mapping[str, Any], channel: str = "web") -> DigitisedBook:
    """Save ``by``'s transcription of ``book``'s year (see :func:`year_section`), validated as the
    final record it will become (``xml_invalid`` names the first missing rating); refused once the
    book was compared (``digitised_book_state``)."""
    refuse_unless_allowed(by, book.school)
    section = year_section(catalogue_for_class(book.class_group), book.class_group, values, dated_on=book.original_date)
    with transaction.atomic():
        locked = (
            DigitisedBook.objects.select_for_update().select_related("school", "school_year", "student").get(pk=book.pk)
        )
        locked.transition_to(BookState.TRANSCRIBED)
        before = locked.transcription
        locked.transcription = section
        locked.transcribed_by = by
        locked.transcribed_at = clock.now()
        record = Record(student=locked.student, level=Level.PRIMARY)
        build_xml(data_of(locked, record=record, number=1, code="HB-0000-0000-0000-0", previous="", on=clock.today()))
        locked.save(update_fields=["state", "transcription", "transcribed_by", "transcribed_at"])
        audit.record(
            by=by,
            action="digitising.transcribe",
            obj=locked,
            school_id=locked.school_id,
            changes={"result": [(before or {}).get("result"), section["result"]], "again": before is not None},
            channel=channel,
        )
    return locked


def compare(*, by: User, book: DigitisedBook, channel: str = "web") -> RecordVersion:
    """``by`` confirms scan and transcription agree; the book is frozen into a digitised version
    (status frozen, waiting for the school seal). ``by`` never transcribed it."""
    refuse_unless_allowed(by, book.school)
    on = clock.today()
    with transaction.atomic():
        locked = (
            DigitisedBook.objects.select_for_update(of=("self",))  # transcribed_by is an outer join
            .select_related("school", "school_year", "class_group", "student", "transcribed_by")
            .get(pk=book.pk)
        )
        if locked.state != BookState.TRANSCRIBED:
            raise Conflict(_("Only a transcribed paper book can be compared."), code="digitised_book_state")
        if locked.transcribed_by_id == getattr(by, "pk", None):
            raise PermissionRefused(
                _("The person who typed the results cannot also compare them with the scan; ask a colleague."),
                code="comparer_is_transcriber",
            )
        record, _created = Record.objects.get_or_create(student=locked.student, level=Level.PRIMARY)
        if (
            RecordVersion.objects.select_for_update()
            .filter(record=record, school_year=locked.school_year, status__in=CURRENT_STATUSES)
            .exists()
        ):
            raise Conflict(_("This year already has a version; request a correction instead."), code="version_exists")
        previous, number = assembly.chain_position(record, locked.school_year)
        code = issuance.new_code()
        locked.compared_by = by
        locked.compared_at = clock.now()
        data = data_of(
            locked, record=record, number=number, code=code, previous=previous.xml_sha256 if previous else "", on=on
        )
        xml = build_xml(data)
        scan = storage.get(locked.scan_name, locked.scan_sha256)
        pdf = render_pdf(xml, draft=False, scan=scan)
        audit.record(
            by=by,
            action="digitising.compare",
            obj=locked,
            school_id=locked.school_id,
            changes={"issuance_code": [None, code], "transcribed_by": locked.transcribed_by_id},
            channel=channel,
        )
        version = freeze_new_version(
            by=by,
            record=record,
            class_group=locked.class_group,
            number=number,
            code=code,
            data=data,
            xml=xml,
            pdf=pdf,
            previous=previous,
            origin=Origin.DIGITISED,
            channel=channel,
        )
        locked.transition_to(BookState.FROZEN)
        locked.version = version
        locked.save(update_fields=["state", "compared_by", "compared_at", "version"])
    return version


def start_batch(
    *, by: Any, school: School, entries: Sequence[dict[str, Any]], channel: str = "cli", enqueue: bool = True
) -> DigitisationRun:
    """Queue ``entries`` (each: ``ENTRY_FIELDS`` and ``files``, a list of bytes) for ``school``.

    Refused whole (nothing kept) for someone not digitising at the school, more than
    ``MAX_ENTRIES``, or an entry whose files are not a scan by their bytes and kinds.
    """
    if not digitising.may_digitise(by, school):
        raise PermissionRefused(
            _("Only the principal, a vice-principal or the clerk of this school digitises its paper books."),
            code="not_allowed",
        )
    if not entries or len(entries) > MAX_ENTRIES:
        raise ValidationFailed(
            _("A batch holds from 1 to %(max)s paper books.") % {"max": MAX_ENTRIES}, code="batch_size"
        )
    items = []
    for entry in entries:
        scans.measure(entry["files"])
        item = {key: entry.get(key, "") for key in ENTRY_FIELDS}
        if isinstance(item["original_date"], dt.date):
            item["original_date"] = item["original_date"].isoformat()
        item["files"] = [_keep(content) for content in entry["files"]]
        items.append(item)
    with transaction.atomic():
        run = DigitisationRun.objects.create(school=school, requested_by=by, items=items, total=len(items))
        audit.record(
            by=by,
            action="digitising.batch_start",
            obj=run,
            school_id=school.pk,
            changes={"books": len(items)},
            channel=channel,
        )
        if enqueue:
            enqueue_on_commit("hocbaso.records.digitising_tasks.process_run", run.pk)
    return run


def _keep(content: bytes) -> str:
    name = f"{INCOMING}/{hashlib.sha256(content).hexdigest()}.upload"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(content))
    return name
