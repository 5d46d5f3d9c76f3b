"""Sending a delivery: claim it, POST it, log the attempt, and schedule the next one or give up.

A delivery is claimed by a conditional UPDATE (sending_since), so two tasks for the same delivery
(a retry's task and the sweep's) send it once. The HTTP request runs outside any transaction. A failed
attempt is retried with exponential back-off and jitter until 24 hours have passed since the first
one; then the delivery gives up. An endpoint whose deliveries keep giving up (settings
.CXLOOP_OUTBOUND_DISABLE_AFTER in a row, or one with no success in its whole retry window), or
that answers 410 Gone, is disabled and its owner told.
"""

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from .formats import request_for
from .models import DeliveryAttempt, Endpoint, OutboundDelivery
from .services import endpoint_disable
from .transport import PostResult, post

logger = logging.getLogger(__name__)

State = OutboundDelivery.State
# The ceiling of each wait after a failed attempt (the first after the first failure...), then 8 h.
BACKOFF = tuple(
    timedelta(seconds=s) for s in (30, 2 * 60, 10 * 60, 30 * 60, 3600, 2 * 3600, 4 * 3600, 8 * 3600)
)
# Attempts go on until this long after the first, whatever the jitter drew.
RETRY_WINDOW = timedelta(hours=24)
# Full jitter (a wait drawn anywhere below the ceiling) spreads a burst of retries; the floor keeps an
# unlucky draw from retrying at once.
JITTER_FLOOR = 0.1
# A claim older than this was a worker that died mid-send: the delivery may be claimed again. A live
# sender's POST ends within transport.POST_DEADLINE, far inside it, so the every-minute sweep never
# hands a delivery still being sent to a second worker.
CLAIM_EXPIRES = timedelta(minutes=5)
# Waits up to this long are left to a Celery countdown; longer ones to the every-minute sweep.
COUNTDOWN_MAX = timedelta(seconds=60)


def retry_delay(
    *, attempts: int, first_at: datetime, now: datetime, draw: Callable[[], float] = random.random
) -> timedelta | None:
    """The wait before the next attempt after `attempts` failed ones, or None: give up."""
    scale = settings.CXLOOP_OUTBOUND_BACKOFF_SCALE
    if now - first_at >= RETRY_WINDOW * scale:
        return None
    ceiling = BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]
    return ceiling * scale * max(JITTER_FLOOR, draw())


def delivery_claim(*, delivery_id: int, now: datetime) -> bool:
    """Take the delivery for sending, if it waits, is due and nobody else is sending it."""
    return bool(
        OutboundDelivery.objects.filter(pk=delivery_id, state=State.PENDING)
        .filter(Q(sending_since__isnull=True) | Q(sending_since__lt=now - CLAIM_EXPIRES))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + timedelta(seconds=1)))
        .update(sending_since=now)
    )


def delivery_send(*, delivery_id: int) -> str | None:
    """One attempt at a delivery; its state afterwards, or None when it was not ours to send."""
    now = timezone.now()
    if not delivery_claim(delivery_id=delivery_id, now=now):
        return None
    delivery = OutboundDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:
        OutboundDelivery.objects.filter(pk=delivery_id, state=State.PENDING).update(
            state=State.CANCELLED, sending_since=None, next_attempt_at=None
        )
        return State.CANCELLED
    body, headers = request_for(endpoint=endpoint, event=delivery.event, now=now)
    result = post(endpoint.url, body=body, headers=headers)
    if not result.ok:
        logger.info("webhook %s to endpoint %s failed: %s", delivery.event_id, endpoint.pk,
                    result.status_code or result.error)  # fmt: skip
    return delivery_record(delivery_id=delivery_id, result=result)


@transaction.atomic
def delivery_record(*, delivery_id: int, result: PostResult) -> str:
    """Log the attempt; delivered, or the next attempt scheduled, or given up (and what follows)."""
    now = timezone.now()
    delivery = (
        OutboundDelivery.objects.select_for_update(no_key=True, of=("self",))
        .select_related("endpoint", "event")
        .get(pk=delivery_id)
    )
    DeliveryAttempt.objects.create(
        delivery=delivery, status_code=result.status_code, error=result.error, duration_ms=result.duration_ms
    )
    delivery.attempts += 1
    delivery.sending_since = None
    fields = ["attempts", "sending_since", "state", "next_attempt_at", "delivered_at"]
    if result.ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = State.DELIVERED, now, None
        delivery.save(update_fields=fields)
        Endpoint.objects.filter(pk=delivery.endpoint_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
        return delivery.state
    if delivery.state != State.PENDING:  # cancelled while it was being sent
        delivery.save(update_fields=fields)
        return delivery.state
    test = bool(delivery.event.payload.get("test"))
    delay = None if test else retry_delay(attempts=delivery.attempts, first_at=delivery.created_at, now=now)
    if result.status_code == 410 or delay is None:
        delivery.state, delivery.next_attempt_at = State.GAVE_UP, None
        delivery.save(update_fields=fields)
        if not test:
            _after_giving_up(delivery, gone=result.status_code == 410, now=now)
        return delivery.state
    delivery.next_attempt_at = now + delay
    delivery.save(update_fields=fields)
    if delay <= COUNTDOWN_MAX:
        transaction.on_commit(partial(_enqueue_later, delivery.pk, delay.total_seconds()))
    return delivery.state


def _after_giving_up(delivery: OutboundDelivery, *, gone: bool, now: datetime) -> None:
    endpoint = delivery.endpoint
    if gone:
        endpoint_disable(endpoint=endpoint, reason="the receiver answered 410 Gone")
        return
    Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    endpoint.refresh_from_db(fields=["consecutive_failures"])
    in_a_row = settings.CXLOOP_OUTBOUND_DISABLE_AFTER
    if endpoint.consecutive_failures >= in_a_row:
        endpoint_disable(endpoint=endpoint, reason=f"{in_a_row} deliveries in a row gave up after retrying")
        return
    window = RETRY_WINDOW * settings.CXLOOP_OUTBOUND_BACKOFF_SCALE
    failing_since = delivery.created_at
    succeeded_since = OutboundDelivery.objects.filter(
        endpoint=endpoint, delivered_at__gte=failing_since
    ).exists()
    if now - failing_since >= window and not succeeded_since:
        endpoint_disable(endpoint=endpoint, reason="no delivery succeeded for 24 hours")


def _enqueue_later(delivery_id: int, seconds: float) -> None:
    """The next attempt's task, due in `seconds`; if Redis is down, the sweep sends it."""
    from .tasks import deliver

    try:
        deliver.apply_async(kwargs={"delivery_id": delivery_id}, countdown=seconds, retry=False)
    except (OperationalError, OSError):
        logger.warning("broker unreachable: delivery %s left to the sweep", delivery_id)


SWEEP_BATCH = 1000


def deliveries_sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Enqueue a task for each delivery whose attempt is due and that nobody is sending (or whose
    sender died), oldest first: retries past a countdown's reach, and events whose task was lost.

    The rows stay locked (FOR UPDATE SKIP LOCKED) while their tasks are sent, so a second sweep
    running at the same time takes other rows; a task that starts meanwhile waits for the lock, and
    its claim decides who sends.
    """
    from cxloop.core.tasks_util import enqueue

    from .tasks import deliver

    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            OutboundDelivery.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(state=State.PENDING, next_attempt_at__lte=now)
            .filter(Q(sending_since__isnull=True) | Q(sending_since__lt=now - CLAIM_EXPIRES))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        sent = 0
        for delivery_id in due:
            if not enqueue(deliver, delivery_id=delivery_id):
                break  # Redis is down: the next sweep tries again
            sent += 1
    return sent
