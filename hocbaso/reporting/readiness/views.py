"""Pages of readiness (declare, roll up), supervision (visits, follow-ups) and the training guides.

Every view carries one rule; objects come from the scoped querysets of ``scope.py`` (404 outside
them); the actions decide and audit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hocbaso.core import clock
from hocbaso.core.errors import DomainError, PermissionRefused
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import login_required, public, requires
from hocbaso.directory import roles
from hocbaso.directory.models import School, SchoolYear, SchoolYearSetting
from hocbaso.directory.roles import Permission as P
from hocbaso.reporting.readiness import actions, figures, guides, rules, scope
from hocbaso.reporting.readiness.forms import CorrectionForm, DeclarationForm, NoteForm, VisitForm
from hocbaso.reporting.readiness.models import ReadinessDeclaration


def _year(request: HttpRequest) -> SchoolYear:
    """The school year asked (``?year=2024-2025``), else the one running today, else the latest begun."""
    code = request.GET.get("year") or request.POST.get("year")
    if code:
        year = SchoolYear.objects.filter(code=code).first()
        if year is None:
            raise Http404
        return year
    today = clock.today()
    year = SchoolYear.objects.filter(start_date__lte=today).order_by("-start_date").first()
    year = year or SchoolYear.objects.order_by("start_date").first()
    if year is None:
        raise Http404
    return year


@requires(roles.rule(P.VIEW_READINESS))
def rollup(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    data = figures.rollup(request.user, year)
    return render(
        request,
        "readiness/rollup.html",
        {"year": year, "years": SchoolYear.objects.order_by("-start_date"), "rollup": data},
    )


def _school_in_year(request: HttpRequest, pk: int, year: SchoolYear) -> School:
    return get_object_or_404(scope.readiness_schools(request.user, year), pk=pk)


@requires(roles.rule(P.VIEW_READINESS))
def school_readiness(request: HttpRequest, pk: int) -> HttpResponse:
    year = _year(request)
    school = _school_in_year(request, pk, year)
    history = ReadinessDeclaration.objects.filter(school=school, school_year=year).select_related("declared_by")
    setting = SchoolYearSetting.objects.filter(school=school, school_year=year).first()
    return render(
        request,
        "readiness/school.html",
        {
            "school": school,
            "year": year,
            "years": SchoolYear.objects.order_by("-start_date"),
            "history": list(history),
            "current": history.first(),
            "paper_mode": bool(setting and setting.paper_mode),
            "certified_computed": figures.certified_staff_counts([school.pk], year).get(school.pk, 0),
            "may_declare": scope.may_declare(request.user, school) and year.end_date >= clock.today(),
        },
    )


@requires(roles.rule(P.DECLARE_READINESS))
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    year = _year(request)
    school = get_object_or_404(School.objects.all(), pk=pk)
    if not scope.may_declare(request.user, school):
        raise Http404
    current = actions.latest_declaration(school, year)
    initial = {name: getattr(current, name) for name in actions.DECLARED_FIELDS} if current else {}
    form = DeclarationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.declare(by=request.user, school=school, school_year=year, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The school's conditions are declared."))
            return redirect(reverse("readiness:school", args=[school.pk]) + f"?year={year.code}")
    return render(request, "readiness/declare.html", {"school": school, "year": year, "form": form, "current": current})


# --- supervision -------------------------------------------------------------------------------


@requires(roles.rule(P.VIEW_SUPERVISION))
def supervision(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    follow_ups = list(
        scope.visible_follow_ups(request.user).exclude(state=rules.FollowUpState.CONFIRMED).order_by("due_on")
    )
    per_school: dict[int, dict[str, Any]] = {}
    for follow_up in follow_ups:
        follow_up.overdue = rules.is_overdue(follow_up.state, follow_up.due_on, today=today)  # type: ignore[attr-defined]
        line = per_school.setdefault(
            follow_up.visit.school_id, {"school": follow_up.visit.school, "open": 0, "overdue": 0, "done": 0}
        )
        line["open"] += follow_up.state == rules.FollowUpState.OPEN
        line["done"] += follow_up.state == rules.FollowUpState.DONE
        line["overdue"] += follow_up.overdue  # type: ignore[attr-defined]
    return render(
        request,
        "readiness/supervision.html",
        {
            "visits": scope.visible_visits(request.user)[:100],
            "per_school": sorted(per_school.values(), key=lambda line: line["school"].name),
            "overdue": [f for f in follow_ups if f.overdue],  # type: ignore[attr-defined]
            "may_record": roles.holds(request.user, P.RECORD_SUPERVISION),
        },
    )


@requires(roles.rule(P.RECORD_SUPERVISION))
def visit_new(request: HttpRequest) -> HttpResponse:
    form = VisitForm(request.POST or None, schools=scope.schools_to_supervise(request.user).order_by("name"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = actions.record_visit(
                by=request.user,
                school=data["school"],
                visited_on=data["visited_on"],
                findings=data["findings"],
                follow_ups=form.follow_ups(),  # type: ignore[arg-type]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The visit is recorded."))
            return redirect("readiness:visit", pk=visit.pk)
    return render(request, "readiness/visit_form.html", {"form": form, "max_age": rules.MAX_VISIT_AGE_DAYS})


@requires(roles.rule(P.VIEW_SUPERVISION))
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(scope.visible_visits(request.user), pk=pk)
    today = clock.today()
    follow_ups = list(visit.follow_ups.prefetch_related("events__by"))
    for follow_up in follow_ups:
        follow_up.overdue = rules.is_overdue(follow_up.state, follow_up.due_on, today=today)  # type: ignore[attr-defined]
    return render(
        request,
        "readiness/visit.html",
        {
            "visit": visit,
            "follow_ups": follow_ups,
            "corrections": visit.corrections.select_related("corrected_by"),
            "may_supervise": scope.may_supervise(request.user, visit),
            "may_answer": roles.holds(request.user, P.ANSWER_FOLLOW_UP, school=visit.school),
        },
    )


@requires(roles.rule(P.RECORD_SUPERVISION))
def visit_correct(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(scope.visible_visits(request.user), pk=pk)
    if not scope.may_supervise(request.user, visit):
        raise Http404
    form = CorrectionForm(request.POST or None, initial={"findings": visit.findings})
    if request.method == "POST" and form.is_valid():
        try:
            actions.correct_findings(by=request.user, visit=visit, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The findings are corrected; the earlier text is kept."))
            return redirect("readiness:visit", pk=visit.pk)
    return render(request, "readiness/visit_correct.html", {"visit": visit, "form": form})


def _answers_or_supervises(user: Any) -> bool:
    return roles.holds_any(user, [P.ANSWER_FOLLOW_UP, P.RECORD_SUPERVISION])


@requires(_answers_or_supervises, "holds:answer_follow_up|record_supervision")
@require_POST
def follow_up_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    follow_up = get_object_or_404(scope.visible_follow_ups(request.user), pk=pk)
    if move not in rules.Move.__members__.values():
        raise Http404
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        actions.move_follow_up(by=request.user, follow_up=follow_up, move=move, note=note)
    except PermissionRefused:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Saved."))
    return redirect("readiness:visit", pk=follow_up.visit_id)


# --- training guides --------------------------------------------------------------------------


@public
def guide_index(request: HttpRequest) -> HttpResponse:
    return render(request, "readiness/guide_index.html", {"guides": guides.GUIDES.values()})


@public
def guide(request: HttpRequest, role: str) -> HttpResponse:
    found = guides.GUIDES.get(role)
    if found is None:
        raise Http404
    return render(request, "readiness/guide.html", {"guide": found, "guides": guides.GUIDES.values()})


@public
def guide_pdf(request: HttpRequest, role: str) -> HttpResponse:
    found = guides.GUIDES.get(role)
    if found is None:
        raise Http404
    response = HttpResponse(guides.render_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="huong-dan-{found.slug}.pdf"'
    return response


@login_required
def my_guide(request: HttpRequest) -> HttpResponse:
    return redirect("readiness:guide", role=guides.role_of(request.user))
