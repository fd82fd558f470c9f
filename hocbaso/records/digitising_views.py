"""Digitising pages: a school's paper books being digitised, the scan upload, one book's page
(scan, transcription form, comparison), its scan file and the progress of a batch.

Every view needs ``digitise_records`` somewhere (principal, vice-principal, clerk) and fetches
books through :func:`records.digitising.visible_books` scoped to the schools where the person
digitises (404 outside). Opening a book or its scan is a staff read of a child's record: audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocbaso.accounts.acting import acting_user
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.audit import actions as audit
from hocbaso.core.body_limits import accepts_upload
from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import requires
from hocbaso.directory.models import ClassGroup, School
from hocbaso.directory.roles import Permission, rule, schools_where
from hocbaso.records import digitising_actions, scans, storage
from hocbaso.records.digitising_forms import ScanForm, TranscriptionForm
from hocbaso.records.digitising_models import BookState, DigitisationRun, DigitisedBook
from hocbaso.records.views import _pdf_response

is_digitising_staff = rule(Permission.DIGITISE_RECORDS, name="is_digitising_staff")
FORM_BYTES = 64 * 1024


def _schools(request: HttpRequest) -> Any:
    return schools_where(request.user, Permission.DIGITISE_RECORDS)


def _books(request: HttpRequest) -> Any:
    return DigitisedBook.objects.filter(school__in=_schools(request))


def _book_or_404(request: HttpRequest, pk: int) -> DigitisedBook:
    return get_object_or_404(
        _books(request).select_related(
            "school", "school_year", "class_group", "student", "uploaded_by", "transcribed_by", "compared_by", "version"
        ),
        pk=pk,
    )


@requires(is_digitising_staff)
@require_GET
def school_books(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(_schools(request), pk=pk)
    books = DigitisedBook.objects.filter(school=school).select_related(
        "student", "class_group", "school_year", "version"
    )
    runs = DigitisationRun.objects.filter(school=school).order_by("-created_at")[:10]
    return render(request, "digitising/school_books.html", {"school": school, "books": books, "runs": runs})


def _scan_limit() -> int:
    return scans.MAX_BYTES + FORM_BYTES


@requires(is_digitising_staff)
@require_http_methods(["GET", "POST"])
@accepts_upload(_scan_limit, field="scan")
def scan_upload(request: HttpRequest, pk: int) -> HttpResponse:
    school: School = get_object_or_404(_schools(request), pk=pk)
    classes = (
        ClassGroup.objects.filter(school=school).select_related("school_year").order_by("-school_year__code", "name")
    )
    form = ScanForm(request.POST or None, request.FILES or None, classes=classes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            book = digitising_actions.upload_scan(
                by=acting_user(request),
                student=data["student"],
                class_group=data["class_group"],
                files=[upload.read() for upload in request.FILES.getlist("scan")],
                book_number=data["book_number"],
                original_pages=data["original_pages"],
                original_date=data["original_date"],
                printed_homeroom=data["printed_homeroom"],
                printed_principal=data["printed_principal"],
                printed_principal_title=data["printed_principal_title"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The scan is stored. Type the year's results from it."))
            return redirect("records:digitised_book", pk=book.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "digitising/scan_upload.html",
        {"school": school, "form": form, "max_mb": scans.MAX_BYTES // (1024 * 1024), "max_pages": scans.MAX_PAGES},
        status=status,
    )


def _book_page(
    request: HttpRequest, book: DigitisedBook, form: TranscriptionForm | None = None, status: int = 200
) -> HttpResponse:
    editable = book.state in (BookState.SCANNED, BookState.TRANSCRIBED)
    if form is None and editable:
        form = TranscriptionForm(catalogue=catalogue_for_class(book.class_group), initial_values=book.transcription)
    return render(
        request,
        "digitising/book_detail.html",
        {
            "book": book,
            "form": form if editable else None,
            "may_compare": book.state == BookState.TRANSCRIBED and book.transcribed_by_id != request.user.pk,
            "own_transcription": book.transcribed_by_id == request.user.pk,
            "year": book.transcription,
        },
        status=status,
    )


@requires(is_digitising_staff)
@require_GET
def book_detail(request: HttpRequest, pk: int) -> HttpResponse:
    book = _book_or_404(request, pk)
    audit.record(by=request.user, action="digitising.read", obj=book, school_id=book.school_id)
    return _book_page(request, book)


@requires(is_digitising_staff)
@require_GET
def book_scan(request: HttpRequest, pk: int) -> FileResponse:
    book = _book_or_404(request, pk)
    audit.record(by=request.user, action="digitising.read_scan", obj=book, school_id=book.school_id)
    return _pdf_response(storage.get(book.scan_name, book.scan_sha256), "ban-quet.pdf", inline=True)


@requires(is_digitising_staff)
@require_POST
def book_transcribe(request: HttpRequest, pk: int) -> HttpResponse:
    book = _book_or_404(request, pk)
    form = TranscriptionForm(request.POST, catalogue=catalogue_for_class(book.class_group))
    if form.is_valid():
        try:
            digitising_actions.transcribe(by=acting_user(request), book=book, values=form.values())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Transcription saved. A colleague now compares it with the scan."))
            return redirect("records:digitised_book", pk=book.pk)
    return _book_page(request, book, form, status=400)


@requires(is_digitising_staff)
@require_POST
def book_compare(request: HttpRequest, pk: int) -> HttpResponse:
    book = _book_or_404(request, pk)
    try:
        version = digitising_actions.compare(by=acting_user(request), book=book)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("records:digitised_book", pk=book.pk)
    messages.success(
        request,
        _("Compared. The digitised copy %(code)s now waits for the school seal (Signing).")
        % {"code": version.issuance_code},
    )
    return redirect("records:digitised_book", pk=book.pk)


@requires(is_digitising_staff)
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of a batch of paper books; the htmx partial polls every 2 s until it ends."""
    run = get_object_or_404(
        DigitisationRun.objects.filter(school__in=_schools(request)).select_related("school"), pk=pk
    )
    running = run.state in (run.State.QUEUED, run.State.RUNNING)
    template = "digitising/_run_progress.html" if getattr(request, "htmx", False) else "digitising/run_detail.html"
    return render(request, template, {"run": run, "running": running})
