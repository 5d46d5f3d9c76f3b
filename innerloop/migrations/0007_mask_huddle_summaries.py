"""Huddle summaries, and the emails that carried them to team leads, are kept with personal data
masked (cxloop.core.pii); mask the ones built before that rule."""

from django.db import migrations

from cxloop.core.pii import mask_personal_data

COMMENT_LISTS = ("shout_outs", "learning_moments")


def forwards(apps, schema_editor):
    Huddle = apps.get_model("innerloop", "Huddle")
    EmailMessage = apps.get_model("notifications", "EmailMessage")
    for huddle in Huddle.objects.exclude(summary={}).iterator(chunk_size=500):
        summary, changed = huddle.summary, False
        for name in COMMENT_LISTS:
            for item in summary.get(name) or ():
                masked = mask_personal_data(item.get("comment") or "")
                if masked != (item.get("comment") or ""):
                    item["comment"], changed = masked, True
        if changed:
            Huddle.objects.filter(pk=huddle.pk).update(summary=summary)
    for message in EmailMessage.objects.filter(key__startswith="huddle-summary:").iterator(chunk_size=500):
        body = mask_personal_data(message.body)
        if body != message.body:
            EmailMessage.objects.filter(pk=message.pk).update(body=body)


class Migration(migrations.Migration):
    dependencies = [
        ("innerloop", "0006_huddle_cadence_choices"),
        ("notifications", "0003_mask_stored_copies"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
