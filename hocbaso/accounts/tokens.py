"""API tokens: the secret's hash and lookup by secret (creating and revoking one are
``accounts.actions.create_token`` and ``revoke_token``)."""

from __future__ import annotations

import hashlib
from typing import Any

from hocbaso.accounts.models import ApiToken, User
from hocbaso.core import clock


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for(secret: str) -> User | None:
    """The active user owning an unrevoked token with this secret, or None."""
    found = ApiToken.objects.select_related("user").filter(key_hash=hash_secret(secret), revoked_at__isnull=True)
    token = found.first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=clock.now())
    return token.user


def __getattr__(name: str) -> Any:
    """``tokens.create_token``/``revoke_token`` for ``hocbaso.signing.views`` until the signing split
    (issue 18) calls ``accounts.actions``, where the writes now live; remove then."""
    if name in {"create_token", "revoke_token"}:
        from hocbaso.accounts import actions

        return getattr(actions, name)
    raise AttributeError(name)
