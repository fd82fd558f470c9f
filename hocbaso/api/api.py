"""The JSON API v1 (django-ninja): ``/api/v1/``, OpenAPI document at ``/api/v1/openapi.json``.

Every operation needs a bearer token or a signed-in session (CSRF-checked: a request carrying the
session cookie must carry the CSRF token too), unless it is marked
``@public``. Refusals come back as ``{"code", "message", "field"}`` with the DomainError's status.
Domain routers are mounted here; each calls the same actions as the web pages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from hocbaso.accounts.tokens import user_for
from hocbaso.api import errors
from hocbaso.core.errors import DomainError


class UnicodeJSONRenderer(JSONRenderer):
    """Vietnamese stays readable (and ~30% smaller) instead of \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The signed-in session (its cookie), CSRF-checked — only when the request carries that cookie.

    django-ninja checks CSRF before it looks for the cookie, so a bearer-token client (a phone
    signing app: no cookie, no CSRF token) was refused 403 ``csrf_failed`` on every write. Without
    the session cookie there is no ambient authority for a forged request to ride on.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)


class ContractAPI(NinjaAPI):
    """The OpenAPI document names every refusal (``hocbaso.api.errors.document_refusals``)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        return errors.document_refusals(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = ContractAPI(
    title="Học bạ số API",
    version="1",
    urls_namespace="api-v1",
    renderer=UnicodeJSONRenderer(),
    auth=[SessionAuth(), TokenAuth()],
    openapi_url="/openapi.json",
    docs_url=None,  # the interactive docs page loads assets from a CDN; schools may be offline
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def request_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, errors.request_invalid(exc), status=422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, errors.unauthenticated(request), status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, errors.http_error(exc.status_code, exc.message), status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, errors.not_found(), status=404)


from hocbaso.api.assessments import router as assessments_router  # noqa: E402

api.add_router("/", assessments_router)

from hocbaso.verification.api import router as verification_router  # noqa: E402

api.add_router("/verify", verification_router)

from hocbaso.api.signing import router as signing_router  # noqa: E402

api.add_router("/signing", signing_router)

from hocbaso.api.transfers import router as transfers_router  # noqa: E402

api.add_router("/transfers", transfers_router)

from hocbaso.api.ministry import router as ministry_router  # noqa: E402

api.add_router("/reports/ministry", ministry_router)
from hocbaso.api.readiness import router as readiness_router  # noqa: E402

api.add_router("/reports/readiness", readiness_router)
from hocbaso.api.reports import router as reports_router  # noqa: E402

api.add_router("/reports", reports_router)
