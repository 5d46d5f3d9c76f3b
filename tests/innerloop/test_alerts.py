"""Alerts people can bear: who hears about a new case, and one summary email per person per window."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.notifications.models import EmailMessage, Notification, NotificationPreference
from cxloop.notifications.services import (
    EMAIL_LOST_AFTER,
    alert_summaries_send,
    emails_pending_ids,
    notifications_create,
)
from cxloop.org.presence import presence_record, seen_since

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mailboxes(people):
    for user in people.values():
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])


def _alerts(user, n: int, *, start: int = 0):
    return notifications_create(
        notifications=[
            {"user_id": user.pk, "key": f"case:{i}:opened:{user.pk}", "kind": "case_opened",
             "title": f"New high-priority case {i}", "body": "Call me on 07700 900123", "url": f"/cases/{i}/"}
            for i in range(start, start + n)
        ]
    )  # fmt: skip


def test_alerts_are_written_once_each_and_masked(people):
    # when
    first = _alerts(people["lead"], 3)
    again = _alerts(people["lead"], 3)
    # then
    assert (first, again) == (3, 0)
    assert not Notification.objects.filter(body__contains="900123").exists()


def test_a_burst_becomes_one_summary_email_per_person_per_window(people):
    # given: 40 new cases for the lead, who is not in the app
    _alerts(people["lead"], 40)
    now = timezone.now()
    # when: the summary job runs every minute
    sent = [alert_summaries_send(now=now + timedelta(seconds=s)) for s in (0, 60, 120)]
    # then: one email listing them all; nothing more until new alerts arrive
    assert sent == [1, 0, 0]
    email = EmailMessage.objects.get(key__startswith="alerts:")
    assert "40 new cases" in email.subject
    assert email.body.count("/cases/") == 40
    # a second burst later gets its own summary, in a new window
    _alerts(people["lead"], 5, start=100)
    assert alert_summaries_send(now=now + timedelta(minutes=6)) == 1


def test_no_summary_for_people_in_the_app_or_reading_the_daily_digest(people):
    # given
    _alerts(people["agent"], 2)
    _alerts(people["lead"], 2)
    presence_record(user_id=people["agent"].pk)
    NotificationPreference.objects.create(user=people["lead"], daily_digest=True)
    # then
    assert alert_summaries_send() == 0


def test_presence_is_noted_at_most_once_a_minute(people):
    # when
    first = presence_record(user_id=people["agent"].pk)
    second = presence_record(user_id=people["agent"].pk)
    # then
    assert (first, second) == (True, False)
    since = timezone.now() - timedelta(minutes=15)
    assert seen_since(user_ids={people["agent"].pk, people["lead"].pk}, since=since) == {people["agent"].pk}


def test_the_email_sweep_takes_only_what_is_really_lost(people):
    # given: one email queued a minute ago (its task is only waiting), one long ago (its task was lost)
    waiting = EmailMessage.objects.create(key="a", to="a@example.test", subject="s", body="b")
    lost = EmailMessage.objects.create(key="b", to="b@example.test", subject="s", body="b")
    EmailMessage.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    EmailMessage.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - EMAIL_LOST_AFTER - timedelta(minutes=1)
    )
    # then
    assert emails_pending_ids() == [lost.pk]
