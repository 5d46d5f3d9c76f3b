"""Integration service users hold no role any more, and their tokens only send feedback.

Before, an integration acted as an administrator: it could read everything and appeared in
people pickers. Its sources are bound in feedback's migration 0010.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    ApiToken = apps.get_model("org", "ApiToken")
    Membership = apps.get_model("org", "Membership")
    integration_users = ApiToken.objects.filter(is_integration=True).values("user_id")
    Membership.objects.filter(user_id__in=integration_users).delete()
    ApiToken.objects.filter(is_integration=True).update(scope="ingest")


class Migration(migrations.Migration):
    dependencies = [("org", "0002_apitoken")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
