"""Reads for the webhook pages: endpoints with their health, and an endpoint's delivery log.

Administrators only (the views check the role); endpoints belong to the organisation, not a team.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DeliveryAttempt, Endpoint, OutboundDelivery

State = OutboundDelivery.State
LOG_SIZE = 50
HEALTH_WINDOW = timedelta(days=1)


def endpoints_with_health() -> QuerySet[Endpoint]:
    """Every endpoint, with how its deliveries went over the last day: one query."""
    since = timezone.now() - HEALTH_WINDOW
    recent = Q(deliveries__created_at__gte=since)
    return (
        Endpoint.objects.select_related("owner")
        .annotate(
            delivered_day=Count("deliveries", filter=recent & Q(deliveries__state=State.DELIVERED)),
            gave_up_day=Count("deliveries", filter=recent & Q(deliveries__state=State.GAVE_UP)),
            retrying=Count(
                "deliveries", filter=Q(deliveries__state=State.PENDING, deliveries__attempts__gt=0)
            ),
            last_delivered_at=Max("deliveries__delivered_at"),
        )
        .order_by("name")
    )


@dataclass(frozen=True)
class Health:
    key: str
    label: str


def health_of(endpoint: Endpoint) -> Health:
    """In words: disabled, failing (retrying or gave up lately), or healthy."""
    if not endpoint.active:
        return Health("disabled", str(_("Disabled")))
    if getattr(endpoint, "gave_up_day", 0) or getattr(endpoint, "retrying", 0):
        return Health("failing", str(_("Failing: retrying")))
    return Health("healthy", str(_("Healthy")))


def endpoint_delivery_log(*, endpoint: Endpoint, limit: int = LOG_SIZE) -> list[OutboundDelivery]:
    """The endpoint's latest deliveries, newest first, each with its attempts: two queries."""
    attempts = Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("-attempted_at"))
    return list(
        OutboundDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(attempts)
        .order_by("-created_at", "-pk")[:limit]
    )
