"""Dead letters: verified deliveries, or parts of them, that could not be stored as feedback.

A vendor does not send again what we answered with a 4xx, so what we refuse is kept here, with
the reason, for an administrator to fix the source's mapping and map it again (admin action
"Retry"). Only deliveries whose signature verified are kept: anyone can post the unsigned kind.

The raw body can hold personal data (names, emails, free text): it is kept only as far as
MAX_BODY_BYTES, shown only in the admin to staff who may view dead letters, and there masked
(cxloop.core.pii) unless they hold the personal-data permission.

This model belongs to the `feedback` app: `feedback/models/` imports this module so that Django
registers it under that label (table `feedback_webhookdeadletter`).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models.record import Source

# Enough for any one review or survey event, and for a page of a few dozen; a longer body is
# kept cut, and then cannot be retried (the vendor must send it again).
MAX_BODY_BYTES = 64 * 1024


class DeadLetterStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class WebhookDeadLetter(models.Model):
    """One delivery (by its body's hash), with what could not be stored of it and why."""

    Status = DeadLetterStatus

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="dead_letters")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_received_at = models.DateTimeField(default=timezone.now)
    # The same body again (the vendor retried, or replayed a delivery its scheme cannot date)
    # counts here instead of making another row.
    deliveries = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=16, choices=DeadLetterStatus.choices, default=DeadLetterStatus.OPEN, db_index=True
    )
    # For the list: what was missing or wrong, e.g. "2 of 3 items: no score and no comment".
    reason = models.CharField(max_length=300)
    # Per item not stored: {"item": position or null, "external_id", "errors": {field: [reasons]}}.
    errors = models.JSONField(default=list)
    # Which secret verified it ("typeform: current secret"); kept to spot a sender still on the old one.
    signature = models.CharField(max_length=80)
    content_type = models.CharField(max_length=100, blank=True)
    # The Standard Webhooks `webhook-id`, which a mapping may use as the external id.
    delivery_id = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(max_length=MAX_BODY_BYTES)
    body_size = models.PositiveIntegerField()
    body_sha256 = models.CharField(max_length=64)
    retries = models.PositiveIntegerField(default=0)
    retried_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "webhook dead letter"
        constraints = [
            models.UniqueConstraint(fields=["source", "body_sha256"], name="deadletter_one_per_body"),
            models.CheckConstraint(
                condition=Q(status__in=DeadLetterStatus.values), name="deadletter_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} at {self.received_at:%Y-%m-%d %H:%M}: {self.reason}"

    @property
    def body_truncated(self) -> bool:
        return self.body_size > len(self.body)
