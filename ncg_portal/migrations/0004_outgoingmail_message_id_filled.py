import uuid

from django.conf import settings
from django.db import migrations


def fill_message_ids(apps, schema_editor):
    OutgoingMail = apps.get_model("ncg_portal", "OutgoingMail")
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "ncg-portal.invalid"
    for mail in OutgoingMail.objects.filter(message_id__isnull=True).only("pk"):
        OutgoingMail.objects.filter(pk=mail.pk).update(message_id=f"<{uuid.uuid4().hex}@{domain}>")


class Migration(migrations.Migration):
    dependencies = [("ncg_portal", "0003_historicaloutgoingmail_esp_event_and_more")]

    operations = [migrations.RunPython(fill_message_ids, migrations.RunPython.noop)]
