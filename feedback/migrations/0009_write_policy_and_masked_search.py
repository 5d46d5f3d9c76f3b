"""The write policy (feedback.permissions) and a search index without personal data.

- Sources say whether they are the customers' source of truth, and which integration tokens may
  send for them; integration tokens that existed before are bound to every source, so that they
  keep working until an administrator narrows them.
- The *manage customers* permission.
- The search vector is rebuilt over the comment without emails, phone and card numbers
  (enrichment.pii.searchable_comment), so a search cannot confirm a masked value. A generated
  column cannot be altered: it is dropped with its index and added again.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


# What feedback.enrichment.pii.searchable_comment() gave when this migration was written.
EMAIL = "[^[:space:]]+@[^[:space:]]+"
DIGIT = "0-9\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\uff10-\uff19"
DIGITS = f"[{DIGIT}][{DIGIT} ()./+-]{{5,}}[{DIGIT}]"
SEARCHABLE = models.Func(
    models.Func(models.F("comment"), models.Value(EMAIL), models.Value(" "), models.Value("g"),
                function="regexp_replace", output_field=models.TextField()),
    models.Value(DIGITS), models.Value(" "), models.Value("g"), function="regexp_replace",
    output_field=models.TextField(),
)  # fmt: skip

def bind_existing_integrations(apps, schema_editor):
    Source = apps.get_model("feedback", "Source")
    ApiToken = apps.get_model("org", "ApiToken")
    tokens = list(ApiToken.objects.filter(is_integration=True, revoked_at__isnull=True))
    for source in Source.objects.all():
        source.integration_tokens.add(*tokens)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0008_feedback_delivery_hashes"),
        ("org", "0003_integrations_hold_no_role"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="customer",
            options={
                "permissions": [
                    ("manage_customers", "Can change customers' contact details, segment and value")
                ]
            },
        ),
        migrations.AddField(
            model_name="source",
            name="customer_authority",
            field=models.BooleanField(
                default=False,
                help_text="Its deliveries may change stored customers' contact details, segment and value.",
                verbose_name="source of truth for customers",
            ),
        ),
        migrations.AddField(
            model_name="source",
            name="integration_tokens",
            field=models.ManyToManyField(
                blank=True,
                help_text="Integration tokens that may send feedback for this source.",
                limit_choices_to={"is_integration": True},
                related_name="sources",
                to="org.apitoken",
            ),
        ),
        migrations.RunPython(bind_existing_integrations, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="feedback", name="feedback_search"),
        migrations.RemoveField(model_name="feedback", name="search_vector"),
        migrations.AddField(
            model_name="feedback",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.SearchVector(SEARCHABLE, config="english"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="feedback_search"),
        ),
    ]
