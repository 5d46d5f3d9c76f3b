# The audit log becomes append-only (#15): who acted is kept as a username too, with the address and
# the customer the row is about; then a trigger refuses UPDATE and DELETE of its rows.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Raised for any UPDATE or DELETE of a row, by whoever runs it through the application's role
# (the ORM, raw SQL, a cascade). TRUNCATE fires no row trigger: the test runner's flush still works.
APPEND_ONLY = """
CREATE FUNCTION core_auditevent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % of core_auditevent is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse_change();
"""
DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_refuse_change();
"""
# Rows written before: their actor's current username (later rows take it when written).
BACKFILL_USERNAMES = """
UPDATE core_auditevent AS event SET actor_username = person.username
FROM auth_user AS person WHERE person.id = event.actor_id;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['-created_at', '-id']},
        ),
        migrations.AddField(
            model_name='auditevent',
            name='actor_username',
            field=models.CharField(blank=True, default='', max_length=150),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='customer_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['customer_id', '-id'], name='audit_customer'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['actor_username', '-id'], name='audit_actor_username'),
        ),
        migrations.RunSQL(BACKFILL_USERNAMES, migrations.RunSQL.noop),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
