"""API tokens: creation (the secret is returned once) and lookup by secret."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction

from hocbaso.accounts.models import ApiToken, User
from hocbaso.audit import actions as audit
from hocbaso.core import clock


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(*, by: Any, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret (never stored)."""
    secret = "hbs_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:8], key_hash=_hash(secret))
    audit.record(by=by, action="api_token.create", obj=token, changes={"user": [None, user.pk], "name": [None, name]})
    return token, secret


def user_for(secret: str) -> User | None:
    """The active user owning an unrevoked token with this secret, or None."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(secret), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=clock.now())
    return token.user


@transaction.atomic
def revoke_token(*, by: Any, token: ApiToken) -> ApiToken:
    """Revoke ``token`` now (idempotent): the app holding it is refused from the next request."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(by=by, action="api_token.revoke", obj=token, changes={"revoked_at": [None, str(token.revoked_at)]})
    return token
