"""Forms of the Ministry export pages. They only shape input; every rule is in ``actions``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PrepareForm(forms.Form):
    full = forms.BooleanField(
        required=False,
        label=_("Send everything again"),
        help_text=_("Otherwise only the records the Ministry does not hold yet are sent."),
    )
    authorisation = forms.CharField(
        label=_("Password of the department's seal (certificate password or token PIN)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=False,
    )


class SealForm(forms.Form):
    file = forms.FileField(label=_("Certificate file of the department (PKCS#12, .p12 or .pfx)"))
    password = forms.CharField(
        label=_("Password of the certificate file"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=False,
    )
    label = forms.CharField(max_length=200, label=_("Label"))
