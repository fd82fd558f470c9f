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

Behind that proxy (``BEHIND_PROXY``) a refused body is read off the socket and thrown away, never
parsed or kept (:func:`discard_body`): nginx has already received all of it and sends it over
loopback, and a worker that closed the connection with bytes unread would make the kernel reset
it, so that nginx, still sending, answered 502 in place of the app's 413.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.shortcuts import render
from django.utils.translation import gettext as _

LIMIT_ATTRIBUTE = "max_upload_bytes"
FIELD_ATTRIBUTE = "upload_field"
# Multipart boundaries, part headers and the form's other fields around one uploaded file.
FORM_OVERHEAD = 64 * 1024
MiB = 1024 * 1024
# What a refused body behind the proxy may be read (and dropped) to: above nginx's wall (20 MB), so
# any body nginx let through; a longer one could only come past nginx and is left unread.
DISCARD_LIMIT = 32 * MiB
DISCARD_CHUNK = 256 * 1024

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


def discard_body(request: HttpRequest, length: int) -> None:
    """Behind the proxy, read a refused body of ``length`` bytes (at most ``DISCARD_LIMIT``) in
    chunks and drop them, so the connection closes cleanly after the 413. Without the proxy
    nothing is read: a direct client could make a worker wait on a slow body."""
    if not settings.BEHIND_PROXY or length > DISCARD_LIMIT:
        return
    try:
        while request.read(DISCARD_CHUNK):
            pass
    except UnreadablePostError:  # the peer went away: nothing left to protect
        return


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
            field = None
        else:
            limit = declared() if callable(declared) else declared
            if length <= limit + FORM_OVERHEAD:
                return None
        discard_body(request, length)
        return too_large(request, limit=limit, field=field, api=api)
