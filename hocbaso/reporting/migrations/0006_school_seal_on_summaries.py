"""A school's year-end summary may be sealed too (with the school's own seal): the check that a
sealed run names who applied the seal no longer limits sealing to a unit's roll-up."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0005_pupil_result_correction_counts"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="reportrun", name="report_run_seal_names_officer"),
        migrations.AddConstraint(
            model_name="reportrun",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("seal_credential__isnull", True), ("sealed_by__isnull", True)),
                    models.Q(("seal_credential__isnull", False), ("sealed_by__isnull", False)),
                    _connector="OR",
                ),
                name="report_run_seal_names_officer",
            ),
        ),
    ]
