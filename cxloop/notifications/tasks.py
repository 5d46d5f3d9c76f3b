"""Celery interfaces for notifications and email: thin, by id."""

from celery import shared_task


@shared_task(name="notifications.email_send")
def email_send(*, email_id: int) -> bool:
    from .services import email_send as send

    return send(email_id=email_id)


@shared_task(name="notifications.email_sweep")
def email_sweep() -> int:
    """Send pending emails whose task was lost (Redis down when they were queued)."""
    from .services import emails_sweep

    return emails_sweep()


@shared_task(name="notifications.digests_send")
def digests_send() -> int:
    from .services import digests_send as send

    return send()


@shared_task(name="notifications.alert_summaries_send")
def alert_summaries_send() -> int:
    """Email each person one summary of the new-case alerts they have not seen (innerloop.services.alerts)."""
    from .services import alert_summaries_send as send

    return send()
