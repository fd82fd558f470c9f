"""Trigger SQL for the reporting summaries, for PostgreSQL and SQLite from one description.

A summary row counts *pairs* (or single rows) of the table a trigger is on: a write of a row takes
back the old row's contributions (``OLD``, sign −1) and adds the new row's (``NEW``, sign +1),
each an upsert on the summary's unique key (``upsert``). Written once here, the statements become

- on PostgreSQL, one PL/pgSQL function per table and two triggers: ``AFTER INSERT OR DELETE`` and
  ``AFTER UPDATE … WHEN (<a counted column changed>)``;
- on SQLite, three triggers (insert, delete, update ``WHEN`` a counted column changed).

Every statement is an ``INSERT … SELECT … WHERE … ON CONFLICT … DO UPDATE`` (SQLite needs the
``WHERE`` to tell the upsert's ``ON`` from a join's), so ``hocbaso.core.db.sqlite3``'s flush finds
the summary among the tables a trigger writes and empties it last.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Statements = Callable[[str, int], list[str]]  # (row "OLD"/"NEW", sign) → SQL statements


def upsert(table: str, key: Sequence[str], counter: str, select: str) -> str:
    """``INSERT INTO table (key…, counter) <select> ON CONFLICT (key) DO UPDATE`` adding the new count."""
    columns = ", ".join(key)
    return f"""
  INSERT INTO {table} ({columns}, {counter})
  {select}
  ON CONFLICT ({columns}) DO UPDATE SET {counter} = {table}.{counter} + excluded.{counter};
"""


def changed(columns: Sequence[str], vendor: str) -> str:
    """The ``WHEN`` condition of an update trigger: one of ``columns`` changed (NULLs compared)."""
    differs = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in columns)


def install(vendor: str, name: str, table: str, statements: Statements, columns: Sequence[str]) -> list[str]:
    """``CREATE`` statements of the triggers ``reporting_<name>…`` on ``table`` running
    ``statements`` for each written row; an update runs them only when one of ``columns`` changed."""
    old, new = "".join(statements("OLD", -1)), "".join(statements("NEW", 1))
    when = changed(columns, vendor)
    if vendor == "postgresql":
        return [
            f"""
CREATE FUNCTION reporting_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {old}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN {new}
  END IF;
  RETURN NULL;
END $$
""",
            f"CREATE TRIGGER reporting_{name}_write AFTER INSERT OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION reporting_{name}()",
            f"CREATE TRIGGER reporting_{name}_update AFTER UPDATE ON {table}"
            f" FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION reporting_{name}()",
        ]
    return [
        f"CREATE TRIGGER reporting_{name}_insert AFTER INSERT ON {table} BEGIN {new} END",
        f"CREATE TRIGGER reporting_{name}_delete AFTER DELETE ON {table} BEGIN {old} END",
        f"CREATE TRIGGER reporting_{name}_update AFTER UPDATE ON {table} WHEN {when} BEGIN {old} {new} END",
    ]


def drop(vendor: str, name: str, table: str) -> list[str]:
    """The statements undoing :func:`install`."""
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS reporting_{name}_write ON {table}",
            f"DROP TRIGGER IF EXISTS reporting_{name}_update ON {table}",
            f"DROP FUNCTION IF EXISTS reporting_{name}()",
        ]
    return [f"DROP TRIGGER IF EXISTS reporting_{name}_{event}" for event in ("insert", "delete", "update")]


def run(schema_editor: object, statements: Sequence[str]) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)  # type: ignore[attr-defined]
