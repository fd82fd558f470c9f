"""The reset page: a principal resets the password of their school's staff, the operator anyone's
(and may remove a lost second factor). The new password is shown once, to hand over."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from hocbaso.accounts import actions
from hocbaso.accounts.models import User
from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import requires
from hocbaso.directory.staff_accounts import may_reset, resettable


class ResetForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    reason = forms.CharField(label=_("Reason (kept in the audit log)"), max_length=200, required=False)
    second_factor = forms.BooleanField(
        label=_("Also remove their second factor (lost phone): they set it up again at the next sign-in"),
        required=False,
    )

    def __init__(self, *args: object, operator: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not operator:
            del self.fields["second_factor"]


@requires(may_reset, "may_reset_passwords")
@sensitive_variables("password")
def password_reset(request: HttpRequest) -> HttpResponse:
    by = request.user
    assert isinstance(by, User)
    form = ResetForm(request.POST or None, operator=by.is_superuser)
    allowed = resettable(by)
    if request.method == "POST" and form.is_valid():
        user = allowed.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            form.add_error("username", _("No one you may reset has this username."))
        else:
            try:
                reason = form.cleaned_data["reason"]
                password = actions.reset_password(by=by, user=user, reason=reason)
                if form.cleaned_data.get("second_factor"):
                    actions.reset_second_factor(by=by, user=user, reason=reason)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return render(request, "directory/password_reset_done.html", {"person": user, "password": password})
    staff = None if by.is_superuser else allowed.order_by("username")
    return render(request, "directory/password_reset.html", {"form": form, "staff": staff})
