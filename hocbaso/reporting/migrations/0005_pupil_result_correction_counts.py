"""The per-class open enrolments (``reporting.EnrolmentCount``), the per-class year results of
pupils still enrolled there (``reporting.ResultCount``) and the per-school correction requests by
state (``reporting.CorrectionCount``), kept by database triggers in the same transaction as every
write of an enrolment, a year page, a correction request or a version's school and year; filled
from the rows already there. ADR 0021 explains what each row counts.

Each summary counts pairs of rows joined on their key, so that a write on either side moves
exactly the pairs it makes or breaks (``_triggers``: −1 for the old row, +1 for the new one):

- an enrolment without an end date: +1 for its class;
- (open enrolment, year page with a result) of the same pupil and class: +1 for the class and result;
- (correction request, its version): +1 for the version's school, year and the request's state.

Two partial indexes for the few rows the figures still read directly: the enrolments that have an
end date (``directory_enrolment``), and the year pages with a result but no days absent
(``assessments_studentyear``, the "missing year page" figure).
"""

import django.db.models.deletion
from django.db import migrations, models

from hocbaso.reporting.migrations import _triggers

ENROLMENTS = "reporting_enrolmentcount"
RESULTS = "reporting_resultcount"
CORRECTIONS = "reporting_correctioncount"


def _enrolment(row: str, sign: int) -> list[str]:
    """An enrolment ``row``: its class's open count, and its pairs with the pupil's year page there."""
    return [
        _triggers.upsert(
            ENROLMENTS,
            ["class_group_id"],
            "enrolments",
            f"SELECT {row}.class_group_id, {sign} WHERE {row}.end_date IS NULL",
        ),
        _triggers.upsert(
            RESULTS,
            ["class_group_id", "result"],
            "pupils",
            f"""SELECT y.class_group_id, y.result, {sign} * COUNT(*) FROM assessments_studentyear y
   WHERE {row}.end_date IS NULL AND y.student_id = {row}.student_id
     AND y.class_group_id = {row}.class_group_id AND y.result <> ''
   GROUP BY y.class_group_id, y.result""",
        ),
    ]


def _year(row: str, sign: int) -> list[str]:
    """A year page ``row`` with a result: its pairs with the pupil's open enrolments in its class."""
    return [
        _triggers.upsert(
            RESULTS,
            ["class_group_id", "result"],
            "pupils",
            f"""SELECT e.class_group_id, {row}.result, {sign} * COUNT(*) FROM directory_enrolment e
   WHERE {row}.result <> '' AND e.student_id = {row}.student_id
     AND e.class_group_id = {row}.class_group_id AND e.end_date IS NULL
   GROUP BY e.class_group_id""",
        )
    ]


def _request(row: str, sign: int) -> list[str]:
    """A correction request ``row``: +1 for its version's school and year, in its state."""
    return [
        _triggers.upsert(
            CORRECTIONS,
            ["school_year_id", "school_id", "state"],
            "requests",
            f"""SELECT v.school_year_id, v.school_id, {row}.state, {sign} FROM records_recordversion v
   WHERE v.id = {row}.version_id""",
        )
    ]


def _version(row: str, sign: int) -> list[str]:
    """A version ``row``: its requests, counted at its school and year."""
    return [
        _triggers.upsert(
            CORRECTIONS,
            ["school_year_id", "school_id", "state"],
            "requests",
            f"""SELECT {row}.school_year_id, {row}.school_id, c.state, {sign} * COUNT(*)
    FROM records_correctionrequest c WHERE c.version_id = {row}.id GROUP BY c.state""",
        )
    ]


# (name, table, statements, the columns whose change re-counts an updated row)
TRIGGERS = [
    ("count_enrolments", "directory_enrolment", _enrolment, ["class_group_id", "student_id", "end_date"]),
    ("count_results", "assessments_studentyear", _year, ["class_group_id", "student_id", "result"]),
    ("count_corrections", "records_correctionrequest", _request, ["version_id", "state"]),
    ("count_version_corrections", "records_recordversion", _version, ["id", "school_id", "school_year_id"]),
]

BACKFILL = [
    f"""
INSERT INTO {ENROLMENTS} (class_group_id, enrolments)
SELECT class_group_id, COUNT(*) FROM directory_enrolment WHERE end_date IS NULL GROUP BY class_group_id
""",
    f"""
INSERT INTO {RESULTS} (class_group_id, result, pupils)
SELECT y.class_group_id, y.result, COUNT(*) FROM assessments_studentyear y
  JOIN directory_enrolment e ON e.student_id = y.student_id AND e.class_group_id = y.class_group_id
 WHERE e.end_date IS NULL AND y.result <> ''
 GROUP BY y.class_group_id, y.result
""",
    f"""
INSERT INTO {CORRECTIONS} (school_year_id, school_id, state, requests)
SELECT v.school_year_id, v.school_id, c.state, COUNT(*) FROM records_correctionrequest c
  JOIN records_recordversion v ON v.id = c.version_id
 GROUP BY v.school_year_id, v.school_id, c.state
""",
]

INDEXES = [
    "CREATE INDEX reporting_ended_enrolments ON directory_enrolment (school_year_id, end_date)"
    " WHERE end_date IS NOT NULL",
    "CREATE INDEX reporting_years_without_days_absent ON assessments_studentyear (school_year_id, class_group_id)"
    " WHERE days_absent IS NULL AND result <> ''",
]
INDEXES_DROP = [
    "DROP INDEX IF EXISTS reporting_ended_enrolments",
    "DROP INDEX IF EXISTS reporting_years_without_days_absent",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, statements, columns in TRIGGERS:
        _triggers.run(schema_editor, _triggers.install(vendor, name, table, statements, columns))
    _triggers.run(schema_editor, BACKFILL + INDEXES)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, _statements, _columns in TRIGGERS:
        _triggers.run(schema_editor, _triggers.drop(vendor, name, table))
    _triggers.run(schema_editor, INDEXES_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_paper_mode_change"),
        ("assessments", "0003_entry_window_deadline"),
        ("records", "0007_version_school_statistics"),
        ("reporting", "0004_version_counts_backlog_days"),
    ]

    operations = [
        migrations.CreateModel(
            name="EnrolmentCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("enrolments", models.IntegerField(default=0)),
                (
                    "class_group",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="directory.classgroup"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ResultCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("result", models.CharField(max_length=16)),
                ("pupils", models.IntegerField(default=0)),
                (
                    "class_group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="directory.classgroup"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("class_group", "result"), name="one_result_count_per_class")
                ],
            },
        ),
        migrations.CreateModel(
            name="CorrectionCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("state", models.CharField(max_length=10)),
                ("requests", models.IntegerField(default=0)),
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
                        fields=("school_year", "school", "state"), name="one_correction_count_per_state"
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
