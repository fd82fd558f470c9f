"""Cached code lookups answered before the session is read (ADR 0020).

A visitor without a session cookie and without pending messages who opens ``/verify/<code>`` gets
the anonymous page that ADR 0018 keeps in the shared cache. When that page is there and current,
this middleware answers it itself: the session, CSRF, authentication, second-factor and messages
middlewares below it and URL resolution for the view have nothing to add to that page (it carries
no token, no name, no messages). What the view does for every lookup is still done, in the same
order: the request is counted against the client's rate limit (once: the count is kept on the
request, ``views.over_limit``) and the lookup is logged synchronously (``registry.log``). The
headers are the view's: the middlewares above this one (security, NoStore, CSP, common,
X-Frame-Options) apply to this answer as to the view's, and ``Vary: Cookie`` is added as the
session middleware adds it for the view.

Everything else goes on unchanged to the view: another method or path, a session or messages
cookie, an invalid code, a client over its limit (the view answers 429 from the kept count), and
an answer not in the cache or made under another key or appointments stamp.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from hocbaso.core.errors import DomainError
from hocbaso.records import issuance
from hocbaso.verification import answers, registry, views

LOOKUP_VIEW = "verification:code"


def lookup_code(request: HttpRequest) -> str | None:
    """The canonical code of a GET of the verify-by-code page by a visitor without a session or
    messages (the ones served the cached anonymous page); None for any other request."""
    if request.method != "GET" or not views.plain_visitor(request):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name != LOOKUP_VIEW:
        return None
    try:
        return issuance.check_code(str(match.kwargs["code"]))
    except DomainError:
        return None


def cached_answer(request: HttpRequest) -> HttpResponse | None:
    """The cached anonymous page for this request, counted and logged; None when the view must answer."""
    code = lookup_code(request)
    if code is None or views.over_limit(request):
        return None
    answer = answers.cached(code, kind="page")
    if answer is None:
        return None
    registry.log(answer, channel=views.lookup_channel(request))
    _content, page = answer.body
    response = HttpResponse(page)
    patch_vary_headers(response, ("Cookie",))
    return response


class CachedLookupMiddleware:
    """Answers :func:`cached_answer` when there is one, else passes the request on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = cached_answer(request)
        return response if response is not None else self.get_response(request)
