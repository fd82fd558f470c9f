"""The JSON API v1 (django-ninja): ``/api/v1/``, OpenAPI document at ``/api/v1/openapi.json``.

Every operation needs a signed-in session (with CSRF) or a bearer token, unless it is marked
``@public``. Refusals come back as ``{"code", "message", "field"}`` with the DomainError's status.
Domain routers are mounted here; each calls the same actions as the web pages.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from hocbaso.accounts.tokens import user_for
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


api = NinjaAPI(
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
