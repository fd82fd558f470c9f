"""Bulk row writing for simulated data: ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` in
large batches on SQLite — never the ORM one row at a time.

This deliberately bypasses ``save()``, model validation, ``actions.py`` and the audit chain's
writer: it is for filling a database with simulated rows (``hocbaso simulate-province``), never
for a person's work. The caller assigns primary keys itself (``BulkWriter.reserve``) so that rows
of one table can point at rows of another without reading them back; ``finish`` moves the
PostgreSQL sequences past them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

SQLITE_BATCH = 5000


class BulkWriter:
    """Writes rows of a model given as tuples of the named columns (attnames); every other
    concrete column gets the field's default (``auto_now_add`` fields: the writer's ``now``)."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.postgres = connection.vendor == "postgresql"
        self._next: dict[type[models.Model], int] = {}
        self.written: dict[str, int] = {}

    def reserve(self, model: type[models.Model], count: int) -> int:
        """The first of ``count`` fresh primary keys for ``model`` (after any row already there)."""
        if model not in self._next:
            found = model._default_manager.aggregate(m=models.Max("pk"))["m"]
            self._next[model] = (found or 0) + 1
        first = self._next[model]
        self._next[model] += count
        return first

    def _constants(self, model: type[models.Model], given: Sequence[str]) -> tuple[list[models.Field], tuple]:
        rest: list[Any] = []
        values: list[Any] = []
        for field in model._meta.concrete_fields:
            if field.attname in given:
                continue
            if field.primary_key:
                raise ValueError(f"{model.__name__}: give the primary key ({field.attname})")
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                value: Any = self.now
            else:
                value = field.get_default()
            rest.append(field)
            values.append(value)
        return rest, tuple(values)

    def write(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (tuples in the order of ``columns``); returns the number written."""
        meta = model._meta
        given_fields: list[Any] = [meta.get_field(name) for name in columns]
        rest, constants = self._constants(model, [f.attname for f in given_fields])
        fields = [*given_fields, *rest]
        json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        count = 0
        if self.postgres:
            with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    values = [*row, *constants]
                    for i in json_at:
                        values[i] = json.dumps(values[i], ensure_ascii=False)
                    copy.write_row(values)
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from model meta
            batch: list[list[Any]] = []
            with connection.cursor() as cursor:
                for row in rows:
                    batch.append(
                        [f.get_db_prep_save(v, connection) for f, v in zip(fields, [*row, *constants], strict=True)]
                    )
                    if len(batch) >= SQLITE_BATCH:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.written[meta.label] = self.written.get(meta.label, 0) + count
        return count

    def finish(self) -> None:
        """Move PostgreSQL's sequences past the keys given here and refresh its planner's
        statistics (SQLite is left without ``ANALYZE``, as every embedded database is)."""
        if not self.postgres:
            return
        statements = connection.ops.sequence_reset_sql(no_style(), list(self._next))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
            for model in self._next:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
