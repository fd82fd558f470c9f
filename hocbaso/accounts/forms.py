"""The sign-in form: Django's, with the password checked through :func:`signin.check_password`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from hocbaso.accounts import signin
from hocbaso.core.errors import DomainError


class SignInForm(AuthenticationForm):
    """Throttled and audited; a refusal (wrong password, lockout) is one message at the top."""

    @sensitive_variables("password")
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            assert self.request is not None
            try:
                self.user_cache = signin.check_password(request=self.request, username=username, password=password)
            except DomainError as exc:
                raise forms.ValidationError(str(exc.message), code=exc.code) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class CodeForm(forms.Form):
    """Six digits from the authenticator app, or one recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not a common password."),
    )
    again = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new") and data.get("again") and data["new"] != data["again"]:
            self.add_error("again", _("The two new passwords differ."))
        return data
