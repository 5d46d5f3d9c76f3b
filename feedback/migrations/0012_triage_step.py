"""Triage becomes its own step after enrichment, with its own marker (triaged_at) and result.

Until now an item was triaged in the transaction that enriched it, so everything processed was
triaged: those rows are marked triaged when they were processed, before the index of the untriaged
is built (it then holds only what is really waiting).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0011_webhook_dead_letters"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="triage_result",
            field=models.JSONField(
                blank=True, db_default=models.Value({}, models.JSONField()), default=dict
            ),
        ),
        migrations.AddField(
            model_name="feedback",
            name="triaged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(
            "UPDATE feedback_feedback SET triaged_at = processed_at WHERE processed_at IS NOT NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                condition=models.Q(("processed_at__isnull", False), ("triaged_at__isnull", True)),
                fields=["processed_at"],
                name="feedback_untriaged",
            ),
        ),
    ]
