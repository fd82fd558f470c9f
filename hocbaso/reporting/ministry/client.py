"""Posting a batch to the Ministry's endpoint, which is configuration:

- ``HOCBASO_MINISTRY_URL``: where batches are posted (``https://…/batches``);
- ``HOCBASO_MINISTRY_TOKEN``: the bearer credential the Ministry gave the deployment (a secret,
  never in the repository).

Each is read from Django's settings, else the environment. ``post`` answers ``(status, body)``
for every answer the store gives about the batch (200, 409, 422) and for a refused credential
(401, 403); ``EndpointUnavailable`` is everything that may pass if tried again (no connection,
a timeout, a 5xx, an answer that is not JSON). Proxies from the environment are not used.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

DEFINITIVE = frozenset({200, 401, 403, 409, 413, 422})


class EndpointUnavailable(Exception):
    """The store could not be reached or did not answer about the batch; try again later."""


def configured(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, ""))


def endpoint() -> tuple[str, str]:
    """(URL, token) of the Ministry's endpoint; empty strings when not configured."""
    return configured("HOCBASO_MINISTRY_URL"), configured("HOCBASO_MINISTRY_TOKEN")


def post(url: str, token: str, body: bytes, *, timeout: float = 120.0) -> tuple[int, dict[str, Any]]:
    """POST ``body`` (a signed batch) to ``url``; see the module's docstring for what comes back."""
    if not url.startswith(("https://", "http://")):
        raise EndpointUnavailable("ministry_not_configured")
    request = urllib.request.Request(  # noqa: S310  (the scheme is checked just above)
        url,
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml; charset=utf-8"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise EndpointUnavailable(type(exc).__name__) from None
    if status not in DEFINITIVE:
        raise EndpointUnavailable(f"HTTP {status}")
    try:
        answer = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        raise EndpointUnavailable(f"HTTP {status}: not JSON") from None
    if not isinstance(answer, dict):
        raise EndpointUnavailable(f"HTTP {status}: not an object")
    return status, answer
