"""Permission rules attached to views.

Every view reachable by URL carries exactly one rule, set by one of these decorators; a test
walks the URL configuration and fails on any view without one. A rule is a predicate
``(user) -> bool`` checked before the view runs; object-level scoping is then done inside the
view through ``visible_to(user)`` querysets, which answer 404 for anything out of scope.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
Target = TypeVar("Target")
Predicate = Callable[[Any], bool]

RULE_ATTRIBUTE = "permission_rule"


def public(view: Target) -> Target:
    """Anyone, signed in or not (login page, public verification); works on classes too."""
    setattr(view, RULE_ATTRIBUTE, "public")
    return view


def requires(predicate: Predicate, name: str | None = None) -> Callable[[View], View]:
    """Signed-in users for whom ``predicate(user)`` holds; others get the login page or 403."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(wrapped, RULE_ATTRIBUTE, name or getattr(predicate, "__name__", "predicate"))
        return wrapped  # type: ignore[return-value]

    return decorate


def signed_in(user: Any) -> bool:
    """Any signed-in user; the view then scopes everything it shows."""
    return bool(user.is_authenticated)


def login_required(view: View) -> View:
    """Shorthand for ``requires(signed_in)``."""
    return requires(signed_in, "signed_in")(view)


def rule_of(view: Callable[..., HttpResponse]) -> str | None:
    """The rule a view carries, looking through class-based ``as_view`` wrappers."""
    rule = getattr(view, RULE_ATTRIBUTE, None)
    if rule is None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, RULE_ATTRIBUTE, None)
    return rule
