"""Assessment points become data (AssessmentPoint); a test cell refers to one. Test cells are
derived from the data files, so existing ones are dropped here and reloaded by 0004."""

import django.db.models.deletion
from django.db import migrations, models


def drop_test_cells(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("curriculum", "TestCell").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0002_load_curriculum")]

    operations = [
        migrations.RunPython(drop_test_cells, migrations.RunPython.noop),
        migrations.CreateModel(
            name="AssessmentPoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=20)),
                ("name", models.CharField(max_length=60)),
                ("short_name", models.CharField(max_length=10)),
                ("order", models.PositiveSmallIntegerField()),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="points",
                        to="curriculum.curriculumversion",
                    ),
                ),
            ],
            options={
                "ordering": ["version", "order"],
                "constraints": [
                    models.UniqueConstraint(fields=("version", "code"), name="point_code_per_version"),
                    models.UniqueConstraint(fields=("version", "order"), name="point_order_per_version"),
                ],
            },
        ),
        migrations.RemoveConstraint(model_name="testcell", name="test_cell_once"),
        migrations.RemoveField(model_name="testcell", name="point"),
        migrations.AddField(
            model_name="testcell",
            name="point",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="test_cells",
                to="curriculum.assessmentpoint",
            ),
        ),
        migrations.AlterField(
            model_name="testcell",
            name="point",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="test_cells",
                to="curriculum.assessmentpoint",
            ),
        ),
        migrations.AddConstraint(
            model_name="testcell",
            constraint=models.UniqueConstraint(fields=("subject", "grade", "point"), name="test_cell_once"),
        ),
    ]
