"""Django's SQLite backend, with a flush that empties the trigger-kept summary tables last.

The reporting summaries (``reporting.CellCount``, ``VersionCount``, ``BacklogDay``) are kept by
database triggers on the rows they count (ADR 0017, ADR 0019). PostgreSQL flushes with
``TRUNCATE``, which fires no row trigger; SQLite flushes with one ``DELETE FROM`` a table, which
does. Django emits those in set order (it varies with the hash seed), so deleting record versions
after ``reporting_backlogday`` was emptied wrote fresh summary rows that still pointed at schools
deleted in the same flush, and the commit failed on the deferred foreign key. This backend orders
the flush: the tables no trigger writes first (by name), then the tables a trigger writes (by
name). Every row a trigger adds during the flush is therefore deleted before the commit.

``ENGINE = "hocbaso.core.db.sqlite3"`` is set in config/settings.py for every SQLite database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain
from typing import Any

from django.db.backends.sqlite3 import base, operations

# The table a trigger's statement writes: INSERT [OR …] INTO t, UPDATE t, DELETE FROM t.
_WRITTEN = re.compile(r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`\[]?(\w+)", re.IGNORECASE)


def tables_written_by(trigger_sql: Iterable[str]) -> set[str]:
    """The tables the statements of these ``CREATE TRIGGER`` texts write (the table a trigger is
    ON is not written by it unless a statement in its body names it)."""
    written: set[str] = set()
    for sql in trigger_sql:
        _head, _begin, body = sql.partition(" BEGIN ")
        written.update(name.lower() for name in _WRITTEN.findall(body))
    return written


def flush_order(tables: Iterable[str], written_by_triggers: set[str]) -> list[str]:
    """``tables`` in the order a flush deletes them: untouched by triggers first, then the rest."""
    return sorted(set(tables), key=lambda table: (table.lower() in written_by_triggers, table))


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Iterable[str], *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if tables and allow_cascade:
            # what Django's own flush does for allow_cascade (every table referencing these)
            tables = set(chain.from_iterable(self._references_graph(table) for table in tables))  # type: ignore[attr-defined]
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
            written = tables_written_by(row[0] for row in cursor.fetchall())
        ordered = flush_order(tables, written)
        return super().sql_flush(style, ordered, reset_sequences=reset_sequences, allow_cascade=False)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
