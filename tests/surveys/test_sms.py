"""Text messages through the provider interface, against a fake of Twilio's API on loopback: sent
once, retried while the provider fails with 5xx, failed for good on a 4xx, never to a number whose
customer may not be contacted."""

import pytest
from django.conf import settings as django_settings

from cxloop.notifications.models import TextMessage
from cxloop.notifications.sms_services import TextOutcome, text_queue, text_send
from tests.factories import CustomerFactory
from tests.fixtures.servers import wait_until

from .fake_twilio import ACCOUNT, SENDER, TOKEN, FakeTwilio, basic_auth

Status = TextMessage.Status


@pytest.fixture
def twilio(settings):
    fake = FakeTwilio().start()
    settings.CXLOOP_SMS_PROVIDER = "twilio"
    settings.CXLOOP_SMS_BASE_URL = fake.url
    settings.CXLOOP_SMS_ACCOUNT = ACCOUNT
    settings.CXLOOP_SMS_TOKEN = TOKEN
    settings.CXLOOP_SMS_FROM = SENDER
    yield fake
    fake.stop()


@pytest.mark.django_db
def test_a_text_goes_to_twilio_once_with_its_fields_and_credentials(twilio):
    # given
    message = text_queue(key="test:sms:1", to="+351912345678", body="How did we do? https://x.test/s/abc/")
    # when
    outcomes = [text_send(text_id=message.pk), text_send(text_id=message.pk)]
    # then
    message.refresh_from_db()
    assert outcomes == [TextOutcome.SENT, TextOutcome.SKIPPED]
    (request,) = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["auth"] == basic_auth()
    assert request["form"] == {
        "To": "+351912345678",
        "From": SENDER,
        "Body": "How did we do? https://x.test/s/abc/",
    }
    assert (message.status, message.provider_id, message.attempts) == (Status.SENT, "SM" + "1".zfill(32), 1)


@pytest.mark.django_db
def test_a_5xx_is_retried_and_then_sent(twilio):
    # given
    twilio.answers = [503, 201]
    message = text_queue(key="test:sms:2", to="+351912345678", body="Hello")
    # when
    first = text_send(text_id=message.pk)
    message.refresh_from_db()
    after_first = (message.status, message.attempts, message.error)
    second = text_send(text_id=message.pk)
    # then
    message.refresh_from_db()
    assert (first, second) == (TextOutcome.RETRY, TextOutcome.SENT)
    assert after_first == (Status.PENDING, 1, "Twilio answered 503")
    assert (message.status, message.attempts) == (Status.SENT, 2)


@pytest.mark.django_db
def test_a_4xx_fails_for_good_with_twilios_reason(twilio):
    # given
    twilio.answers = [400]
    message = text_queue(key="test:sms:3", to="+1", body="Hello")
    # when
    outcomes = [text_send(text_id=message.pk), text_send(text_id=message.pk)]
    # then
    message.refresh_from_db()
    assert outcomes == [TextOutcome.FAILED, TextOutcome.SKIPPED]
    assert message.status == Status.FAILED
    assert "21211" in message.error
    assert len(twilio.requests) == 1


@pytest.mark.django_db
def test_a_provider_that_keeps_failing_is_given_up_after_the_last_attempt(twilio):
    twilio.answers = [502]
    message = text_queue(key="test:sms:4", to="+351912345678", body="Hello")
    outcomes = [text_send(text_id=message.pk) for _ in range(6)]
    message.refresh_from_db()
    assert outcomes == [TextOutcome.RETRY] * 4 + [TextOutcome.FAILED, TextOutcome.SKIPPED]
    assert (message.status, message.attempts) == (Status.FAILED, 5)


@pytest.mark.django_db
def test_a_do_not_contact_customers_number_gets_nothing_however_it_is_written(twilio):
    # given: the number is stored with spaces, the message names no customer
    CustomerFactory(phone="+351 912 345 678", do_not_contact=True)
    # when
    message = text_queue(key="test:sms:5", to="+351912345678", body="Hello")
    # then
    assert message.status == Status.SUPPRESSED
    assert message.body == ""
    assert twilio.requests == []


@pytest.mark.django_db
def test_a_customer_flagged_after_queueing_gets_nothing(twilio):
    customer = CustomerFactory(phone="+351912345678")
    message = text_queue(key="test:sms:6", to=customer.phone, body="Hello", customer_id=customer.pk)
    customer.do_not_contact = True
    customer.save()
    assert text_send(text_id=message.pk) == TextOutcome.SKIPPED
    message.refresh_from_db()
    assert message.status == Status.SUPPRESSED
    assert twilio.requests == []


@pytest.mark.django_db
def test_without_a_provider_a_text_fails_saying_so(settings):
    settings.CXLOOP_SMS_PROVIDER = ""
    message = text_queue(key="test:sms:7", to="+351912345678", body="Hello")
    assert text_send(text_id=message.pk) == TextOutcome.FAILED
    message.refresh_from_db()
    assert "CXLOOP_SMS_PROVIDER" in message.error


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_through_5xx_until_twilio_takes_it(processes):
    # given: Twilio fails twice, then accepts
    twilio = FakeTwilio(answers=[500, 503, 201]).start()
    env = processes.env(
        django_settings.REDIS_URL,
        CXLOOP_SMS_PROVIDER="twilio",
        CXLOOP_SMS_BASE_URL=twilio.url,
        CXLOOP_SMS_ACCOUNT=ACCOUNT,
        CXLOOP_SMS_TOKEN=TOKEN,
        CXLOOP_SMS_FROM=SENDER,
    )
    processes.worker(env, "sms")
    try:
        # when
        message = text_queue(key="test:sms:worker", to="+351912345678", body="Hello")
        # then
        sent = lambda: TextMessage.objects.filter(pk=message.pk, status=Status.SENT).exists()  # noqa: E731
        wait_until(sent, timeout=60, what="the text message to be sent after two retries")
        message.refresh_from_db()
        assert message.attempts == 3
        assert len(twilio.requests) == 3
    finally:
        twilio.stop()
