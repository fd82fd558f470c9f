"""Sign in and out."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from hocbaso.core.permissions import public


@public
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@public
class LogoutView(auth_views.LogoutView):
    pass
