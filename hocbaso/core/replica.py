"""Reads of the public verify path from a read replica (``HOCBASO_DATABASE_REPLICA_URL``).

Contract:

- Only code run inside :func:`reads_from_replica` reads from the ``replica`` database, and only when
  a replica is configured (``settings.HOCBASO_READ_REPLICA``); everywhere else every query goes to
  ``default``, as if no router were installed.
- Every write goes to ``default``, inside the scope too (a verification's log row, a tree head it
  publishes), and so does every read made while ``default`` is inside a transaction (a locked read
  that decides a write, such as ``ledger.publish_tree_head``), and every ``select_for_update``.
- Objects read from the replica may be related to and saved through objects of ``default``.

A replica lags the primary by a moment: a record signed a second ago may not be there yet. The
verify views therefore ask the primary again when the replica does not know a code
(:func:`primary_when`), so a just-issued record is never reported unknown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections

DEFAULT = "default"
REPLICA = "replica"
_ALIASES = {DEFAULT, REPLICA}

_scope: ContextVar[bool] = ContextVar("hocbaso_replica_reads", default=False)

T = TypeVar("T")


def enabled() -> bool:
    return bool(getattr(settings, "HOCBASO_READ_REPLICA", False)) and REPLICA in settings.DATABASES


@contextlib.contextmanager
def reads_from_replica() -> Iterator[None]:
    """Within this block, reads outside a transaction go to the replica (when one is configured)."""
    token = _scope.set(True)
    try:
        yield
    finally:
        _scope.reset(token)


@contextlib.contextmanager
def reads_from_primary() -> Iterator[None]:
    """Within this block every read goes to the primary again (the fallback of :func:`primary_when`)."""
    token = _scope.set(False)
    try:
        yield
    finally:
        _scope.reset(token)


def primary_when(stale: Callable[[T], bool], run: Callable[[], T]) -> T:
    """``run()`` on the replica; if ``stale(result)`` (e.g. the code is unknown there), once more on the
    primary, whose answer is the one returned."""
    with reads_from_replica():
        result = run()
    if enabled() and stale(result):
        with reads_from_primary():
            result = run()
    return result


def _replica_for_this_read() -> bool:
    return _scope.get() and enabled() and not connections[DEFAULT].in_atomic_block


class ReplicaRouter:
    """``DATABASE_ROUTERS``: the rules of the module docstring."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        return REPLICA if _replica_for_this_read() else DEFAULT

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        if obj1._state.db in _ALIASES and obj2._state.db in _ALIASES:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica follows the primary's schema by replication
