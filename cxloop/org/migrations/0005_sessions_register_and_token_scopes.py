"""API tokens get scopes, an expiry and rotation; signed-in sessions get a register.

Existing tokens: read_write becomes all four scopes, ingest stays ingest; each expires
CXLOOP_API_TOKEN_DAYS after this migration (not after its creation, which would end old tokens at
once). Existing signed-in sessions are entered in the register, so they can be ended too.
"""

from datetime import timedelta

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

ALL_SCOPES = ["ingest", "read", "cases", "metrics"]


def forwards_tokens(apps, schema_editor):
    ApiToken = apps.get_model("org", "ApiToken")
    expires_at = django.utils.timezone.now() + timedelta(days=settings.CXLOOP_API_TOKEN_DAYS)
    ApiToken.objects.filter(scope="read_write").update(scopes=ALL_SCOPES, expires_at=expires_at)
    ApiToken.objects.exclude(scope="read_write").update(scopes=["ingest"], expires_at=expires_at)


def backwards_tokens(apps, schema_editor):
    ApiToken = apps.get_model("org", "ApiToken")
    ApiToken.objects.filter(scopes=["ingest"]).update(scope="ingest")
    ApiToken.objects.exclude(scopes=["ingest"]).update(scope="read_write")


def register_sessions(apps, schema_editor):
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    UserSession = apps.get_model("org", "UserSession")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    now = django.utils.timezone.now()
    user_ids = set(User.objects.values_list("pk", flat=True))
    rows = []
    for session in Session.objects.filter(expire_date__gt=now).iterator():
        data = SessionStore().decode(session.session_data)
        user_id = data.get("_auth_user_id")
        if user_id is None or int(user_id) not in user_ids:
            continue
        rows.append(UserSession(session_id=session.session_key, user_id=int(user_id), created_at=now, last_seen_at=now))
    UserSession.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0004_triage_team"),
        ("sessions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[
                        ("ingest", "Ingest: send feedback"),
                        ("read", "Read: feedback, cases, signals, initiatives, decisions"),
                        ("cases", "Cases: act on cases and the loop's other work"),
                        ("metrics", "Metrics: NPS, CSAT, CES and loop-closure reports"),
                    ],
                    max_length=16,
                ),
                default=list,
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="rotated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="previous_key_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="previous_key_valid_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(forwards_tokens, backwards_tokens),
        migrations.RemoveConstraint(model_name="apitoken", name="api_token_scope_valid"),
        migrations.RemoveField(model_name="apitoken", name="scope"),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("scopes__contained_by", ["ingest", "read", "cases", "metrics"]), ("scopes__len__gte", 1)
                ),
                name="api_token_scopes_valid",
            ),
        ),
        migrations.CreateModel(
            name="UserSession",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_seen_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("ip", models.GenericIPAddressField(blank=True, null=True)),
                ("user_agent", models.CharField(blank=True, max_length=300)),
                (
                    "session",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="register", to="sessions.session"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sessions_register",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-last_seen_at"]},
        ),
        migrations.RunPython(register_sessions, migrations.RunPython.noop),
    ]
