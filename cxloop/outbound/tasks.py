"""Celery interfaces for outbound webhooks: thin, by id."""

from celery import shared_task


@shared_task(name="outbound.deliver")
def deliver(*, delivery_id: int) -> str | None:
    """One attempt at a delivery (a no-op when it is delivered, not due, or being sent elsewhere)."""
    from .delivery import delivery_send

    return delivery_send(delivery_id=delivery_id)


@shared_task(name="outbound.deliver_due")
def deliver_due() -> int:
    """Every minute: enqueue the deliveries whose retry is due or whose task was lost."""
    from .delivery import deliveries_sweep

    return deliveries_sweep()
