"""The "sign all" form: which versions, which credential, one authorisation (password or PIN); and
"Tiếp tục" on a stopped batch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hocbaso.signing.models import CredentialKind, SignatureRole, SigningCredential


def _credential_label(credential: SigningCredential) -> str:
    return f"{credential.label} — {CredentialKind(credential.kind).label} — {credential.not_after:%d/%m/%Y}"


class SignBatchForm(forms.Form):
    role = forms.ChoiceField(choices=SignatureRole.choices, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    versions = forms.TypedMultipleChoiceField(coerce=int, widget=forms.CheckboxSelectMultiple, label=_("Records"))
    credential = forms.ModelChoiceField(queryset=SigningCredential.objects.none(), label=_("Certificate"))
    authorisation = forms.CharField(
        label=_("Certificate password or token PIN"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=False,
        required=False,
        help_text=_(
            "Asked once for the whole batch and never stored. With a phone signing app, leave it empty "
            "and approve each record in the app."
        ),
    )

    def __init__(self, *args: Any, credentials: Any, version_ids: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["credential"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = credentials
        field.label_from_instance = _credential_label  # type: ignore[method-assign,assignment]
        versions = self.fields["versions"]
        assert isinstance(versions, forms.TypedMultipleChoiceField)
        versions.choices = [(pk, str(pk)) for pk in version_ids]


class ContinueBatchForm(forms.Form):
    """ "Tiếp tục" on a batch that stopped: the password/PIN again when the stored one is gone."""

    authorisation = forms.CharField(
        label=_("Certificate password or token PIN"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=False,
        required=False,
    )
