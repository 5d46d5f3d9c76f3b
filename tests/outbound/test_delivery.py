"""Sending: signed per Standard Webhooks, retried with back-off for at least a day, given up and the
endpoint disabled (its owner told) when it keeps failing, never to private addresses in production."""

import importlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from cxloop.notifications.models import EmailMessage, Notification
from cxloop.outbound.delivery import (
    BACKOFF,
    RETRY_WINDOW,
    deliveries_sweep,
    delivery_record,
    delivery_send,
    retry_delay,
)
from cxloop.outbound.models import DeliveryAttempt, Endpoint, OutboundDelivery
from cxloop.outbound.services import endpoint_test_event, event_emit
from cxloop.outbound.transport import PostResult
from tests.factories import OutboundEndpointFactory, UserFactory

from .receiver import Receiver

pytestmark = pytest.mark.django_db
State = OutboundDelivery.State


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def a_delivery(endpoint, *, type_="case.resolved") -> OutboundDelivery:
    event = event_emit(type=type_, payload={"case": {"id": 7, "url": "http://x/cases/7/"}})
    assert event is not None
    return OutboundDelivery.objects.get(event=event, endpoint=endpoint)


def test_a_delivery_is_signed_so_the_reference_library_verifies_it(receiver):
    # given
    endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["case.resolved"])
    receiver.secret = endpoint.secret
    delivery = a_delivery(endpoint)
    # when
    state = delivery_send(delivery_id=delivery.pk)
    # then
    assert state == State.DELIVERED
    [got] = receiver.received
    assert got.verified
    assert got.headers["webhook-id"] == delivery.event_id
    assert got.headers["webhook-signature"].startswith("v1,")
    assert got.headers["Content-Type"] == "application/json"
    body = json.loads(got.body)
    assert body["type"] == "case.resolved"
    assert body["data"] == {"case": {"id": 7, "url": "http://x/cases/7/"}}
    assert body["timestamp"]
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.delivered_at is not None) == (1, True)
    assert DeliveryAttempt.objects.get(delivery=delivery).status_code == 200


def test_a_delivery_is_sent_once_and_a_claimed_one_not_again(receiver):
    endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["case.resolved"])
    delivery = a_delivery(endpoint)
    assert delivery_send(delivery_id=delivery.pk) == State.DELIVERED
    assert delivery_send(delivery_id=delivery.pk) is None
    other = a_delivery(endpoint)
    OutboundDelivery.objects.filter(pk=other.pk).update(sending_since=timezone.now())
    assert delivery_send(delivery_id=other.pk) is None
    assert len(receiver.received) == 1


def test_a_failed_attempt_is_logged_and_retried_later(receiver):
    # given
    receiver.answer = 503
    endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["case.resolved"])
    delivery = a_delivery(endpoint)
    # when
    state = delivery_send(delivery_id=delivery.pk)
    # then
    assert state == State.PENDING
    delivery.refresh_from_db()
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.status_code == 503
    assert delivery.attempts == 1
    assert delivery.sending_since is None
    assert timezone.now() < delivery.next_attempt_at <= timezone.now() + BACKOFF[0]
    # and not sent again before it is due
    assert delivery_send(delivery_id=delivery.pk) is None


def test_the_production_schedule_retries_for_at_least_a_day_whatever_the_jitter():
    # given: production's settings (no speed-up)
    base = importlib.import_module("cxloop.settings.base")
    assert base.CXLOOP_OUTBOUND_BACKOFF_SCALE == 1.0
    assert base.CXLOOP_OUTBOUND_ALLOW_PRIVATE is False
    production = (Path(base.__file__).parent / "production.py").read_text()
    assert (
        'CXLOOP_OUTBOUND_ALLOW_PRIVATE = env.bool("CXLOOP_OUTBOUND_ALLOW_PRIVATE", default=False)'
        in production
    )
    start = timezone.now()
    for draw in (lambda: 0.0, lambda: 0.5, lambda: 1.0):
        # when: every attempt fails
        now, attempts, waits = start, 0, []
        while True:
            attempts += 1
            wait = retry_delay(attempts=attempts, first_at=start, now=now, draw=draw)
            if wait is None:
                break
            waits.append(wait)
            now += wait
        # then: the last attempt is a day or more after the first, waits grow and stay under 8 h
        assert now - start >= RETRY_WINDOW == timedelta(hours=24)
        assert max(waits) <= timedelta(hours=8)
        assert waits[0] <= timedelta(seconds=30)
        assert waits[1] > waits[0]


def test_a_delivery_that_fails_for_a_day_gives_up_and_its_endpoint_is_disabled_and_its_owner_told(
    receiver,
):
    # given: an endpoint failing since yesterday, with another delivery waiting
    receiver.answer = 500
    owner = UserFactory(email="owner@example.test")
    endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["case.resolved"], owner=owner)
    old, waiting = a_delivery(endpoint), a_delivery(endpoint)
    OutboundDelivery.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    # when
    state = delivery_send(delivery_id=old.pk)
    # then
    assert state == State.GAVE_UP
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_at is not None
    assert "24 hours" in endpoint.disabled_reason
    waiting.refresh_from_db()
    assert waiting.state == State.CANCELLED
    notification = Notification.objects.get(user=owner, kind="webhook_disabled")
    assert endpoint.name in notification.title
    assert EmailMessage.objects.filter(to="owner@example.test").exists()


def test_deliveries_that_give_up_in_a_row_disable_an_endpoint_that_sometimes_succeeds(settings):
    settings.CXLOOP_OUTBOUND_DISABLE_AFTER = 2
    endpoint = OutboundEndpointFactory(event_types=["case.resolved"])
    succeeded = a_delivery(endpoint)
    OutboundDelivery.objects.filter(pk=succeeded.pk).update(
        state=State.DELIVERED, delivered_at=timezone.now()
    )
    failing = [a_delivery(endpoint) for _ in range(2)]
    OutboundDelivery.objects.filter(pk__in=[d.pk for d in failing]).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    # when: the first gives up (a success came since it started failing): still active
    assert delivery_record(delivery_id=failing[0].pk, result=PostResult(502, "", 10)) == State.GAVE_UP
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 1)
    # when: the second too
    delivery_record(delivery_id=failing[1].pk, result=PostResult(None, "timed out", 10000))
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "2 deliveries in a row" in endpoint.disabled_reason


def test_a_success_resets_the_count_of_deliveries_that_gave_up():
    endpoint = OutboundEndpointFactory(event_types=["case.resolved"], consecutive_failures=3)
    delivery = a_delivery(endpoint)
    delivery_record(delivery_id=delivery.pk, result=PostResult(204, "", 5))
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_410_gone_disables_the_endpoint_at_once(receiver):
    receiver.answer = 410
    endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["case.resolved"])
    delivery = a_delivery(endpoint)
    assert delivery_send(delivery_id=delivery.pk) == State.GAVE_UP
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "410" in endpoint.disabled_reason


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://[::1]:{port}/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "ftp://example.com/hook",
    ],
)
def test_private_and_local_addresses_are_refused_in_production(settings, receiver, url):
    # given: production's setting
    settings.CXLOOP_OUTBOUND_ALLOW_PRIVATE = False
    endpoint = OutboundEndpointFactory(url=url.format(port=receiver.port), event_types=["case.resolved"])
    delivery = a_delivery(endpoint)
    # when
    delivery_send(delivery_id=delivery.pk)
    # then
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None
    assert "private or local" in attempt.error or "only http and https" in attempt.error
    assert receiver.received == []


def test_a_redirect_is_not_followed(receiver):
    receiver.answer = 302
    endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["case.resolved"])
    delivery = a_delivery(endpoint)
    assert delivery_send(delivery_id=delivery.pk) == State.PENDING
    assert DeliveryAttempt.objects.get(delivery=delivery).status_code == 302


def test_a_test_event_is_tried_once_and_counts_for_nothing(receiver, people):
    receiver.answer = 500
    endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["decision.taken"])
    delivery = endpoint_test_event(endpoint=endpoint, actor=people["admin"])
    assert delivery_send(delivery_id=delivery.pk) == State.GAVE_UP
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 0)
    assert json.loads(receiver.received[0].body)["data"]["test"] is True


def test_the_sweep_takes_due_deliveries_not_those_being_sent_or_not_yet_due():
    endpoint = OutboundEndpointFactory(event_types=["case.resolved"])
    _due, later, sending, done = (a_delivery(endpoint) for _ in range(4))
    now = timezone.now()
    OutboundDelivery.objects.filter(pk=later.pk).update(next_attempt_at=now + timedelta(minutes=5))
    OutboundDelivery.objects.filter(pk=sending.pk).update(sending_since=now)
    OutboundDelivery.objects.filter(pk=done.pk).update(state=State.DELIVERED)
    assert deliveries_sweep(now=now + timedelta(seconds=1)) == 1


def test_a_disabled_endpoints_delivery_is_cancelled_not_sent(receiver):
    endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["case.resolved"])
    delivery = a_delivery(endpoint)
    Endpoint.objects.filter(pk=endpoint.pk).update(active=False)
    assert delivery_send(delivery_id=delivery.pk) == State.CANCELLED
    assert receiver.received == []
