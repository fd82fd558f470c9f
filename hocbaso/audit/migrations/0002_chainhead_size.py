from django.db import migrations, models


def count_events(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The head of an existing chain counts its events; a new deployment starts with the row."""
    ChainHead = apps.get_model("audit", "ChainHead")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    size = AuditEvent.objects.count()
    if not ChainHead.objects.filter(pk=1).update(size=size):
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        ChainHead.objects.create(pk=1, size=size, last_hash=last or "0" * 64)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="chainhead",
            name="size",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(count_events, migrations.RunPython.noop),
    ]
