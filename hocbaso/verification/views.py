"""The public verify page (no login): type a code, open a QR link, upload a PDF/XML, or a photo of
a printed page (its paper-seal QR is checked, else its verify link is followed).

The outcome comes first in plain words, then the details; only what the presented document
shows, plus its status. Rate-limited per client (the shared cache holds a keyed hash of the
address for a minute; no address is ever stored), every verification logged without who asked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from hocbaso.core import cache as shared_cache
from hocbaso.core.body_limits import accepts_upload
from hocbaso.core.clients import client_address
from hocbaso.core.errors import DomainError
from hocbaso.core.permissions import public
from hocbaso.records import issuance
from hocbaso.verification import answers, core, messages, reads, registry
from hocbaso.verification.models import VerificationChannel

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MESSAGES_COOKIE = CookieStorage.cookie_name


def max_upload_bytes() -> int:
    return int(getattr(settings, "HOCBASO_VERIFY_MAX_BYTES", MAX_UPLOAD_BYTES))


def rate_per_minute() -> int:
    return int(getattr(settings, "HOCBASO_VERIFY_RATE_PER_MINUTE", 120))


def client_key(request: HttpRequest) -> str:
    """A per-minute bucket key for the client (its real address behind our proxy, see
    ``core.clients``); the address only enters a keyed hash, never storage."""
    address = client_address(request)
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]
    return f"verification:rate:{digest}"


_COUNTED = "_hocbaso_verification_over_limit"


def over_limit(request: HttpRequest) -> bool:
    """Count this request; True when the client exceeded its verifications for the current minute.

    A request is counted once: the answer is kept on the request, so the cached-lookup middleware
    (ADR 0020) and the view it falls through to share one count."""
    counted = getattr(request, _COUNTED, None)
    if counted is None:
        counted = shared_cache.count(client_key(request), window=60) > rate_per_minute()
        setattr(request, _COUNTED, counted)
    return bool(counted)


def rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (request.method == "POST" or kwargs.get("code")) and over_limit(request):
            response = render(request, "verification/limited.html", status=429)
            response["Retry-After"] = "60"
            return response
        return view(request, *args, **kwargs)

    return wrapped


def present(report: core.Report) -> dict[str, Any]:
    """Template context for a report: the outcome and reason as people read them (a record still
    waiting for signatures is "not issued yet", not "not valid"), the values a forger would change
    (year result, completion), signatures naming their signers, checks with their sentences — the
    API's words exactly."""
    return {
        "report": report,
        "facts_shown": messages.facts(report),
        "demo_trust": report.demo,
        **messages.presented(report),
    }


def _result(request: HttpRequest, report: core.Report, *, channel: str, status: int = 200) -> HttpResponse:
    registry.log(report, channel=channel)
    return render(request, "verification/result.html", present(report), status=status)


def _form(
    request: HttpRequest, *, error: str = "", error_code: str = "", code: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "verification/verify.html",
        {
            "error": error,
            "error_code": error_code,
            "code": code,
            "max_mb": max_upload_bytes() // (1024 * 1024),
            "demo_trust": registry.is_demo_trust(),
        },
        status=status,
    )


def upload_report(upload: Any) -> core.Report:
    """Verify an uploaded file (``UploadedFile``) with the size limit and the empty case decided first."""
    if upload.size == 0:
        return core.report_of([core.Check("document", "failed", "empty_file")])
    if upload.size > max_upload_bytes():
        return core.report_of([core.Check("document", "failed", "file_too_large", {"limit": str(max_upload_bytes())})])
    return reads.verify_document(upload.read())


@public
@require_http_methods(["GET", "POST"])
@accepts_upload(max_upload_bytes, field="document")
@rate_limited
def verify(request: HttpRequest) -> HttpResponse:
    """The verify page: a code, a record file, a photo of a printed page, or the paper seal's text."""
    if request.method == "GET":
        return _form(request)
    upload = request.FILES.get("document")
    if upload is not None:
        return _result(request, upload_report(upload), channel=VerificationChannel.UPLOAD)
    snapshot = request.FILES.get("photo")
    scanned = request.POST.get("paper", "").strip()
    if snapshot is not None:
        from hocbaso.verification import photo

        try:
            kind, found = photo.target_of(snapshot, max_bytes=max_upload_bytes())
        except DomainError as exc:
            return _form(request, error=str(messages.text(exc.code)), error_code=exc.code, status=400)
        if kind == "code":
            return redirect(f"{reverse('verification:code', kwargs={'code': found})}?src=photo")
        scanned = found
    if scanned:
        return _result(request, reads.verify_paper(scanned), channel=VerificationChannel.PAPER)
    raw = request.POST.get("code", "").strip()
    try:
        code = issuance.check_code(raw)
    except DomainError as exc:
        return _form(request, error=str(messages.text(exc.code)), error_code=exc.code, code=raw, status=400)
    return redirect(f"{reverse('verification:code', kwargs={'code': code})}?src=form")


@public
@require_GET
@rate_limited
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """``/verify/<code>``: the QR link printed on every page, or a typed code."""
    try:
        canonical = issuance.check_code(code)
    except DomainError as exc:
        return _form(request, error=str(messages.text(exc.code)), error_code=exc.code, code=code, status=400)
    answer, _cached = answers.lookup(canonical, kind="page", make=lambda report: result_pages(request, report))
    registry.log(answer, channel=lookup_channel(request))
    content, page = answer.body
    if plain_visitor(request):
        return HttpResponse(page)
    return render(request, "verification/result.html", {"body": mark_safe(content)})  # noqa: S308 (our template's output)


def lookup_channel(request: HttpRequest) -> str:
    """How a code lookup arrived: the form's redirect says ``?src=form`` (a typed code), else a QR link."""
    return VerificationChannel.QR if request.GET.get("src") != "form" else VerificationChannel.CODE


def result_pages(request: HttpRequest, report: core.Report) -> tuple[str, str]:
    """The result's content for ``report`` (the same for every visitor) and the whole page as a
    visitor without a session sees it (no name, no messages, no CSRF token): both are cached with
    the answer. A signed-in visitor's page is rendered around the content each time."""
    content = str(render_to_string("verification/_result.html", present(report)))
    anonymous = {"body": mark_safe(content), "user": AnonymousUser(), "messages": ()}  # noqa: S308
    return content, str(render_to_string("verification/result.html", anonymous, request=request))


def plain_visitor(request: HttpRequest) -> bool:
    """True when the request carries no session and no messages: its page is the cached anonymous one."""
    return not request.COOKIES.get(settings.SESSION_COOKIE_NAME) and not request.COOKIES.get(MESSAGES_COOKIE)


@public
@require_GET
@rate_limited
def verify_scan(request: HttpRequest, code: str) -> HttpResponse:
    """``/verify/<code>/scan.pdf``: the paper book's scan of a digitised copy, for whoever holds its code."""
    return scan_response(code)


def scan_response(code: str) -> HttpResponse:
    """The scan of the digitised copy issued under ``code`` as an inline PDF; 404 for any other code."""
    try:
        canonical = issuance.check_code(code)
    except DomainError:
        raise Http404 from None
    scan = registry.scan_for_code(canonical)
    if scan is None:
        raise Http404
    response = HttpResponse(scan, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ban-quet-{canonical}.pdf"'
    return response


@public
@require_GET
def trust_bundle(request: HttpRequest) -> HttpResponse:
    """The trust bundle for offline verifiers (``hocbaso verify --trust``)."""
    response = HttpResponse(registry.bundle_bytes(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="hocbaso-trust-bundle.json"'
    return response


@public
@require_GET
def tree_head(request: HttpRequest) -> HttpResponse:
    """The latest signed tree head, as a file for ``hocbaso verify --tree-head``; ``?since=SIZE``
    (the size of a packet's head) adds the consistency proof between the two."""
    since = request.GET.get("since", "")
    head = registry.tree_head_json(since=int(since) if since.isdigit() else None)
    if head is None:
        return JsonResponse(
            {"code": "ledger_not_found", "message": str(_("No tree head yet.")), "field": None}, status=404
        )
    response = HttpResponse(json.dumps(head), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="hocbaso-tree-head.json"'
    return response
