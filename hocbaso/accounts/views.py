"""Sign in and out."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import urlencode

from hocbaso.accounts import signin
from hocbaso.accounts.forms import SignInForm
from hocbaso.core.clients import client_address
from hocbaso.core.permissions import public


@public
class LoginView(auth_views.LoginView):
    """The password step: throttled and audited by :func:`signin.check_password`."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        user = form.get_user()
        signin.audit_attempt(action="signin.succeeded", user=user, address=client_address(self.request), by=user)
        return response


@public
class LogoutView(auth_views.LogoutView):
    pass


@public
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login page would bypass throttling and the audit: send it to ours."""
    target = resolve_url("accounts:login")
    next_url = request.GET.get("next", "")
    return HttpResponseRedirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)
