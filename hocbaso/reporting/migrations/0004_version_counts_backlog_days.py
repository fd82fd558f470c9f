"""The per-school version counts (``reporting.VersionCount``) and the per-school daily changes of
the signing backlog (``reporting.BacklogDay``), kept by database triggers on record versions and
signatures in the same transaction as every write of either, and filled from the rows already
there. ADR 0019 explains what each row counts and why triggers (as ADR 0017 for the cells).

The backlog's day is the day in ``settings.TIME_ZONE`` when this migration ran (what
``TruncDate`` gives the figures): PostgreSQL converts with ``AT TIME ZONE``; SQLite, which has no
zone database, adds the zone's current UTC offset (Asia/Ho_Chi_Minh has kept +07:00 since 1975).

A version contributes to its school's and year's backlog: +1 on the day it was assembled (unless
a draft); −1 on the day of its school seal, if sealed; else −1 on the day it was withdrawn
(superseded or revoked with a date). A school seal moves that −1 from the withdrawal day to the
seal's day. ``events`` counts the contributions, so a day none is left on drops out.
"""

import datetime as dt
import zoneinfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

WITHDRAWN = "('superseded', 'revoked')"
UPSERT = """
  ON CONFLICT (school_year_id, school_id, day) DO UPDATE
     SET change = reporting_backlogday.change + excluded.change,
         events = reporting_backlogday.events + excluded.events;
"""


def _day(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"(({column}) AT TIME ZONE '{settings.TIME_ZONE}')::date"
    offset = zoneinfo.ZoneInfo(settings.TIME_ZONE).utcoffset(dt.datetime.now())
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"date({column}, '{minutes:+d} minutes')"


def _version(vendor: str, row: str, sign: int) -> list[str]:
    """Statements adding (``sign`` 1) or taking back (−1) the contributions of version ``row``
    (``NEW``/``OLD``), its school seal read from the signatures as they are now."""
    seal = f"(SELECT s.signed_at FROM signing_signatureevent s WHERE s.version_id = {row}.id AND s.role = 'school')"
    return [
        f"""
  UPDATE reporting_versioncount SET versions = versions + {sign}
   WHERE school_year_id = {row}.school_year_id AND school_id = {row}.school_id AND status = {row}.status;
"""
        if sign < 0
        else f"""
  INSERT INTO reporting_versioncount (school_id, school_year_id, status, versions)
  VALUES ({row}.school_id, {row}.school_year_id, {row}.status, 1)
  ON CONFLICT (school_year_id, school_id, status) DO UPDATE
     SET versions = reporting_versioncount.versions + 1;
""",
        f"""
  INSERT INTO reporting_backlogday (school_id, school_year_id, day, change, events)
  SELECT {row}.school_id, {row}.school_year_id, {_day(vendor, f"{row}.assembled_at")}, {sign}, {sign}
   WHERE {row}.status <> 'draft'
  {UPSERT}""",
        f"""
  INSERT INTO reporting_backlogday (school_id, school_year_id, day, change, events)
  SELECT {row}.school_id, {row}.school_year_id, {_day(vendor, f"COALESCE({seal}, {row}.status_changed_at)")},
         {-sign}, {sign}
   WHERE {seal} IS NOT NULL OR ({row}.status IN {WITHDRAWN} AND {row}.status_changed_at IS NOT NULL)
  {UPSERT}""",
    ]


def _seal(vendor: str, row: str, sign: int) -> list[str]:
    """Statements for a school seal ``row`` appearing (``sign`` 1) or going (−1): its version's
    withdrawal stops (starts) counting, the seal starts (stops) counting."""
    version = f"FROM records_recordversion v WHERE v.id = {row}.version_id AND {row}.role = 'school'"
    return [
        f"""
  INSERT INTO reporting_backlogday (school_id, school_year_id, day, change, events)
  SELECT v.school_id, v.school_year_id, {_day(vendor, "v.status_changed_at")}, {sign}, {-sign}
  {version} AND v.status IN {WITHDRAWN} AND v.status_changed_at IS NOT NULL
  {UPSERT}""",
        f"""
  INSERT INTO reporting_backlogday (school_id, school_year_id, day, change, events)
  SELECT v.school_id, v.school_year_id, {_day(vendor, f"{row}.signed_at")}, {-sign}, {sign}
  {version}
  {UPSERT}""",
    ]


VERSION_CHANGED = (
    "OLD.school_id IS DISTINCT FROM NEW.school_id OR OLD.school_year_id IS DISTINCT FROM NEW.school_year_id"
    " OR OLD.status IS DISTINCT FROM NEW.status OR OLD.assembled_at IS DISTINCT FROM NEW.assembled_at"
    " OR OLD.status_changed_at IS DISTINCT FROM NEW.status_changed_at"
)
SEAL_CHANGED = (
    "OLD.role IS DISTINCT FROM NEW.role OR OLD.version_id IS DISTINCT FROM NEW.version_id"
    " OR OLD.signed_at IS DISTINCT FROM NEW.signed_at"
)
SEAL_UPDATED = f"(OLD.role = 'school' OR NEW.role = 'school') AND ({SEAL_CHANGED})"  # only school seals count


def _postgresql() -> list[str]:
    def body(statements: list[str]) -> str:
        return "".join(statements)

    return [
        f"""
CREATE FUNCTION reporting_count_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {body(_version("postgresql", "OLD", -1))}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN {body(_version("postgresql", "NEW", 1))}
  END IF;
  RETURN NULL;
END $$
""",
        f"""
CREATE FUNCTION reporting_count_seals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {body(_seal("postgresql", "OLD", -1))}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN {body(_seal("postgresql", "NEW", 1))}
  END IF;
  RETURN NULL;
END $$
""",
        "CREATE TRIGGER reporting_versions_write AFTER INSERT OR DELETE ON records_recordversion"
        " FOR EACH ROW EXECUTE FUNCTION reporting_count_versions()",
        "CREATE TRIGGER reporting_versions_update AFTER UPDATE ON records_recordversion"
        f" FOR EACH ROW WHEN ({VERSION_CHANGED}) EXECUTE FUNCTION reporting_count_versions()",
        "CREATE TRIGGER reporting_seals_insert AFTER INSERT ON signing_signatureevent"
        " FOR EACH ROW WHEN (NEW.role = 'school') EXECUTE FUNCTION reporting_count_seals()",
        "CREATE TRIGGER reporting_seals_delete AFTER DELETE ON signing_signatureevent"
        " FOR EACH ROW WHEN (OLD.role = 'school') EXECUTE FUNCTION reporting_count_seals()",
        "CREATE TRIGGER reporting_seals_update AFTER UPDATE ON signing_signatureevent"
        f" FOR EACH ROW WHEN ({SEAL_UPDATED}) EXECUTE FUNCTION reporting_count_seals()",
    ]


POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS reporting_versions_write ON records_recordversion",
    "DROP TRIGGER IF EXISTS reporting_versions_update ON records_recordversion",
    "DROP TRIGGER IF EXISTS reporting_seals_insert ON signing_signatureevent",
    "DROP TRIGGER IF EXISTS reporting_seals_delete ON signing_signatureevent",
    "DROP TRIGGER IF EXISTS reporting_seals_update ON signing_signatureevent",
    "DROP FUNCTION IF EXISTS reporting_count_versions()",
    "DROP FUNCTION IF EXISTS reporting_count_seals()",
]


def _sqlite() -> list[str]:
    sqlite_changed = VERSION_CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    seal_changed = SEAL_UPDATED.replace("IS DISTINCT FROM", "IS NOT")
    add, remove = "".join(_version("sqlite", "NEW", 1)), "".join(_version("sqlite", "OLD", -1))
    seal_add, seal_remove = "".join(_seal("sqlite", "NEW", 1)), "".join(_seal("sqlite", "OLD", -1))
    return [
        f"CREATE TRIGGER reporting_versions_insert AFTER INSERT ON records_recordversion BEGIN {add} END",
        f"CREATE TRIGGER reporting_versions_delete AFTER DELETE ON records_recordversion BEGIN {remove} END",
        "CREATE TRIGGER reporting_versions_update AFTER UPDATE ON records_recordversion"
        f" WHEN {sqlite_changed} BEGIN {remove} {add} END",
        "CREATE TRIGGER reporting_seals_insert AFTER INSERT ON signing_signatureevent"
        f" WHEN NEW.role = 'school' BEGIN {seal_add} END",
        "CREATE TRIGGER reporting_seals_delete AFTER DELETE ON signing_signatureevent"
        f" WHEN OLD.role = 'school' BEGIN {seal_remove} END",
        "CREATE TRIGGER reporting_seals_update AFTER UPDATE ON signing_signatureevent"
        f" WHEN {seal_changed} BEGIN {seal_remove} {seal_add} END",
    ]


SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS reporting_{table}_{event}"
    for table in ("versions", "seals")
    for event in ("insert", "delete", "update")
]


def _backfill(vendor: str) -> list[str]:
    unsealed = "NOT EXISTS (SELECT 1 FROM signing_signatureevent s WHERE s.version_id = v.id AND s.role = 'school')"
    return [
        """
INSERT INTO reporting_versioncount (school_id, school_year_id, status, versions)
SELECT school_id, school_year_id, status, COUNT(*) FROM records_recordversion
GROUP BY school_id, school_year_id, status
""",
        f"""
INSERT INTO reporting_backlogday (school_id, school_year_id, day, change, events)
SELECT school_id, school_year_id, day, SUM(change), SUM(events) FROM (
  SELECT v.school_id, v.school_year_id, {_day(vendor, "v.assembled_at")} AS day, 1 AS change, 1 AS events
    FROM records_recordversion v WHERE v.status <> 'draft'
  UNION ALL
  SELECT v.school_id, v.school_year_id, {_day(vendor, "s.signed_at")}, -1, 1
    FROM signing_signatureevent s JOIN records_recordversion v ON v.id = s.version_id WHERE s.role = 'school'
  UNION ALL
  SELECT v.school_id, v.school_year_id, {_day(vendor, "v.status_changed_at")}, -1, 1
    FROM records_recordversion v
   WHERE v.status IN {WITHDRAWN} AND v.status_changed_at IS NOT NULL AND {unsealed}
) AS parts
GROUP BY school_id, school_year_id, day
""",
    ]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, _postgresql() if vendor == "postgresql" else _sqlite())
    _run(schema_editor, _backfill(vendor))


def uninstall(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    _run(schema_editor, POSTGRESQL_DROP if postgres else SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_paper_mode_change"),
        ("records", "0007_version_school_statistics"),
        ("signing", "0006_school_seal_index"),
        ("reporting", "0003_cell_counts"),
    ]

    operations = [
        migrations.CreateModel(
            name="VersionCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(max_length=20)),
                ("versions", models.IntegerField(default=0)),
                (
                    "school",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="directory.school"
                    ),
                ),
                (
                    "school_year",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="directory.schoolyear"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("school_year", "school", "status"), name="one_version_count_per_status"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="BacklogDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("change", models.IntegerField(default=0)),
                ("events", models.IntegerField(default=0)),
                (
                    "school",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="directory.school"
                    ),
                ),
                (
                    "school_year",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="directory.schoolyear"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("school_year", "school", "day"), name="one_backlog_day_per_school")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
