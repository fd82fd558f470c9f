"""Forms for the directory pages. They only parse input; rules live in models and actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import ValidationFailed
from hocbaso.directory import personal_id as pid
from hocbaso.directory.actions import STUDENT_FIELDS
from hocbaso.directory.models import NAME_FIELDS, Appointment, ClassGroup, Role, School, StaffMember, Student
from hocbaso.directory.roles import Permission, holds

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Limit a model choice field to what this school offers."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class StudentForm(forms.ModelForm):
    class Meta:
        model = Student
        fields = STUDENT_FIELDS
        widgets = {"date_of_birth": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["personal_id"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        for name in NAME_FIELDS:  # NUL is refused by the name rule (one Vietnamese message), not Django's
            field = self.fields[name]
            field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def clean_personal_id(self) -> str:
        try:
            return pid.validate_format(self.cleaned_data.get("personal_id"))
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from None


class EnrolmentForm(forms.Form):
    class_group = forms.ModelChoiceField(queryset=ClassGroup.objects.none(), label=_("class"))
    start_date = forms.DateField(label=_("start date"), widget=DATE_INPUT)
    end_date = forms.DateField(label=_("end date"), widget=DATE_INPUT, required=False)
    register_number = forms.CharField(label=_("register number"), max_length=30, required=False)

    def __init__(self, *args: Any, school: School, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "class_group", ClassGroup.objects.filter(school=school).select_related("school_year"))


STAFF_ROLES = (Role.HOMEROOM_TEACHER, Role.SUBJECT_TEACHER, Role.CLERK)
SCHOOL_HEAD_ROLES = (Role.PRINCIPAL, Role.VICE_PRINCIPAL)


class AppointmentForm(forms.Form):
    """The school's appointments. The principal chooses among teachers and the clerk; the operator
    also among principal and vice-principal, and may give a reason to start before today."""

    staff = forms.ModelChoiceField(queryset=StaffMember.objects.none(), label=_("staff member"))
    role = forms.ChoiceField(label=_("role"), choices=[(r.value, r.label) for r in STAFF_ROLES])
    class_group = forms.ModelChoiceField(queryset=ClassGroup.objects.none(), label=_("class"), required=False)
    subject_code = forms.CharField(label=_("subject"), max_length=30, required=False)
    valid_from = forms.DateField(label=_("valid from"), widget=DATE_INPUT)
    valid_to = forms.DateField(label=_("valid to"), widget=DATE_INPUT, required=False)
    backdate_reason = forms.CharField(
        label=_("reason for starting before the day recorded"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, school: School, by: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if holds(by, Permission.APPOINT_HEADS):
            role = self.fields["role"]
            assert isinstance(role, forms.ChoiceField)
            role.choices = [(r.value, r.label) for r in (*SCHOOL_HEAD_ROLES, *STAFF_ROLES)]
        if not holds(by, Permission.BACKDATE_APPOINTMENT):
            del self.fields["backdate_reason"]
        # Nobody appoints themselves: the action refuses it too (every channel).
        _choices(self, "staff", StaffMember.objects.filter(school=school).exclude(user_id=getattr(by, "pk", 0) or 0))
        _choices(self, "class_group", ClassGroup.objects.filter(school=school).select_related("school_year"))


__all__ = ["Appointment", "AppointmentForm", "EnrolmentForm", "StudentForm"]
