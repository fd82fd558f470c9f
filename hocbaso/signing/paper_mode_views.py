"""The officer's paper-mode page: the schools of their commune or province, each school year kept
digitally or on paper, and the switch with a reason (``signing.actions.set_paper_mode``).

Officers see schools, years and the reasons, never a child (docs/security.md). The page lists the
schools where the person may set paper mode today (``SET_PAPER_MODE``); a post about any other
school is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import requires
from hocbaso.directory.models import School, SchoolYear, SchoolYearSetting
from hocbaso.directory.roles import Permission, rule, schools_where
from hocbaso.signing import actions
from hocbaso.signing.paper_mode import anything_signed

may_set_paper_mode = rule(Permission.SET_PAPER_MODE, name="may_set_paper_mode")


class PaperModeForm(forms.Form):
    school = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(widget=forms.HiddenInput)
    paper_mode = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=1000, required=False)


@dataclass
class Row:
    school: School
    year: SchoolYear
    setting: SchoolYearSetting | None
    signed: bool
    form: PaperModeForm | None = None

    @property
    def paper(self) -> bool:
        return bool(self.setting and self.setting.paper_mode)


def _rows(user: Any, failed: PaperModeForm | None = None) -> list[Row]:
    schools = list(schools_where(user, Permission.SET_PAPER_MODE).order_by("name"))
    years = list(SchoolYear.objects.order_by("-code"))
    settings = {
        (s.school_id, s.school_year_id): s
        for s in SchoolYearSetting.objects.filter(school__in=schools).select_related("paper_mode_changed_by")
    }
    rows = []
    for school in schools:
        for year in years:
            row = Row(school, year, settings.get((school.pk, year.pk)), anything_signed(school, year))
            if failed is not None and (failed.cleaned_data.get("school"), failed.cleaned_data.get("year")) == (
                school.pk,
                year.pk,
            ):
                row.form = failed
            rows.append(row)
    return rows


@requires(may_set_paper_mode)
def paper_mode(request: HttpRequest) -> HttpResponse:
    """GET: the schools and years with their mode; POST: switch one school year (reason required)."""
    failed = None
    if request.method == "POST":
        form = PaperModeForm(request.POST)
        if not form.is_valid():
            raise Http404
        school = schools_where(request.user, Permission.SET_PAPER_MODE).filter(pk=form.cleaned_data["school"]).first()
        year = SchoolYear.objects.filter(pk=form.cleaned_data["year"]).first()
        if school is None or year is None:
            raise Http404
        try:
            setting = actions.set_paper_mode(
                by=request.user,
                school=school,
                school_year=year,
                paper_mode=form.cleaned_data["paper_mode"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            failed = form
        else:
            if setting.paper_mode:
                text = _("%(school)s keeps paper records for %(year)s.")
            else:
                text = _("%(school)s keeps digital records for %(year)s.")
            messages.success(request, text % {"school": school.name, "year": year.code})
            return redirect("signing:paper_mode")
    status = 400 if failed is not None else 200
    return render(request, "signing/paper_mode.html", {"rows": _rows(request.user, failed)}, status=status)
