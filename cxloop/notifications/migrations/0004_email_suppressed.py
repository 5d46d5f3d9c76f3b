"""Do not contact: an email to someone who may not be contacted is kept as "suppressed", never sent;
and a message says which customer it is for, when its sender says so."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_mask_stored_copies")]

    operations = [
        migrations.RemoveConstraint(model_name="emailmessage", name="email_status_valid"),
        migrations.AddField(
            model_name="emailmessage",
            name="customer_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AlterField(
            model_name="emailmessage",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("suppressed", "Suppressed (may not be contacted)"),
                ],
                db_index=True,
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="emailmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "sending", "sent", "failed", "suppressed"])),
                name="email_status_valid",
            ),
        ),
    ]
