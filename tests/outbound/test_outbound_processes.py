"""Outbound webhooks with a real worker, to a receiver on loopback that fails the first three attempts
at each event: every event arrives exactly once with a signature the Standard Webhooks reference
library verifies; and events whose task was lost (Redis down at commit) are sent by the sweep."""

import time

import pytest
from django.conf import settings
from django.db import transaction

from cxloop.celery import app as celery_app
from cxloop.core import tasks_util
from cxloop.outbound.models import DeliveryAttempt, OutboundDelivery
from cxloop.outbound.services import event_emit
from tests.factories import OutboundEndpointFactory
from tests.fixtures.servers import wait_until

from .receiver import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Production waits 30 s, 2 min, 10 min ... over a day; here the same schedule, 2,000 times faster.
FAST = "0.0005"
EVENTS = 5


def delivered() -> int:
    return OutboundDelivery.objects.filter(state=OutboundDelivery.State.DELIVERED).count()


def test_each_event_is_delivered_once_after_three_failures_with_a_valid_signature(processes):
    with Receiver(fail_first=3) as receiver:
        # given
        endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["case.resolved", "decision.taken"])
        receiver.secret = endpoint.secret
        processes.worker(processes.env(settings.REDIS_URL, CXLOOP_OUTBOUND_BACKOFF_SCALE=FAST), "outbound")
        # when
        with transaction.atomic():
            ids = [
                event_emit(type="case.resolved", payload={"case": {"id": n}}).id  # type: ignore[union-attr]
                for n in range(EVENTS)
            ]
        wait_until(lambda: delivered() == EVENTS, timeout=90, what="every event delivered")
        time.sleep(1)  # anything sent twice would arrive now
    # then: four attempts each (three 500s, then 200), exactly one success, all verified
    assert receiver.successes_per_id() == dict.fromkeys(ids, 1)
    assert {event_id: receiver.attempts[event_id] for event_id in ids} == dict.fromkeys(ids, 4)
    assert all(item.verified for item in receiver.received)
    assert {body["type"] for body in receiver.bodies()} == {"case.resolved"}
    codes = sorted(DeliveryAttempt.objects.values_list("status_code", flat=True))
    assert codes == [200] * EVENTS + [500] * (3 * EVENTS)
    assert set(OutboundDelivery.objects.values_list("attempts", flat=True)) == {4}


def test_events_whose_task_was_lost_are_sent_by_the_sweep(processes, monkeypatch):
    with Receiver() as receiver:
        # given: Redis unreachable when the events commit, so their tasks are skipped
        endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["decision.taken"])
        receiver.secret = endpoint.secret
        monkeypatch.setattr(tasks_util, "_broker_down_until", time.monotonic() + 600)
        with transaction.atomic():
            for n in range(3):
                event_emit(type="decision.taken", payload={"decision": {"id": n}})
        monkeypatch.setattr(tasks_util, "_broker_down_until", 0.0)
        processes.worker(processes.env(settings.REDIS_URL), "outbound-sweep")
        time.sleep(2)
        assert receiver.received == []
        # when: beat's every-minute sweep runs
        celery_app.send_task("outbound.deliver_due", queue=processes.queue)
        wait_until(lambda: delivered() == 3, timeout=60, what="the sweep's deliveries")
    # then
    assert sorted(receiver.successes_per_id().values()) == [1, 1, 1]
    assert all(item.verified for item in receiver.received)
