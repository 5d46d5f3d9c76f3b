"""Webhooks: verified deliveries that could not be stored as feedback are kept as dead letters
(one per source and body), with the reason, for an administrator to map again (#13, item 7)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0010_importjob_read_in_worker'),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookDeadLetter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('received_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('last_received_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('deliveries', models.PositiveIntegerField(default=1)),
                ('status', models.CharField(choices=[('open', 'Open'), ('resolved', 'Resolved')], db_index=True, default='open', max_length=16)),
                ('reason', models.CharField(max_length=300)),
                ('errors', models.JSONField(default=list)),
                ('signature', models.CharField(max_length=80)),
                ('content_type', models.CharField(blank=True, max_length=100)),
                ('delivery_id', models.CharField(blank=True, max_length=200)),
                ('body', models.BinaryField(max_length=65536)),
                ('body_size', models.PositiveIntegerField()),
                ('body_sha256', models.CharField(max_length=64)),
                ('retries', models.PositiveIntegerField(default=0)),
                ('retried_at', models.DateTimeField(blank=True, null=True)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('source', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dead_letters', to='feedback.source')),
            ],
            options={
                'verbose_name': 'webhook dead letter',
                'ordering': ['-received_at'],
                'constraints': [models.UniqueConstraint(fields=('source', 'body_sha256'), name='deadletter_one_per_body'), models.CheckConstraint(condition=models.Q(('status__in', ['open', 'resolved'])), name='deadletter_status_valid')],
            },
        ),
    ]
