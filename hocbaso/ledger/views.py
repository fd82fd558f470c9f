"""Public JSON endpoints of the transparency log (no login: anyone may audit the log).

Hashes and signatures are lowercase hex. Refusals are ``{"code", "message", "field"}`` with the
error's 4xx status; bad or missing numbers give ``ledger_bad_parameter``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hocbaso.core.errors import DomainError, ValidationFailed
from hocbaso.core.permissions import public
from hocbaso.ledger import actions, keys

MAX_NUMBER = 2**63 - 1


class LedgerBadParameter(ValidationFailed):
    """A query parameter is missing or is not a non-negative whole number."""

    code = "ledger_bad_parameter"


def _json(body: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    return response


def _answers_json(view: Callable[..., dict[str, Any]]) -> Callable[..., JsonResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return _json(view(request, *args, **kwargs))
        except DomainError as exc:
            return _json(exc.as_dict(), status=exc.status)

    return wrapped


def _number(request: HttpRequest, name: str) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_NUMBER:
        raise LedgerBadParameter(_("A whole number from 0 is required."), field=name)
    return int(raw)


@public
@require_GET
@_answers_json
def tree_head(request: HttpRequest) -> dict[str, Any]:
    """The latest signed tree head."""
    return actions.latest_tree_head().as_dict()


@public
@require_GET
@_answers_json
def tree_head_of(request: HttpRequest, size: int) -> dict[str, Any]:
    """The signed tree head published for ``size`` entries."""
    return actions.tree_head_of(size).as_dict()


@public
@require_GET
@_answers_json
def entry(request: HttpRequest, index: int) -> dict[str, Any]:
    """One entry: its payload, the exact leaf input (canonical JSON) and its leaf hash."""
    found = actions.entry_at(index)
    return {
        "leaf_index": found.index,
        "leaf_hash": found.leaf_hash,
        "leaf_input": found.leaf_input().decode("utf-8"),
        "payload": found.payload,
    }


@public
@require_GET
@_answers_json
def inclusion(request: HttpRequest) -> dict[str, Any]:
    """``?index=&size=``: inclusion proof of an entry in the tree of ``size`` entries."""
    return actions.inclusion_for(_number(request, "index"), _number(request, "size")).as_dict()


@public
@require_GET
@_answers_json
def consistency(request: HttpRequest) -> dict[str, Any]:
    """``?first=&second=``: consistency proof between two tree sizes."""
    return actions.consistency(_number(request, "first"), _number(request, "second")).as_dict()


@public
@require_GET
@_answers_json
def public_key(request: HttpRequest) -> dict[str, Any]:
    """The log's verification key."""
    return {"algorithm": "Ed25519", "key_id": keys.key_id(), "public_key_pem": keys.public_key_pem()}
