"""Sessions that have not finished signing in reach only the pages that finish it.

After :class:`django_otp.middleware.OTPMiddleware` (which says whether the session was verified
by a second factor), two gates, in order:

1. the second factor (:func:`second_factor.applies`): an unverified session is sent to the
   verification page (or to enrolment when the person has no authenticator yet); the JSON API
   answers 403 ``second_factor_required``. A request carrying an API token is judged by its
   token alone: the unverified session is ignored for it.
2. a password someone else reset: the session is sent to the password page
   (API: 403 ``password_change_required``).

Open in both cases: sign-in, second-factor verification and enrolment, sign-out; and, for the
second gate, the password page.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from hocbaso.accounts import second_factor

SIGN_IN_PAGES = {"accounts:login", "accounts:logout", "accounts:verify", "accounts:enrol"}
PASSWORD_PAGES = SIGN_IN_PAGES | {"accounts:password"}
API_PREFIX = "/api/"


def _url_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        refusal = self.gate(request) if request.user.is_authenticated else None
        return refusal or self.get_response(request)

    def gate(self, request: HttpRequest) -> HttpResponseBase | None:
        user = request.user
        name = _url_name(request)
        is_api = request.path_info.startswith(API_PREFIX)
        if not user.is_verified() and second_factor.applies(user):  # type: ignore[union-attr]
            if name in SIGN_IN_PAGES:
                return None
            if is_api:
                if request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer "):
                    request.user = AnonymousUser()  # the token decides, not the unfinished session
                    return None
                return _api_refusal("second_factor_required", _("Finish signing in with your second factor first."))
            target = "accounts:verify" if second_factor.has_device(user) else "accounts:enrol"
            return _redirect(request, target)
        if getattr(user, "password_change_required", False) and name not in PASSWORD_PAGES:
            if is_api:
                return _api_refusal("password_change_required", _("Choose a new password first."))
            return _redirect(request, "accounts:password")
        return None


def _api_refusal(code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message, "field": None}, status=403, json_dumps_params={"ensure_ascii": False}
    )


def _redirect(request: HttpRequest, target: str) -> HttpResponseRedirect:
    url = reverse(target)
    if request.method == "GET" and request.path_info != "/":
        url += "?next=" + quote(request.get_full_path())
    return HttpResponseRedirect(url)
