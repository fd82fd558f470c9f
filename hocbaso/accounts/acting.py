"""The user a request acts for, typed: actions take ``by: User``, ``request.user`` may be anonymous."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from hocbaso.accounts.models import User


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of ``request`` (views that write require a sign-in, ``core.permissions``);
    403 for an anonymous visitor, which such a view never lets through."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
