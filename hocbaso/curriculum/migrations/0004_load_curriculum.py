"""Load the curriculum data files, so `migrate` alone provides the curriculum."""

from types import SimpleNamespace

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from hocbaso.curriculum.loading import load_all

    names = ["CurriculumVersion", "AssessmentPoint", "Subject", "GradeSubject", "TestCell", "Competency"]
    load_all(SimpleNamespace(**{name: apps.get_model("curriculum", name) for name in names}))


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0003_assessment_points")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
