"""Record pages: a version (status, hashes, signers, the PDF inline, the data as tables), a
student's record (every year's versions), the class and school record lists with the
"close the books" button, assembly progress, corrections, and the files (PDF, booklet).

Every view carries a URL rule and fetches objects through the scoped querysets of
``records.permissions`` (404 outside scope). Opening a version, its PDF or a booklet is a
staff read of a child's record and is audited (``record.read``). No view edits a version:
version URLs answer GET only (405 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hocbaso.accounts.acting import acting_user
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.collation import name_key, sort_students
from hocbaso.core.errors import DomainError
from hocbaso.core.permissions import requires
from hocbaso.core.text import ascii_slug
from hocbaso.directory.models import Enrolment, SchoolYear
from hocbaso.directory.paper import is_paper_year
from hocbaso.directory.roles import Permission, holds
from hocbaso.records import actions, permissions, signed_record, storage
from hocbaso.records.models import CURRENT_STATUSES, CorrectionRequest, Record, RecordVersion, Status
from hocbaso.records.permissions import is_records_staff
from hocbaso.records.rendering import display_values, render_booklet

BOOKLET_ROLE_LABELS = {"homeroom": "GVCN", "principal": "Hiệu trưởng", "school": "Nhà trường"}


def _version_or_404(request: HttpRequest, pk: int) -> RecordVersion:
    return get_object_or_404(
        permissions.visible_versions(request.user).select_related(
            "record__student", "class_group", "school", "school_year", "assembled_by"
        ),
        pk=pk,
    )


def _signatures(version: RecordVersion) -> list[Any]:
    """Signatures recorded so far (the signing app adds them; none before it runs)."""
    events = getattr(version, "signature_events", None)
    return list(events.select_related("signer").order_by("signed_at")) if events is not None else []


def _current_file(version: RecordVersion) -> bytes:
    return storage.get(*signed_record.current_pdf(version))


def _pdf_response(content: bytes, filename: str, *, inline: bool) -> FileResponse:
    response = FileResponse(iter([content]), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "private, no-store"
    return response


@requires(is_records_staff)
@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_or_404(request, pk)
    audit.record(by=request.user, action="record.read", obj=version, school_id=version.school_id)
    data = version.data or {}
    shown = display_values(data) if "year" in data and "assembled_on" in data else None
    return render(
        request,
        "records/version_detail.html",
        {
            "version": version,
            "student": version.record.student,
            "data": data,
            "year": data.get("year"),
            "shown": shown,
            "signatures": _signatures(version),
            "superseded_by": actions.superseding_code(version),
            "corrections": version.correction_requests.select_related("requested_by", "decided_by", "new_version"),
            "can_request": version.is_current and permissions.can_request_correction(request.user, version),
            "can_decide": permissions.can_decide_correction(request.user, version),
        },
    )


@requires(is_records_staff)
@require_GET
def version_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The version's PDF: the signed one if any signature exists, else the frozen rendering."""
    version = _version_or_404(request, pk)
    content = _current_file(version)
    audit.record(by=request.user, action="record.read", obj=version, school_id=version.school_id)
    return _pdf_response(content, f"{version.issuance_code}.pdf", inline=request.GET.get("download") != "1")


def _record_or_404(request: HttpRequest, student_pk: int) -> Record:
    return get_object_or_404(
        permissions.visible_records(request.user).select_related("student__school"), student_id=student_pk
    )


@requires(is_records_staff)
@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A student's record: every year's current version, superseded ones marked."""
    record = _record_or_404(request, pk)
    versions = list(
        permissions.visible_versions(request.user)
        .filter(record=record)
        .select_related("school_year", "class_group", "school")
        .order_by("school_year__code", "number")
    )
    successors = {v.supersedes_id: v.issuance_code for v in versions if v.supersedes_id}
    rows = [{"version": v, "superseded_by": successors.get(v.pk, "")} for v in versions]
    audit.record(by=request.user, action="record.read", obj=record, school_id=record.student.school_id)
    return render(
        request,
        "records/record_detail.html",
        {"record": record, "student": record.student, "rows": rows, "has_current": any(v.is_current for v in versions)},
    )


def _booklet_of(versions: list[RecordVersion]) -> bytes:
    """A printable booklet of ``versions`` (each page captioned with its code and its signers)."""
    captions = []
    for version in versions:
        signed = ", ".join(
            f"{event.signer.full_name} ({BOOKLET_ROLE_LABELS.get(event.role, event.role)})"
            for event in _signatures(version)
        )
        captions.append(f"Mã tra cứu {version.issuance_code}" + (f" · Đã ký số: {signed}" if signed else ""))
    return render_booklet(
        [_current_file(v) for v in versions],
        lookup_url=f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/",
        printed_on=clock.today(),
        captions=captions,
    )


@requires(is_records_staff)
@require_GET
def booklet(request: HttpRequest, pk: int) -> FileResponse:
    """Printable booklet of every current version of the student (a printed copy, not a record)."""
    record = _record_or_404(request, pk)
    versions = list(
        permissions.visible_versions(request.user)
        .filter(record=record, status__in=CURRENT_STATUSES)
        .order_by("school_year__code")
    )
    if not versions:
        raise Http404
    content = _booklet_of(versions)
    audit.record(
        by=request.user,
        action="record.read",
        obj=record,
        school_id=record.student.school_id,
        changes={"booklet": [None, [v.issuance_code for v in versions]]},
    )
    return _pdf_response(content, f"hoc-ba-{record.public_id}.pdf", inline=False)


def _class_rows(request: HttpRequest, class_group: Any) -> list[dict[str, Any]]:
    enrolments = sort_students(Enrolment.objects.filter(class_group=class_group).select_related("student"))
    versions = {
        v.record.student_id: v
        for v in permissions.visible_versions(request.user)
        .filter(class_group=class_group, status__in=CURRENT_STATUSES)
        .select_related("record")
    }
    return [{"student": e.student, "version": versions.get(e.student_id)} for e in enrolments]


@requires(is_records_staff)
@require_GET
def class_records(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = get_object_or_404(
        permissions.visible_record_classes(request.user).select_related("school", "school_year"), pk=pk
    )
    runs = permissions.visible_runs(request.user).filter(class_group=class_group).order_by("-created_at")[:5]
    return render(
        request,
        "records/class_records.html",
        {
            "class_group": class_group,
            "rows": _class_rows(request, class_group),
            "runs": runs,
            "can_assemble": permissions.can_assemble_class(request.user, class_group),
            "paper_year": is_paper_year(class_group.school_id, class_group.school_year_id),
            "issued_count": RecordVersion.objects.filter(class_group=class_group, status=Status.ISSUED).count(),
        },
    )


MAX_CLASS_RECORDS = 80  # a class has at most 35 pupils (Điều lệ); a bigger batch is refused unread


class TooManyRecords(Exception):
    """More issued versions in one class than a download may carry."""


def _too_many(request: HttpRequest) -> HttpResponse:
    message = _("A class download carries at most %(n)d records.") % {"n": MAX_CLASS_RECORDS}
    return render(request, "413.html", {"message": message}, status=413)


def _issued_of_class(request: HttpRequest, pk: int) -> tuple[Any, list[RecordVersion]]:
    """The class (404 outside the reader's scope) and its issued versions, in the class list's
    order; refused (``TooManyRecords``) beyond ``MAX_CLASS_RECORDS``, 404 when nothing is issued."""
    class_group = get_object_or_404(
        permissions.visible_record_classes(request.user).select_related("school", "school_year"), pk=pk
    )
    issued = RecordVersion.objects.filter(class_group=class_group, status=Status.ISSUED).select_related(
        "record__student"
    )
    if issued.count() > MAX_CLASS_RECORDS:
        raise TooManyRecords
    versions = sorted(issued, key=lambda v: name_key(v.record.student.full_name))
    if not versions:
        raise Http404
    return class_group, versions


def _audit_class_read(request: HttpRequest, class_group: Any, versions: list[RecordVersion], action: str) -> None:
    """One event on the class, and a read of each child's record (found under the child's name)."""
    with transaction.atomic():
        audit.record(
            by=request.user,
            action=action,
            obj=class_group,
            school_id=class_group.school_id,
            changes={"records": [None, len(versions)]},
        )
        for version in versions:
            audit.record(by=request.user, action="record.read", obj=version, school_id=version.school_id)


@requires(is_records_staff)
@require_GET
def class_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Every issued record of the class in one zip: each child's signed PDF and XML, named
    ``NN-ten-hoc-sinh-MA.pdf``; bounded (``MAX_CLASS_RECORDS``) and audited."""
    import io
    import zipfile

    try:
        class_group, versions = _issued_of_class(request, pk)
    except TooManyRecords:
        return _too_many(request)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs do not compress
        for number, version in enumerate(versions, start=1):
            stem = f"{number:02d}-{ascii_slug(version.record.student.full_name)}-{version.issuance_code}"
            archive.writestr(f"{stem}.pdf", storage.get(version.signed_pdf_name, version.signed_pdf_sha256))
            if version.signed_xml_name:
                archive.writestr(f"{stem}.xml", storage.get(version.signed_xml_name, version.signed_xml_sha256))
    _audit_class_read(request, class_group, versions, "record.download_class")
    name = f"hoc-ba-{ascii_slug(class_group.name)}-{class_group.school_year.code}.zip"
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(is_records_staff)
@require_GET
def class_print(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """The class's issued records as one printable booklet (a printed copy, not a record); audited."""
    try:
        class_group, versions = _issued_of_class(request, pk)
    except TooManyRecords:
        return _too_many(request)
    content = _booklet_of(versions)
    _audit_class_read(request, class_group, versions, "record.print_class")
    name = f"in-hoc-ba-{ascii_slug(class_group.name)}-{class_group.school_year.code}.pdf"
    return _pdf_response(content, name, inline=True)


@requires(is_records_staff)
@require_POST
def class_assemble(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = get_object_or_404(permissions.visible_record_classes(request.user).select_related("school"), pk=pk)
    try:
        run = actions.start_assembly(
            by=acting_user(request),
            school=class_group.school,
            school_year=class_group.school_year,
            class_group=class_group,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("records:class", pk=class_group.pk)
    return redirect("records:run", pk=run.pk)


def _school_years(school: Any) -> list[SchoolYear]:
    return list(SchoolYear.objects.filter(classes__school=school).distinct().order_by("-code"))


@requires(is_records_staff)
@require_GET
def school_records(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(permissions.visible_record_schools(request.user), pk=pk)
    classes = (
        school.classes.select_related("school_year")
        .annotate(
            students=Count("enrolments", distinct=True),
            current=Count("record_versions", filter=Q(record_versions__status__in=CURRENT_STATUSES), distinct=True),
        )
        .order_by("-school_year__code", "grade", "name")
    )
    pending = (
        CorrectionRequest.objects.filter(version__school=school, state=CorrectionRequest.State.PENDING)
        .select_related("version__record__student", "requested_by")
        .order_by("requested_at")
    )
    return render(
        request,
        "records/school_records.html",
        {
            "school": school,
            "classes": classes,
            "years": _school_years(school),
            "pending": pending,
            "runs": permissions.visible_runs(request.user).filter(school=school).order_by("-created_at")[:5],
            "can_assemble": permissions.can_assemble_school(request.user, school),
            "can_digitise": holds(request.user, Permission.DIGITISE_RECORDS, school=school),
        },
    )


@requires(is_records_staff)
@require_POST
def school_assemble(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(permissions.visible_record_schools(request.user), pk=pk)
    year = next((y for y in _school_years(school) if y.code == request.POST.get("year")), None)
    if year is None:
        messages.error(request, _("Choose the school year to close."))
        return redirect("records:school", pk=school.pk)
    try:
        run = actions.start_assembly(by=acting_user(request), school=school, school_year=year)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("records:school", pk=school.pk)
    return redirect("records:run", pk=run.pk)


@requires(is_records_staff)
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of an assembly run; the htmx partial polls every 2 s until the run ends."""
    run = get_object_or_404(
        permissions.visible_runs(request.user).select_related("school", "class_group", "school_year"), pk=pk
    )
    running = run.state in (run.State.QUEUED, run.State.RUNNING)
    template = "records/_run_progress.html" if getattr(request, "htmx", False) else "records/run_detail.html"
    return render(request, template, {"run": run, "running": running})


@requires(is_records_staff)
@require_POST
def correction_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version_or_404(request, pk)
    if not permissions.can_request_correction(request.user, version):
        raise PermissionDenied
    try:
        actions.request_correction(by=acting_user(request), version=version, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The correction request was sent to the principal."))
    return redirect("records:version", pk=version.pk)


@requires(is_records_staff)
@require_POST
def correction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    correction = get_object_or_404(permissions.visible_corrections(request.user), pk=pk)
    if not permissions.can_decide_correction(request.user, correction.version):
        raise PermissionDenied
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            correction = actions.approve_correction(by=acting_user(request), request=correction)
            assert correction.new_version is not None
            messages.success(request, _("Approved: a new version was assembled and awaits signatures."))
            return redirect("records:version", pk=correction.new_version.pk)
        if decision == "reject":
            actions.reject_correction(
                by=acting_user(request), request=correction, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The correction request was rejected."))
        else:
            messages.error(request, _("Choose approve or reject."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("records:version", pk=correction.version_id)
