"""API tokens: the secret's hash and lookup by secret (creating and revoking one are
``accounts.actions.create_token`` and ``revoke_token``)."""

from __future__ import annotations

import hashlib

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
