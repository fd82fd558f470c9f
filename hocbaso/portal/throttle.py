"""Counting failed attempts, in one place so the project's throttling can replace it.

Each ``Limit`` counts failures of one kind per key (a code's hash, a login name's hash, a client
address's keyed hash, a share link) in the default cache for ``window`` seconds from the first
failure; once ``allowed`` failures are reached the key is blocked until the window ends. Callers
ask :func:`blocked` before trying, :func:`failed` after a failure and :func:`forget` after a
success. The cache is per process with the embedded default and shared with Redis at scale.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    allowed: int
    window: int  # seconds


ACTIVATION_PER_CODE = Limit("activation-code", 5, 15 * 60)
ACTIVATION_PER_CLIENT = Limit("activation-client", 20, 15 * 60)
SIGNIN_PER_LOGIN = Limit("signin-login", 5, 15 * 60)
SIGNIN_PER_CLIENT = Limit("signin-client", 30, 15 * 60)
PIN_PER_LINK = Limit("share-pin", 5, 15 * 60)


def _key(limit: Limit, key: str) -> str:
    return f"portal:throttle:{limit.scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def blocked(limit: Limit, key: str) -> bool:
    """True when ``key`` has used up its failures for the current window."""
    return int(cache.get(_key(limit, key), 0)) >= limit.allowed


def failed(limit: Limit, key: str) -> None:
    """Count one failure of ``key``."""
    name = _key(limit, key)
    if cache.add(name, 1, limit.window):
        return
    try:
        cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, limit.window)


def forget(limit: Limit, key: str) -> None:
    """Clear ``key``'s failures (after a success)."""
    cache.delete(_key(limit, key))
