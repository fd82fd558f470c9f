"""Forms of the transfer pages. They only shape input; every rule is in ``actions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hocbaso.directory.models import ClassGroup, School, SchoolYear
from hocbaso.signing.forms import _credential_label
from hocbaso.signing.models import SigningCredential


class DateInput(forms.DateInput):
    input_type = "date"


class RequestForm(forms.Form):
    to_school = forms.ModelChoiceField(
        queryset=School.objects.none(), required=False, label=_("Receiving school (this system)")
    )
    destination = forms.CharField(
        max_length=300,
        required=False,
        label=_("…or a school in another system"),
        help_text=_("Name and address; the record then travels as a signed transfer bundle."),
    )
    school_year = forms.ChoiceField(choices=[], label=_("School year"))
    desired_date = forms.DateField(label=_("Desired date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    requested_by_family = forms.CharField(max_length=200, label=_("Requested by (family member)"))

    def __init__(self, *args: Any, student: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        to_school = self.fields["to_school"]
        assert isinstance(to_school, forms.ModelChoiceField)
        to_school.queryset = School.objects.exclude(pk=student.school_id)
        year = self.fields["school_year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = [(y.code, y.code) for y in SchoolYear.objects.all()]


class CredentialForm(forms.Form):
    """A certificate and its password or PIN, asked for each signature and never stored."""

    credential = forms.ModelChoiceField(queryset=SigningCredential.objects.none(), label=_("Certificate"))
    authorisation = forms.CharField(
        label=_("Certificate password or token PIN"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=False,
    )

    def __init__(self, *args: Any, credentials: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["credential"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = credentials
        field.label_from_instance = _credential_label  # type: ignore[method-assign,assignment]
        field.initial = credentials.first()


class AcceptForm(forms.Form):
    to_class = forms.ModelChoiceField(queryset=ClassGroup.objects.none(), label=_("Class"))
    register_number = forms.CharField(max_length=30, required=False, label=_("Register number"))

    def __init__(self, *args: Any, classes: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["to_class"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = classes


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    bundle = forms.FileField(label=_("Transfer bundle (.zip)"))
    to_class = forms.ModelChoiceField(queryset=ClassGroup.objects.none(), required=False, label=_("Class"))

    def __init__(self, *args: Any, classes: Any, credentials: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["to_class"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = classes
        seal = CredentialForm(credentials=credentials)
        self.fields.update(seal.fields)


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))


class TrustForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name of the trusted system"))
    file = forms.FileField(label=_("Trust bundle (.json)"))


class AdmissionExportForm(CredentialForm):
    school_year = forms.ModelChoiceField(queryset=SchoolYear.objects.all(), label=_("School year"))
    recipient = forms.CharField(max_length=300, label=_("Recipient (lower-secondary school or admission board)"))
