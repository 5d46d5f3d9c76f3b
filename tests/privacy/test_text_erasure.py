"""Erasing a customer empties the text messages sent to them, as it does their emails."""

import pytest
from django.core.management import call_command

from cxloop.notifications.models import TextMessage
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_erasing_a_customer_empties_their_sent_texts_and_deletes_the_unsent():
    # given: a text sent to the customer, one still waiting, and one to someone else
    customer = CustomerFactory(external_id="sms-1", phone="+351912345678")
    other = CustomerFactory(external_id="sms-2", phone="+351900000000")
    sent = TextMessage.objects.create(
        key="t-sent", to=customer.phone, body="How was your visit? https://x/s/abc/", customer_id=customer.pk,
        status=TextMessage.Status.SENT,
    )  # fmt: skip
    TextMessage.objects.create(key="t-wait", to=customer.phone, body="Reminder", customer_id=customer.pk)
    kept = TextMessage.objects.create(key="t-other", to=other.phone, body="Hello", customer_id=other.pk)
    # when
    call_command("erase_customer", "--external-id", "sms-1")
    # then
    sent.refresh_from_db()
    assert (sent.to, sent.body) == ("", "")
    assert not TextMessage.objects.filter(key="t-wait").exists()
    kept.refresh_from_db()
    assert (kept.to, kept.body) == (other.phone, "Hello")
