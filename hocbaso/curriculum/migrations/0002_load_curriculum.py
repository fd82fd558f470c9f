"""Formerly loaded the curriculum; loading now happens after the assessment points exist (0004),
so databases migrated before keep their rows and new ones are filled there."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0001_initial")]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
