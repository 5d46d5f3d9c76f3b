"""The delivery log: a row per verified delivery (one INSERT), and the nightly pruning.

Only deliveries whose signature verified are logged, as only they are kept as dead letters:
anyone can post the unsigned kind, and must not be able to fill the table.
"""

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from feedback.models import LOG_DAYS, DeliveryStatus, Source, WebhookDelivery
from feedback.services.ingest import CREATED, DUPLICATE, ERROR, UPDATED

from .services import IGNORED, Outcome


def _status(counts: Counter) -> str:
    stored = counts[CREATED] + counts[UPDATED]
    if counts[ERROR]:
        return DeliveryStatus.PARTIAL if stored or counts[DUPLICATE] else DeliveryStatus.REFUSED
    if stored:
        return DeliveryStatus.STORED
    if counts[DUPLICATE]:
        return DeliveryStatus.DUPLICATE
    return DeliveryStatus.IGNORED


def _fields(outcome: Outcome, *, unmapped: bool) -> list[str]:
    """The top-level field names of the failures of one kind (the mapping's, or the contract's)."""
    names = {name for f in outcome.failures if f["unmapped"] == unmapped for name in f["errors"]}
    return sorted(name[:40] for name in names)


def webhook_delivery_log(*, source: Source, outcome: Outcome) -> WebhookDelivery:
    """Record what became of a verified delivery that was mapped: counts, status, no payload."""
    counts = Counter(result["status"] for result in outcome.results)
    return WebhookDelivery.objects.create(
        source=source,
        status=_status(counts),
        http_status=outcome.http_status,
        created=counts[CREATED],
        updated=counts[UPDATED],
        duplicates=counts[DUPLICATE],
        errors=counts[ERROR],
        ignored=counts[IGNORED],
        missing=_fields(outcome, unmapped=True),
        refused=_fields(outcome, unmapped=False),
        dead_letter=outcome.dead_letter,
    )


def webhook_delivery_log_unreadable(*, source: Source, reason: str) -> WebhookDelivery:
    """Record a verified delivery whose body is not what its content type says (answered 400)."""
    return WebhookDelivery.objects.create(
        source=source, status=DeliveryStatus.UNREADABLE, http_status=400, reason=reason[:300]
    )


def webhook_deliveries_prune(*, days: int = LOG_DAYS) -> int:
    """Delete log rows older than `days`; returns how many went."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = WebhookDelivery.objects.filter(received_at__lt=cutoff).delete()
    return deleted
