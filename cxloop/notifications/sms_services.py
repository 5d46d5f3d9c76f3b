"""Send text messages exactly once per key, as emails are (cxloop.notifications.services).

A TextMessage is recorded under its key before anything is sent and moves pending -> sending ->
sent by conditional updates, so a re-delivered task sends nothing twice. A recipient who may not be
contacted (cxloop.notifications.suppression, asked with the phone number and the customer id) is
recorded as suppressed, when queued and again when sent. A provider that is unreachable or busy puts
the message back to pending for the task to retry with back-off, at most MAX_ATTEMPTS times; a
refusal (a bad number) fails it at once. A worker killed mid-send leaves it "sending", never re-sent
on its own: a duplicate to a customer is worse than a message a person checks.
"""

import enum
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import TextMessage
from .sms import SmsPermanent, SmsRetryable, sms_provider
from .suppression import suppression_reason

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A message still pending this long after it was queued lost its task (Redis down): the sweep sends it.
TEXT_LOST_AFTER = timedelta(minutes=10)
NOT_CONFIGURED = "Text messages are not set up (CXLOOP_SMS_PROVIDER)."


class TextOutcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # back to pending: try again later
    FAILED = "failed"
    SKIPPED = "skipped"  # not pending (sent, being sent) or suppressed


def text_queue(*, key: str, to: str, body: str, customer_id: int | None = None) -> TextMessage | None:
    """Record a text message under `key` and send it after commit; None when the key was used before.

    To someone who may not be contacted it is recorded as suppressed (without its body) and never sent.
    """
    from cxloop.core.tasks_util import enqueue_on_commit

    from .sms_tasks import text_send as text_send_task

    reason = suppression_reason(to=to, customer_id=customer_id)
    fields = {"key": key[:200], "to": to[:32], "body": body, "customer_id": customer_id}
    if reason:
        fields.update(body="", status=TextMessage.Status.SUPPRESSED, error=reason)
    try:
        with transaction.atomic():
            message = TextMessage.objects.create(**fields)
    except IntegrityError:
        return None  # queued before under this key: never twice
    if reason:
        logger.info("text message %s not queued: %s", message.pk, reason)
    else:
        enqueue_on_commit(text_send_task, text_id=message.pk)
    return message


def text_send(*, text_id: int) -> TextOutcome:
    """Send one pending text message through the configured provider."""
    claimed = TextMessage.objects.filter(pk=text_id, status=TextMessage.Status.PENDING).update(
        status=TextMessage.Status.SENDING, sending_since=timezone.now()
    )
    if not claimed:
        return TextOutcome.SKIPPED
    message = TextMessage.objects.get(pk=text_id)
    mine = TextMessage.objects.filter(pk=text_id)
    # Asked again at the last step: the customer may have asked not to be contacted since.
    reason = suppression_reason(to=message.to, customer_id=message.customer_id)
    if reason:
        mine.update(status=TextMessage.Status.SUPPRESSED, error=reason, body="")
        logger.info("text message %s not sent: %s", text_id, reason)
        return TextOutcome.SKIPPED
    attempts = message.attempts + 1
    provider = sms_provider()
    if provider is None:
        mine.update(status=TextMessage.Status.FAILED, attempts=attempts, error=NOT_CONFIGURED)
        logger.error("text message %s not sent: %s", text_id, NOT_CONFIGURED)
        return TextOutcome.FAILED
    try:
        provider_id = provider.send(to=message.to, body=message.body)
    except SmsPermanent as error:
        mine.update(status=TextMessage.Status.FAILED, attempts=attempts, error=str(error)[:1000])
        logger.error("text message %s refused: %s", text_id, error)
        return TextOutcome.FAILED
    except SmsRetryable as error:
        retry = attempts < MAX_ATTEMPTS
        status = TextMessage.Status.PENDING if retry else TextMessage.Status.FAILED
        mine.update(status=status, attempts=attempts, error=str(error)[:1000])
        logger.warning("text message %s not sent (attempt %s): %s", text_id, attempts, error)
        return TextOutcome.RETRY if retry else TextOutcome.FAILED
    mine.update(
        status=TextMessage.Status.SENT,
        sent_at=timezone.now(),
        attempts=attempts,
        error="",
        provider_id=provider_id[:100],
    )
    return TextOutcome.SENT


def text_retry_delay(*, text_id: int) -> int:
    """Seconds before the next attempt: 2, 4, 8, 16... after each failed one (at most 5 minutes)."""
    attempts = TextMessage.objects.filter(pk=text_id).values_list("attempts", flat=True).first() or 1
    return int(min(2**attempts, 300))


def texts_sweep(*, limit: int = 500) -> int:
    """Send the pending text messages whose task was lost; how many went."""
    cutoff = timezone.now() - TEXT_LOST_AFTER
    lost = TextMessage.objects.filter(status=TextMessage.Status.PENDING, created_at__lt=cutoff)
    ids = list(lost.order_by("created_at").values_list("pk", flat=True)[:limit])
    return sum(text_send(text_id=text_id) == TextOutcome.SENT for text_id in ids)
