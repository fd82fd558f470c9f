"""Forms of the Ministry export pages. They only shape input; every rule is in ``actions``."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from hocbaso.reporting.forms import UnitSealForm


def _new_key() -> str:
    return uuid.uuid4().hex


class PrepareForm(forms.Form):
    # one key per rendered form: a second submit of the same form finds the batch the first asked for
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False, initial=_new_key)
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


class SealForm(UnitSealForm):
    file = forms.FileField(label=_("Certificate file of the department (PKCS#12, .p12 or .pfx)"))
