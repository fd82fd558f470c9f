"""Every URL carries a permission rule, and non-public ones turn anonymous visitors away."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from hocbaso.core.permissions import rule_of

# Django's admin checks staff status itself on every view; static/media are not views of ours.
EXEMPT_NAMESPACES = {"admin"}


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry.callback


ALL = list(walk(get_resolver().url_patterns))


def test_there_are_urls_to_check() -> None:
    assert len(ALL) > 5


API_NAMESPACE = "api-v1"


def api_rules(callback: Any) -> list[str] | None:
    """For a django-ninja path view: each operation's rule (its auth, or @public); else None."""
    from ninja.operation import PathView

    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return [
                "public" if rule_of(op.view_func) == "public" else ("authenticated" if op.auth_callbacks else "")
                for op in cell.cell_contents.operations
            ]
    return None


def effective_rule(route: str, namespace: str, callback: Any) -> str | None:
    if namespace == API_NAMESPACE:
        rules = api_rules(callback)
        if rules is None:  # the OpenAPI document and the API root describe the API; no data
            described = (
                route.endswith("openapi.json")
                or getattr(getattr(callback, "func", None), "__name__", "") == "default_home"
            )
            return "public" if described else None
        return "authenticated" if rules and all(rules) and "public" not in rules else ("public" if all(rules) else None)
    return rule_of(callback)


@pytest.mark.parametrize(("route", "namespace", "callback"), ALL, ids=[route for route, _ns, _cb in ALL])
def test_every_url_has_a_permission_rule(route: str, namespace: str, callback: Any) -> None:
    if namespace in EXEMPT_NAMESPACES:
        return
    assert effective_rule(route, namespace, callback), f"{route} has no permission rule"


def _concrete(route: str) -> str:
    import re

    return "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)


PROTECTED = [
    (route, cb)
    for route, ns, cb in ALL
    if ns not in EXEMPT_NAMESPACES and effective_rule(route, ns, cb) not in ("public", None)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "callback"), PROTECTED, ids=[route for route, _cb in PROTECTED])
def test_anonymous_visitors_are_sent_to_login(client, route: str, callback: Any) -> None:
    response = client.get(_concrete(route))
    if response.status_code == 405:  # a POST-only operation (API): ask the way it is meant to be used
        response = client.post(_concrete(route), {}, content_type="application/json")
    assert response.status_code in (302, 401, 403), route
    if response.status_code == 302:
        assert "/login/" in response["Location"]
