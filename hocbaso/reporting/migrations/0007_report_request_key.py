"""A report's form carries a one-time key: submitting the same form twice starts one run."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0006_school_seal_on_summaries"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportrun",
            name="request_key",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
    ]
