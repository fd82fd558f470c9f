"""The reporting pages: a dashboard per unit (province → commune/ward or legacy district →
school → class), the school's dashboard for its principal, periodic reports with their progress
and downloads. Counts only — no page here names a child.

Every view carries the ``view_reports`` rule; the object asked for is then checked against the
dated scope for the chosen year (404 outside it, the same answer as for an object that does not
exist). ``?year=<code>&point=<code>`` choose the school year and the assessment point.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hocbaso.core import clock
from hocbaso.core.body_limits import accepts_upload
from hocbaso.core.errors import DomainError
from hocbaso.core.permissions import requires
from hocbaso.directory.models import AdministrativeUnit, ClassGroup, School, SchoolYear
from hocbaso.reporting import actions, charts, figures, files, permissions
from hocbaso.reporting.exports import RESULT_LABELS, columns
from hocbaso.reporting.forms import MAX_SEAL_BYTES
from hocbaso.reporting.models import ReportRun
from hocbaso.reporting.permissions import may_view_reports
from hocbaso.reporting.seals.pages import seal_upload_page
from hocbaso.signing import actions as signing_actions
from hocbaso.signing import seals

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "seal": "application/xml",
}
SUFFIXES = {"xlsx": "xlsx", "pdf": "pdf", "seal": "xlsx.seal.xml"}


def _default_point(school_year: SchoolYear) -> str:
    """The latest point whose date has come (the first one before the year's first point)."""
    today = clock.today()
    dates = [
        (figures.Point.MID1, school_year.mid_term1_date),
        (figures.Point.END1, school_year.end_term1_date),
        (figures.Point.MID2, school_year.mid_term2_date),
        (figures.Point.YEAR_END, school_year.year_end_date),
    ]
    reached = [point for point, day in dates if day <= today]
    return reached[-1] if reached else figures.Point.MID1


def _choose(request: HttpRequest, years: list[SchoolYear]) -> tuple[SchoolYear, str]:
    """The year and point asked for (404 for a year outside ``years`` or an unknown point)."""
    if not years:
        raise Http404
    code = request.GET.get("year")
    year = years[0] if not code else next((y for y in years if y.code == code), None)
    if year is None:
        raise Http404
    point = request.GET.get("point") or _default_point(year)
    if point not in figures.POINTS:
        raise Http404
    return year, point


def _selectors(years: list[SchoolYear], year: SchoolYear, point: str) -> dict[str, Any]:
    return {
        "years": years,
        "year": year,
        "point": point,
        "points": [(p.value, p.label) for p in figures.POINTS],
        "query": f"?year={year.code}&point={point}",
    }


def _charts(report: figures.Report, series: list[Any], *, rows_label: str) -> dict[str, Any]:
    progress = [(r.name, r.counts.cells_percent, r.counts.issued_percent) for r in report.rows]
    return {
        "progress_chart": charts.progress_bars(
            _("Progress per %(what)s") % {"what": rows_label}, progress, (_("Cells entered"), _("Records issued"))
        ),
        "results_chart": charts.stacked_results(
            _("Year results by grade"),
            figures.results_by_grade(report.total.results),
            RESULT_LABELS,
            _("Grade"),
        ),
        "backlog_chart": charts.backlog_line(
            _("Records awaiting the school seal"), series, _("No record has been frozen this year yet.")
        ),
        "results_rows": figures.results_by_grade(report.total.results),
        "result_labels": RESULT_LABELS,
    }


@requires(may_view_reports)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Where a person's reporting starts: straight to their only dashboard, else a list."""
    units = permissions.home_units(request.user)
    schools = list(permissions.home_schools(request.user))
    if len(units) + len(schools) == 1:
        target = (
            reverse("reporting:unit", args=[units[0].pk])
            if units
            else reverse("reporting:school", args=[schools[0].pk])
        )
        return redirect(target)
    return render(request, "reporting/index.html", {"units": units, "schools": schools})


@requires(may_view_reports)
@require_GET
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(AdministrativeUnit, pk=pk)
    scope = permissions.Scope(request.user)
    year, point = _choose(request, scope.years)
    if not scope.can_view_unit(found, year):
        raise Http404
    report = figures.unit_report(found, year, point, scope=scope.schools(year))
    series = figures.backlog([r.pk for r in report.rows], year)
    query = f"?year={year.code}&point={point}"
    child_lines = [
        {
            "label": child.name if child is not None else _("Linked to the unit itself"),
            "url": reverse("reporting:unit", args=[child.pk]) + query if child is not None else "",
            "counts": counts,
        }
        for child, counts in report.children
    ]
    school_lines = [
        {
            "label": row.name,
            "url": reverse("reporting:school", args=[row.pk]) + query,
            "counts": row.counts,
            "paper": row.paper_mode,
            "window_open": row.window_open,
        }
        for row in report.rows
    ]
    context = {
        "unit": found,
        "report": report,
        "child_lines": child_lines,
        "school_lines": school_lines,
        "columns": columns(),
        "parent": found.parent
        if found.parent and permissions.can_view_unit(request.user, found.parent, year)
        else None,
        "runs": ReportRun.objects.filter(unit=found, school_year=year)[:5],
        **_report_form(request.user, found),
        **_selectors(scope.years, year, point),
        **_charts(report, series, rows_label=_("school")),
    }
    return render(request, "reporting/unit.html", context)


def _report_form(user: Any, subject: AdministrativeUnit | School) -> dict[str, Any]:
    """The report form of ``subject``'s page: whether ``user`` applies its seal (the unit's, the
    school's) and which seal it is — the form asks for its password only then (``signing.seals``)
    — and the form's one-time key (a second submission finds the first one's run)."""
    may_seal = seals.may_apply(user, subject)
    return {
        "may_seal": may_seal,
        "seal": seals.current(subject) if may_seal else None,
        "request_key": uuid.uuid4().hex,
    }


def _school_years(user: Any, school: School) -> list[SchoolYear]:
    scope = permissions.Scope(user)
    return [y for y in scope.years if scope.has_school(school, y)]


@requires(may_view_reports)
@require_GET
def school(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(School, pk=pk)
    years = _school_years(request.user, found)
    year, point = _choose(request, years)
    report = figures.school_report(found, year, point)
    query = f"?year={year.code}&point={point}"
    class_lines = [
        {"label": row.name, "url": reverse("reporting:class", args=[row.pk]) + query, "counts": row.counts}
        for row in report.rows
    ]
    context = {
        "school": found,
        "report": report,
        "class_lines": class_lines,
        "columns": columns(),
        "paper_mode": bool(report.total.paper_schools),
        "window_open": bool(report.total.windows_open),
        "units": found.managing_units(min(clock.today(), year.end_date)),
        "runs": ReportRun.objects.filter(school=found, school_year=year)[:5],
        **_report_form(request.user, found),
        **_selectors(years, year, point),
        **_charts(report, figures.backlog([found.pk], year), rows_label=_("class")),
    }
    return render(request, "reporting/school.html", context)


@requires(may_view_reports)
@require_GET
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(ClassGroup.objects.select_related("school", "school_year"), pk=pk)
    if not permissions.can_view_class(request.user, found):
        raise Http404
    year = found.school_year
    point = request.GET.get("point") or _default_point(year)
    if point not in figures.POINTS:
        raise Http404
    row = figures.class_counts(found, point)
    context = {
        "class_group": found,
        "row": row,
        "columns": columns(),
        "deadline": figures.deadline_of(year, point),
        "results_rows": figures.results_by_grade(row.counts.results),
        "result_labels": RESULT_LABELS,
        **_selectors([year], year, point),
    }
    return render(request, "reporting/class.html", context)


def _start(
    request: HttpRequest, *, unit: AdministrativeUnit | None = None, school: School | None = None
) -> HttpResponse:
    years = permissions.years_for(request.user)
    year = next((y for y in years if y.code == request.POST.get("year")), None)
    subject: Any = unit if unit is not None else school
    back = reverse("reporting:unit" if unit is not None else "reporting:school", args=[subject.pk])
    if year is None:
        messages.error(request, _("Choose the school year."))
        return redirect(back)
    try:
        run = actions.start_report(
            by=request.user,
            school_year=year,
            point=request.POST.get("point", "year_end"),
            unit=unit,
            school=school,
            seal_authorisation=request.POST.get("seal_authorisation", ""),
            request_key=request.POST.get("request_key", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(back)
    return redirect("reporting:run", pk=run.pk)


@requires(may_view_reports)
@require_POST
def unit_generate(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(AdministrativeUnit, pk=pk)
    if not permissions.reaches_unit(request.user, found):
        raise Http404
    return _start(request, unit=found)


@requires(may_view_reports)
@require_POST
def school_generate(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(School, pk=pk)
    if not _school_years(request.user, found):
        raise Http404
    return _start(request, school=found)


def _run_or_404(request: HttpRequest, pk: int) -> ReportRun:
    run = get_object_or_404(ReportRun.objects.select_related("unit", "school", "school_year"), pk=pk)
    if not permissions.can_see_run(request.user, run):
        raise Http404
    return run


@requires(may_view_reports)
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of a report; the htmx partial polls every 2 s until it ends."""
    run = _run_or_404(request, pk)
    running = run.state in (ReportRun.State.QUEUED, ReportRun.State.RUNNING)
    template = "reporting/_run_progress.html" if getattr(request, "htmx", False) else "reporting/run.html"
    return render(request, template, {"run": run, "running": running})


@requires(may_view_reports)
@require_GET
def run_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A stored file of the report: ``xlsx``, ``pdf`` (sealed when the run was) or ``seal`` (the
    detached seal document of the .xlsx), checked against its recorded SHA-256."""
    run = _run_or_404(request, pk)
    stored = {
        "xlsx": (run.xlsx_name, run.xlsx_sha256),
        "pdf": (run.pdf_name, run.pdf_sha256),
        "seal": (run.seal_name, run.seal_sha256),
    }
    name, digest = stored.get(kind, ("", ""))
    if not name:
        raise Http404
    content = files.read(name, digest)
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{files.file_name(run, SUFFIXES[kind])}"'
    response["Cache-Control"] = "private, no-store"
    return response


@requires(may_view_reports)
@accepts_upload(MAX_SEAL_BYTES, field="file")
def unit_seal(request: HttpRequest, pk: int) -> HttpResponse:
    """Register the unit's organisation certificate as its seal: an officer of that very unit only
    (everyone else, officers of the units above or below included, 404)."""
    found = get_object_or_404(AdministrativeUnit, pk=pk)
    if not seals.may_apply(request.user, found):
        raise Http404
    return seal_upload_page(
        request,
        register=partial(signing_actions.register_unit_seal, by=request.user, unit=found),
        done=_("The unit's seal is registered."),
        done_url=reverse("reporting:unit", args=[found.pk]),
        template="reporting/seal.html",
        context={"unit": found, "current": seals.current(found)},
    )
