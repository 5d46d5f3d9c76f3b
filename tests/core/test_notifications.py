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
