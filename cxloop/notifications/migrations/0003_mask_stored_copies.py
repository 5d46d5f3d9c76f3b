"""Notifications and the emails made from them are kept with personal data masked (cxloop.core.pii);
mask the ones kept before that rule."""

from django.db import migrations

from cxloop.core.pii import mask_personal_data


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    EmailMessage = apps.get_model("notifications", "EmailMessage")
    for notification in Notification.objects.iterator(chunk_size=2000):
        title, body = mask_personal_data(notification.title), mask_personal_data(notification.body)
        if (title, body) != (notification.title, notification.body):
            Notification.objects.filter(pk=notification.pk).update(title=title, body=body)
    staff_mail = EmailMessage.objects.filter(key__startswith="notification:") | EmailMessage.objects.filter(
        key__startswith="digest:"
    )
    for message in staff_mail.iterator(chunk_size=2000):
        subject, body = mask_personal_data(message.subject), mask_personal_data(message.body)
        if (subject, body) != (message.subject, message.body):
            EmailMessage.objects.filter(pk=message.pk).update(subject=subject, body=body)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_email_sending_since")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
