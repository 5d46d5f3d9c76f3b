import pytest

from cxloop.notifications.models import EmailMessage, Notification, NotificationPreference
from cxloop.notifications.services import digests_send, email_send, notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(people):
    people["lead"].email = "lead@example.test"
    people["lead"].save()
    return people["lead"]


def test_a_notification_is_made_and_emailed_once_per_key(lead, mailoutbox):
    # when
    for _ in range(3):
        notify(user=lead, key="case:1:opened", kind="case_opened", title="New case", url="/cases/1/")
    for email in EmailMessage.objects.all():
        email_send(email_id=email.pk)
        email_send(email_id=email.pk)
    # then
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "New case"
    assert "/cases/1/" in mailoutbox[0].body


def test_digest_readers_get_one_email_a_day(lead, mailoutbox):
    # given
    NotificationPreference.objects.create(user=lead, daily_digest=True)
    notify(user=lead, key="a", kind="k", title="First thing")
    notify(user=lead, key="b", kind="k", title="Second thing")
    # when
    digests_send()
    digests_send()
    for email in EmailMessage.objects.all():
        email_send(email_id=email.pk)
    # then
    assert len(mailoutbox) == 1
    assert "First thing" in mailoutbox[0].body
    assert "Second thing" in mailoutbox[0].body


def test_bell_and_inbox(client, lead):
    notify(user=lead, key="x", kind="k", title="Something for you", email=False)
    client.force_login(lead)
    assert 'class="badge">1<' in client.get("/notifications/bell/").content.decode()
    assert "Something for you" in client.get("/notifications/").content.decode()
    client.post("/notifications/read/")
    assert "badge" not in client.get("/notifications/bell/").content.decode()


def interrupted(minutes_ago: int) -> EmailMessage:
    """An email a killed worker left between "sending" and "sent"."""
    from datetime import timedelta

    from django.utils import timezone

    return EmailMessage.objects.create(
        key=f"k{minutes_ago}",
        to="customer@example.test",
        subject="We fixed it",
        body="...",
        status=EmailMessage.Status.SENDING,
        sending_since=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_the_outbox_lists_interrupted_emails_and_sends_them_again_once(
    admin_client, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    # given
    from cxloop.notifications.services import emails_sweep

    old, recent = interrupted(minutes_ago=60), interrupted(minutes_ago=2)
    failed = EmailMessage.objects.create(
        key="f", to="x@example.test", subject="Failed one", body=".", status="failed"
    )
    sent = EmailMessage.objects.create(
        key="s", to="y@example.test", subject="Sent one", body=".", status="sent"
    )
    # then: the sweep never sends them on its own, and says so
    assert emails_sweep() == 0
    assert "1 email(s) interrupted while sending" in caplog.text
    listed = admin_client.get("/admin/notifications/emailmessage/?attention=interrupted").content.decode()
    assert f"/admin/notifications/emailmessage/{old.pk}/change/" in listed
    assert f"/admin/notifications/emailmessage/{recent.pk}/change/" not in listed
    # when: a person checks them and sends them again
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(
            "/admin/notifications/emailmessage/",
            {"action": "send_again", "_selected_action": [old.pk, recent.pk, failed.pk, sent.pk]},
        )
    for email_id in [old.pk, failed.pk]:
        email_send(email_id=email_id)
    # then: the interrupted and the failed ones go out once; the recent and the sent ones are left alone
    assert len(callbacks) == 2
    assert sorted(message.subject for message in mailoutbox) == ["Failed one", "We fixed it"]
    assert EmailMessage.objects.get(pk=recent.pk).status == EmailMessage.Status.SENDING
    assert EmailMessage.objects.get(pk=sent.pk).status == EmailMessage.Status.SENT
