"""Request bodies are refused past their limit before anything reads them.

Under WSGI Django reads a body only up to its ``Content-Length`` (a body without one reads as
empty), so looking at that header before the view runs — and before the CSRF middleware parses
the form — means an oversized upload is never streamed to memory or to a temporary file. Every
request may carry at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes; a view that accepts a file says
so with ``@accepts_upload(max_bytes, field=...)`` (on a django-ninja operation, the same decorator
on the operation's function), which allows the file plus ``FORM_OVERHEAD`` for the rest of the form.

A refused request gets 413: the API's error body ``{"code": "request_too_large", "message",
"field"}`` for API operations, a page naming the limit otherwise. ``BodyLimitMiddleware`` must sit
before ``CsrfViewMiddleware`` (it reads ``request.POST``). The web server in front (nginx
``client_max_body_size``) stays the outer wall: see docs/security.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LIMIT_ATTRIBUTE = "max_upload_bytes"
FIELD_ATTRIBUTE = "upload_field"
# Multipart boundaries, part headers and the form's other fields around one uploaded file.
FORM_OVERHEAD = 64 * 1024
MiB = 1024 * 1024

Target = TypeVar("Target")
Limit = int | Callable[[], int]


def accepts_upload(max_bytes: Limit, *, field: str) -> Callable[[Target], Target]:
    """Let this view receive a file of at most ``max_bytes`` (a number, or a function read at
    request time for limits set in settings) in the form field ``field``."""

    def decorate(view: Target) -> Target:
        setattr(view, LIMIT_ATTRIBUTE, max_bytes)
        setattr(view, FIELD_ATTRIBUTE, field)
        return view

    return decorate


def _api_operations(view: Any) -> list[Any] | None:
    """The operations behind a django-ninja URL (its path view is held in the view's closure)."""
    from ninja.operation import PathView

    for cell in getattr(view, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return list(cell.cell_contents.operations)
    return None


def declared_upload(view: Any, method: str) -> tuple[Limit | None, str | None, bool]:
    """(the file limit the view declares or None, its field, whether the view is an API operation)."""
    operations = _api_operations(view)
    if operations is not None:
        for operation in operations:
            if method in operation.methods:
                view = operation.view_func
                break
        else:
            return None, None, True
    return getattr(view, LIMIT_ATTRIBUTE, None), getattr(view, FIELD_ATTRIBUTE, None), operations is not None


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads such a body as empty


def _megabytes(value: int) -> str:
    return f"{value / MiB:.0f}" if value % MiB == 0 else f"{value / MiB:.1f}"


def file_too_large(limit: int) -> str:
    """What the person reads when a file is past ``limit`` bytes: in MB, or in KB under 1 MB (a
    256 KB limit is not "0.2 MB")."""
    if limit < MiB:
        return _("The file is larger than %(kb)d KB, the most this page accepts.") % {"kb": limit // 1024}
    return _("The file is larger than %(mb)s MB, the most this page accepts.") % {"mb": _megabytes(limit)}


def too_large(request: HttpRequest, *, limit: int, field: str | None, api: bool) -> HttpResponse:
    """The 413 answer naming the limit (the file's when the view takes one, else the request's)."""
    if field is not None:
        message = file_too_large(limit)
    else:
        message = _("The request is larger than %(kb)d KB, the most accepted.") % {"kb": limit // 1024}
    body = {"code": "request_too_large", "message": message, "field": field}
    if api:
        response: HttpResponse = JsonResponse(body, status=413, json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "413.html", body, status=413)
    return response


class BodyLimitMiddleware:
    """Answer 413 to any request whose declared body exceeds what its view accepts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        length = _content_length(request)
        if length == 0:
            return None
        declared, field, api = declared_upload(view, request.method or "GET")
        if declared is None:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is None or length <= limit:
                return None
            return too_large(request, limit=limit, field=None, api=api)
        file_limit = declared() if callable(declared) else declared
        if length <= file_limit + FORM_OVERHEAD:
            return None
        return too_large(request, limit=file_limit, field=field, api=api)
