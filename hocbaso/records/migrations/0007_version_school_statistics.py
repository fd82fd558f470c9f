"""PostgreSQL: finer statistics on the version's school (ADR 0017). With the default
100 most-common values, ``school_id IN (600 schools)`` was estimated at an eighth of its rows, so
the planner read every year's versions through the school index; with 1,000 it takes the
``(school_year, school, status)`` index. Nothing to do on SQLite."""

from django.db import migrations

COLUMNS = [("records_recordversion", "school_id"), ("directory_classgroup", "school_id")]


def finer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 1000")
        schema_editor.execute(f"ANALYZE {table}")


def default(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_version_year_school_status_index"),
        ("directory", "0007_paper_mode_change"),
    ]

    operations = [migrations.RunPython(finer, default)]
