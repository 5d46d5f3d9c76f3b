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

from django.utils import timezone

from .models import TextMessage
from .outbox import outbox_claim, outbox_queue
from .sms import SmsPermanent, SmsRetryable, sms_provider

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A message still pending this long after it was queued lost its task (Redis down): the sweep sends it.
TEXT_LOST_AFTER = timedelta(minutes=10)
# What a suppressed text message keeps blank.
TEXT = {"body": ""}
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
    from .sms_tasks import text_send as text_send_task

    fields = {"key": key[:200], "to": to[:32], "body": body, "customer_id": customer_id}
    return outbox_queue(
        TextMessage,
        fields=fields,
        emptied=TEXT,
        task=text_send_task,
        task_kwarg="text_id",
        what="text message",
    )


def text_send(*, text_id: int) -> TextOutcome:
    """Send one pending text message through the configured provider."""
    message = outbox_claim(TextMessage, text_id, emptied=TEXT, what="text message")
    if message is None:
        return TextOutcome.SKIPPED
    mine = TextMessage.objects.filter(pk=text_id)
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
