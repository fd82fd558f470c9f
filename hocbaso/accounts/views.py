"""Sign in (password, then the second factor), sign out, enrol a second factor, change one's password."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from hocbaso.accounts import actions, second_factor, signin
from hocbaso.accounts.forms import CodeForm, PasswordChangeForm, SignInForm
from hocbaso.accounts.models import User
from hocbaso.core.clients import client_address
from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import login_required, public


@public
class LoginView(auth_views.LoginView):
    """The password step: throttled and audited by :func:`signin.check_password`. A person who
    needs a second factor is sent on to it (the middleware keeps the session closed until then)."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        user = form.get_user()
        pending = second_factor.applies(user)
        signin.audit_attempt(
            action="signin.password_ok" if pending else "signin.succeeded",
            user=user,
            address=client_address(self.request),
            by=user,
        )
        if pending:
            step = "accounts:verify" if second_factor.has_device(user) else "accounts:enrol"
            return HttpResponseRedirect(f"{resolve_url(step)}?{urlencode({'next': response['Location']})}")
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


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url("core:home")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here requires a signed-in user
    return user


@login_required
@sensitive_post_parameters("code")
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = _user(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    if not second_factor.has_device(user):
        return redirect(f"{resolve_url('accounts:enrol')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kind = second_factor.verify(request=request, user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if kind == "recovery_code":
                left = second_factor.recovery_codes_left(user)
                messages.warning(request, _("Recovery code used; %(left)d left.") % {"left": left})
            return redirect(_next(request))
    return render(request, "accounts/second_factor_verify.html", {"form": form, "next": _next(request)})


@login_required
@sensitive_post_parameters("code")
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app (QR code and key, then its first code); shows the recovery
    codes once. Someone already enrolled and verified sees their status and may replace their
    recovery codes."""
    user = _user(request)
    enrolled = second_factor.has_device(user)
    if enrolled and not user.is_verified():  # type: ignore[attr-defined]
        return redirect(f"{resolve_url('accounts:verify')}?{urlencode({'next': _next(request)})}")
    if enrolled:
        if request.method == "POST" and request.POST.get("recovery_codes"):
            codes = actions.new_recovery_codes(by=user, request=request)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)})
        return render(
            request,
            "accounts/second_factor_status.html",
            {"left": second_factor.recovery_codes_left(user), "required": second_factor.required(user)},
        )
    device = actions.pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.confirm(request=request, user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)})
    context: dict[str, Any] = {
        "form": form,
        "next": _next(request),
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4),
        "key": _grouped(device.bin_key),
        "required": second_factor.required(user),
    }
    return render(request, "accounts/second_factor_enrol.html", context)


def _grouped(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
@sensitive_post_parameters("current", "new", "again")
def password(request: HttpRequest) -> HttpResponse:
    """Change one's own password (the current one is checked like a sign-in)."""
    user = _user(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_password(
                by=user, request=request, current=form.cleaned_data["current"], new=form.cleaned_data["new"]
            )
        except DomainError as exc:
            if exc.code == "signin_failed":
                exc.field = "current"
            add_domain_error(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form, "required": user.password_change_required})
