"""Responses that may carry personal data are never kept by browsers or shared caches."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response the project's views produce, unless the view
    chose its own caching (the public transparency log does). Pages, downloads and API answers
    hold children's names, results and signed records; a shared computer in a school office or a
    proxy must not keep them. Static files are answered by WhiteNoise before this runs and keep
    their long cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            patch_cache_control(response, no_store=True)
        return response
