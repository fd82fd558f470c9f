"""Forms of readiness and supervision; the rules are the actions' (refusals shown on the field)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hocbaso.directory.models import School
from hocbaso.reporting.readiness.models import Intention, Internet
from hocbaso.reporting.readiness.rules import MAX_COUNT

FOLLOW_UP_LINES = 3


class DeclarationForm(forms.Form):
    computers = forms.IntegerField(
        label=_("computers usable for entering and signing"), min_value=0, max_value=MAX_COUNT
    )
    internet = forms.ChoiceField(label=_("internet connection"), choices=Internet.choices)
    staff_total = forms.IntegerField(label=_("teachers and managers"), min_value=0, max_value=MAX_COUNT)
    certified_staff = forms.IntegerField(
        label=_("staff holding a personal signing certificate"), min_value=0, max_value=MAX_COUNT
    )
    trained_staff = forms.IntegerField(label=_("staff trained in digital records"), min_value=0, max_value=MAX_COUNT)
    intention = forms.ChoiceField(label=_("this school year"), choices=Intention.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class VisitForm(forms.Form):
    school: forms.ModelChoiceField = forms.ModelChoiceField(label=_("school"), queryset=School.objects.none())
    visited_on = forms.DateField(label=_("date of the visit"), widget=forms.DateInput(attrs={"type": "date"}))
    findings = forms.CharField(label=_("findings"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: object, schools: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        for n in range(1, FOLLOW_UP_LINES + 1):
            self.fields[f"follow_up_{n}"] = forms.CharField(
                label=_("follow-up %(n)d") % {"n": n}, required=False, max_length=1000
            )
            self.fields[f"due_{n}"] = forms.DateField(
                label=_("due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for n in range(1, FOLLOW_UP_LINES + 1):
            if data.get(f"follow_up_{n}") and not data.get(f"due_{n}"):
                self.add_error(f"due_{n}", _("Give the date by which it is to be done."))
        return data

    def follow_ups(self) -> list[tuple[str, object]]:
        data = self.cleaned_data
        return [
            (data[f"follow_up_{n}"], data[f"due_{n}"])
            for n in range(1, FOLLOW_UP_LINES + 1)
            if data.get(f"follow_up_{n}") or data.get(f"due_{n}")
        ]


class CorrectionForm(forms.Form):
    findings = forms.CharField(label=_("findings"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    reason = forms.CharField(label=_("reason for the correction"), max_length=1000)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=1000)
