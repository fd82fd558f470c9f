"""Forms of the reporting pages. They only shape input; every rule is in ``actions`` and
``signing.credentials``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class UnitSealForm(forms.Form):
    file = forms.FileField(label=_("Certificate file of the unit (PKCS#12, .p12 or .pfx)"))
    password = forms.CharField(
        label=_("Password of the certificate file"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=False,
    )
    label = forms.CharField(max_length=200, label=_("Label"))
