"""Stamps in the shared cache that change whenever a kind of data changes, for cache keys that must
follow it (ADR 0018).

A stamp is a random token, never a counter: when the cache loses it (eviction, a flush, a restart of
Redis) the next read makes a new one, so a key built from a lost stamp can never be built again and
an answer stored under it is never served. ``bump`` is called on commit by the action that changed
the data, so a reader never sees the new stamp before the change it stands for.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache

APPOINTMENTS = "stamp:appointments"  # an appointment's period changed (directory.actions.end_appointment)
_LIFETIME = None  # kept until replaced or evicted


def read(name: str) -> str:
    """The current stamp of ``name`` (a new one when the cache has none)."""
    value = cache.get(name)
    if isinstance(value, str):
        return value
    cache.add(name, secrets.token_hex(8), _LIFETIME)
    value = cache.get(name)
    return value if isinstance(value, str) else secrets.token_hex(8)  # a cache that keeps nothing


def current(name: str, found: Mapping[str, Any]) -> str:
    """The stamp of ``name`` as read with other keys (``cache.get_many``): ``found[name]``, or
    :func:`read` when the cache had none."""
    value = found.get(name)
    return value if isinstance(value, str) else read(name)


def bump(name: str) -> None:
    """Replace the stamp of ``name``: every key built from the old one is abandoned."""
    cache.set(name, secrets.token_hex(8), _LIFETIME)
