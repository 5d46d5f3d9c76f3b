# The audit of a change to a customer's details kept the values before and after (their old and new
# email, phone...). The audit log becomes append-only (core 0002 installs the trigger), so nothing
# could erase them later: rows written so far keep the field names only, before the trigger exists.

from django.db import migrations


def field_names_only(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for event in AuditEvent.objects.filter(verb="customer.updated", data__has_key="changes").iterator(
        chunk_size=500
    ):
        data = {key: value for key, value in event.data.items() if key != "changes"}
        data["fields"] = sorted(event.data["changes"])
        AuditEvent.objects.filter(pk=event.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0014_privacy_retention"),
        ("core", "0001_initial"),
    ]
    # Before the audit log refuses updates.
    run_before = [("core", "0002_audit_append_only")]

    operations = [migrations.RunPython(field_names_only, migrations.RunPython.noop)]
