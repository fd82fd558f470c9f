"""Forms of the portal: they only parse; rules live in ``actions.py``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hocbaso.portal.actions import DEFAULT_SHARE_DAYS, MAX_COPIES, MAX_SHARE_DAYS

DATE_INPUTS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


class ActivationForm(forms.Form):
    code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        help_text=_("12 letters and digits printed on the letter, e.g. 7K3M-Q9TD-2XWP."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    date_of_birth = forms.DateField(
        label=_("Child's date of birth"),
        input_formats=DATE_INPUTS,
        help_text=_("day/month/year, e.g. 04/03/2017"),
        widget=forms.DateInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "dd/mm/yyyy"}),
    )
    display_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    username = forms.CharField(
        label=_("Choose a login name"),
        max_length=40,
        required=False,
        help_text=_("e.g. your phone number; lower-case letters without accents, digits, dots and dashes."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        required=False,
        strip=False,
        help_text=_("At least 8 characters."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: object, adding_child: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.adding_child = adding_child
        if adding_child:
            for name in ("display_name", "username", "password", "password2"):
                del self.fields[name]
        else:
            self.fields["username"].required = True
            self.fields["password"].required = True
            self.fields["password2"].required = True

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not self.adding_child and data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class ShareForm(forms.Form):
    years = forms.MultipleChoiceField(
        label=_("School years to share"), widget=forms.CheckboxSelectMultiple, required=False
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        initial=DEFAULT_SHARE_DAYS,
        help_text=_("From 1 to %(max)d days; 30 unless you change it.") % {"max": MAX_SHARE_DAYS},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    pin = forms.CharField(
        label=_("PIN (optional)"),
        required=False,
        max_length=8,
        help_text=_("4 to 8 digits. Tell it to the recipient separately, not with the link."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    label = forms.CharField(
        label=_("For whom (optional, only you see it)"),
        required=False,
        max_length=150,
    )

    def __init__(self, *args: object, year_choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        years = self.fields["years"]
        assert isinstance(years, forms.MultipleChoiceField)
        years.choices = year_choices


class OpenShareForm(forms.Form):
    viewer = forms.CharField(
        label=_("Your name or organisation"),
        max_length=150,
        help_text=_("The family sees who opened the link and when."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    pin = forms.CharField(
        label=_("PIN given by the family"),
        required=False,
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class LettersForm(forms.Form):
    copies = forms.IntegerField(
        label=_("Letters per student"),
        min_value=1,
        max_value=MAX_COPIES,
        initial=2,
        help_text=_("One for each guardian (e.g. 2: father and mother)."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
