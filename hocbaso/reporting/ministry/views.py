"""Pages of the province officer for the Ministry export: prepare and seal a batch, review its
counts, send it, follow the log and the answer for each row. Counts and codes only: an officer
never sees a child's name, ratings or comments (docs/security.md), so rows are shown by the
record's identifier, version and school code."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hocbaso.core.body_limits import accepts_upload
from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import requires
from hocbaso.directory.models import SchoolYear
from hocbaso.reporting.forms import MAX_SEAL_BYTES
from hocbaso.reporting.ministry import actions, answers, permissions
from hocbaso.reporting.ministry.forms import PrepareForm, SealForm
from hocbaso.reporting.ministry.models import SENDABLE, RowOutcome, SubmissionState
from hocbaso.reporting.seals.pages import seal_upload_page


@requires(permissions.is_department_officer)
def home(request: HttpRequest) -> HttpResponse:
    departments = permissions.departments_for(request.user)
    if len(departments) == 1:
        return redirect("ministry:department", pk=departments[0].pk)
    return render(request, "ministry/home.html", {"departments": departments})


def _year(request: HttpRequest) -> SchoolYear | None:
    years = SchoolYear.objects.order_by("-start_date")
    chosen = years.filter(code=request.GET.get("year", "")).first()
    return chosen or years.first()


@requires(permissions.is_department_officer)
def department(request: HttpRequest, pk: int) -> HttpResponse:
    """The Sở's page: choose a year, read the counts, seal and send; the log of batches."""
    dept = permissions.department_or_404(request.user, pk)
    year = _year(request)
    full = request.GET.get("full") == "1"
    form = PrepareForm(request.POST or None, initial={"full": full})
    if request.method == "POST" and year is not None and form.is_valid():
        try:
            submission = actions.request_batch(
                by=request.user,
                department=dept,
                school_year=year,
                authorisation=form.cleaned_data["authorisation"],
                full=form.cleaned_data["full"],
                request_key=form.cleaned_data["request_key"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("The batch is being prepared and sealed; it is sent to the Ministry as soon as it is ready.")
            )
            return redirect("ministry:submission", pk=submission.pk)
    preview = actions.preview(dept, year, full=full) if year is not None else None
    problems = [(answers.reason(code), count) for code, count in sorted(preview.problems.items())] if preview else []
    context = {
        "department": dept,
        "year": year,
        "years": SchoolYear.objects.order_by("-start_date"),
        "full": full,
        "preview": preview,
        "problems": problems,
        "form": form,
        "submissions": dept.submissions.select_related("school_year", "created_by")[:50],
    }
    return render(request, "ministry/department.html", context)


@requires(permissions.is_department_officer)
@accepts_upload(MAX_SEAL_BYTES, field="file")
def seal(request: HttpRequest, pk: int) -> HttpResponse:
    """Register the Sở's organisation certificate as the seal of its batches."""
    dept = permissions.department_or_404(request.user, pk)
    return seal_upload_page(
        request,
        register=partial(actions.register_seal, by=request.user, department=dept),
        form_class=SealForm,
        done=_("The department's seal is registered."),
        done_url=reverse("ministry:department", args=[dept.pk]),
        template="ministry/seal.html",
        context={"department": dept},
    )


def _attempt(attempt: dict[str, Any]) -> tuple[dt.datetime | None, str, str]:
    """(when, status, what the officer reads) of one logged attempt."""
    try:
        when = dt.datetime.fromisoformat(str(attempt.get("at", "")))
    except ValueError:
        when = None
    detail = str(attempt.get("detail", ""))
    return when, str(attempt.get("status", "")), answers.reason(detail) if detail in answers.REASONS else ""


@requires(permissions.is_department_officer)
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch: who sealed it and when, its hash, every attempt, and the answer for each row
    refused (the accepted ones are counted)."""
    found = permissions.submission_or_404(request.user, pk)
    refused = found.rows.filter(outcome=RowOutcome.REJECTED).select_related("school")[:500]
    rows = [(row, answers.reason(row.code)) for row in refused]
    errors = [(error, answers.reason(str(error.get("code", "")))) for error in found.errors]
    context = {
        "submission": found,
        "preparing": found.state == SubmissionState.PREPARING,
        "rows": rows,
        "errors": errors,
        "pending": found.rows.filter(outcome=RowOutcome.PENDING).count(),
        "may_retry": found.state in SENDABLE,
        "attempts": [_attempt(a) for a in found.attempt_log],
    }
    template = "ministry/_progress.html" if getattr(request, "htmx", False) else "ministry/submission.html"
    return render(request, template, context)


@requires(permissions.is_department_officer)
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    found = permissions.submission_or_404(request.user, pk)
    try:
        actions.retry(by=request.user, submission=found)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The batch is being sent again (the same sealed batch)."))
    return redirect("ministry:submission", pk=found.pk)
