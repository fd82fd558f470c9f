"""The shared cache's two additions (ADR 0020): a Redis backend that keeps its clients, and a counter
in a fixed window that costs one round trip.

- :class:`RedisCache` — Django's Redis backend builds a new ``redis.Redis`` client for every cache
  operation (``RedisCacheClient.get_client``), and redis-py's client builds its table of response
  callbacks each time (a dict of every command). This backend keeps its client (one server; with
  several Django's read spreading is kept): redis-py's clients are safe to share between threads (a
  connection is taken from the pool for each command), and a pool notices a fork and opens its own
  connections in the child.
- :func:`count` — add one to a counter that lives ``window`` seconds from its first count (the
  rate limits). On the Redis backend ``SET key 0 EX window NX`` and ``INCR key`` go in one
  ``MULTI``/``EXEC`` (one round trip, atomic: the counter cannot expire between the two); on any
  other backend (the embedded LocMemCache) ``add`` then ``incr`` as before.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _KeptClients(RedisCacheClient):
    """``RedisCacheClient`` whose ``get_client`` returns one client, made once, when there is one
    server (every deployment here: reads and writes share its pool). With several servers Django
    spreads reads over the replicas at random, which this keeps (a new client per call)."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._single = len(servers) == 1
        self._kept: Any = None

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        if not self._single:
            return super().get_client(key, write=write)
        if self._kept is None:
            self._kept = super().get_client(key, write=True)
        return self._kept


class RedisCache(DjangoRedisCache):
    """Django's Redis cache with kept clients and a one-round-trip :meth:`count_in_window`."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _KeptClients

    def count_in_window(self, key: str, window: int) -> int:
        """Add one to the counter ``key`` (created at 0 for ``window`` seconds when absent); the new count."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        with client.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window, nx=True)
            pipe.incr(key)
            _created, value = pipe.execute()
        return int(value)


def count(key: str, *, window: int) -> int:
    """Add one to the counter ``key`` of the default cache, which lives ``window`` seconds from its
    first count; the count including this one."""
    counter = getattr(cache, "count_in_window", None)
    if counter is not None:
        return int(counter(key, window))
    if cache.add(key, 1, window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr: this is the first count of a new window
        cache.add(key, 1, window)
        return 1
