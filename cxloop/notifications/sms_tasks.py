"""Celery interfaces for text messages: thin, by id; retries with back-off while the provider is
unreachable or busy (cxloop.notifications.sms_services decides what is worth retrying)."""

from celery import shared_task


@shared_task(name="notifications.text_send", bind=True, max_retries=None)
def text_send(self, *, text_id: int) -> bool:
    from .sms_services import TextOutcome, text_retry_delay
    from .sms_services import text_send as send

    outcome = send(text_id=text_id)
    if outcome == TextOutcome.RETRY:
        raise self.retry(countdown=text_retry_delay(text_id=text_id))
    return outcome == TextOutcome.SENT


@shared_task(name="notifications.text_sweep")
def text_sweep() -> int:
    """Send pending text messages whose task was lost (Redis down when they were queued)."""
    from .sms_services import texts_sweep

    return texts_sweep()
