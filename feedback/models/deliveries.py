"""The delivery log: one row per verified webhook delivery, for the admins' source page.

What came, when and what became of it (how many items were stored, duplicates, refused, ignored),
never the payload nor anything a customer wrote: the body of a refused delivery is kept only as a
dead letter (webhooks.py). Rows older than LOG_DAYS are pruned every night.

This model belongs to the `feedback` app: `feedback/models/` imports this module so that Django
registers it under that label (table `feedback_webhookdelivery`).
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models.record import Source
from feedback.models.webhooks import WebhookDeadLetter

# How long the log keeps a delivery.
LOG_DAYS = 30


class DeliveryStatus(models.TextChoices):
    STORED = "stored", _("Stored")
    DUPLICATE = "duplicate", _("Already stored")
    PARTIAL = "partial", _("Partly stored")
    REFUSED = "refused", _("Refused")
    IGNORED = "ignored", _("Not feedback")
    UNREADABLE = "unreadable", _("Unreadable body")


class WebhookDelivery(models.Model):
    """One verified delivery to a source's webhook and its outcome, in counts."""

    Status = DeliveryStatus

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="deliveries")
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices)
    http_status = models.PositiveSmallIntegerField()
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    ignored = models.PositiveIntegerField(default=0)
    # Contract field names only (the page shows them in words), never a value: what the mapping
    # found nothing for, and what the contract or the write policy refused.
    missing = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    refused = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # Why an unreadable body was refused (a fixed sentence of bodies.py).
    reason = models.CharField(max_length=300, blank=True)
    dead_letter = models.ForeignKey(
        WebhookDeadLetter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["source", "-received_at"], name="delivery_source_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} at {self.received_at:%Y-%m-%d %H:%M}: {self.status}"

    @property
    def stored(self) -> int:
        return self.created + self.updated
