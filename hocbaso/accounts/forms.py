"""The sign-in form: Django's, with the password checked through :func:`signin.check_password`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
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
