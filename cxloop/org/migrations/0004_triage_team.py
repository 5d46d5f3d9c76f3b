from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_integrations_hold_no_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="is_triage_team",
            field=models.BooleanField(
                default=False,
                help_text="Takes the feedback no rule or routing can place. At most one team.",
                verbose_name="the organisation's triage team",
            ),
        ),
        migrations.AddConstraint(
            model_name="team",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_triage_team", True)), fields=("is_triage_team",), name="team_one_triage_team"
            ),
        ),
    ]
