"""The SQLite flush order (hocbaso/core/db/sqlite3): tables written by triggers are emptied last."""

from __future__ import annotations

import pytest

from hocbaso.core.db.sqlite3.base import flush_order, tables_written_by

VERSIONS_TRIGGER = (
    "CREATE TRIGGER reporting_versions_update AFTER UPDATE ON records_recordversion WHEN OLD.status IS NOT"
    " NEW.status BEGIN UPDATE reporting_versioncount SET versions = versions - 1 WHERE 1;"
    ' INSERT INTO "reporting_backlogday" (school_id) SELECT 1 ON CONFLICT DO NOTHING; END'
)


@pytest.mark.parametrize(
    ("triggers", "written"),
    [
        ([], set()),
        ([VERSIONS_TRIGGER], {"reporting_versioncount", "reporting_backlogday"}),
        (["CREATE TRIGGER t AFTER DELETE ON a BEGIN DELETE FROM b WHERE b.a_id = OLD.id; END"], {"b"}),
        (["CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT OR REPLACE INTO [c] VALUES (NEW.id); END"], {"c"}),
        # the table a trigger is ON, named in its head, is not written by it
        (["CREATE TRIGGER update_a AFTER UPDATE ON a BEGIN SELECT 1; END"], set()),
    ],
)
def test_the_tables_a_trigger_writes(triggers: list[str], written: set[str]) -> None:
    assert tables_written_by(triggers) == written


@pytest.mark.parametrize(
    ("tables", "written", "order"),
    [
        (["b", "a"], set(), ["a", "b"]),
        (
            ["reporting_backlogday", "directory_school", "records_recordversion", "reporting_versioncount"],
            {"reporting_backlogday", "reporting_versioncount"},
            ["directory_school", "records_recordversion", "reporting_backlogday", "reporting_versioncount"],
        ),
        ({"z", "y", "x"}, {"x"}, ["y", "z", "x"]),
        (["a", "a"], set(), ["a"]),
    ],
)
def test_the_flush_order(tables: list[str], written: set[str], order: list[str]) -> None:
    assert flush_order(tables, written) == order
