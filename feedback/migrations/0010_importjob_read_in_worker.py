"""Imports: a worker reads an upload (status "reading") and keeps its first rows for the mapping page.

Uploads waiting to be mapped were read in the request that stored them and have no first rows
kept: they go back to "reading", and the stalled-imports sweep has a worker read them again
(their mapping, if any, is kept for the form).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0009_write_policy_and_masked_search'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='importjob',
            name='importjob_status_valid',
        ),
        migrations.AddField(
            model_name='importjob',
            name='date_order_guess',
            field=models.CharField(blank=True, max_length=3),
        ),
        migrations.AddField(
            model_name='importjob',
            name='preview_rows',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='status',
            field=models.CharField(choices=[('reading', 'Reading the file'), ('uploaded', 'Uploaded'), ('mapped', 'Mapped'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], db_index=True, default='reading', max_length=16),
        ),
        migrations.AddConstraint(
            model_name='importjob',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['reading', 'uploaded', 'mapped', 'running', 'done', 'failed'])), name='importjob_status_valid'),
        ),
        migrations.RunSQL(
            "UPDATE feedback_importjob SET status = 'reading' WHERE status IN ('uploaded', 'mapped')",
            reverse_sql="UPDATE feedback_importjob SET status = 'uploaded' WHERE status = 'reading'",
        ),
    ]
