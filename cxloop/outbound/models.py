"""Telling other systems what happened: endpoints, the events sent to them, and every attempt.

An event is recorded once (its id is the Standard Webhooks `webhook-id`) in the same transaction
as the change it reports, and fanned out to a delivery per subscribed endpoint. A delivery is
retried with exponential back-off and jitter for at least a day; every attempt is logged with the
response code. An endpoint that keeps failing is disabled and its owner told.
"""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CASE_OPENED = "case.opened", _("Case opened")
    CASE_ESCALATED = "case.escalated", _("Case escalated")
    CASE_RESOLVED = "case.resolved", _("Case resolved")
    FEEDBACK_RECEIVED = "feedback.received", _("Feedback received")
    SIGNAL_RAISED = "signal.raised", _("Signal raised")
    INITIATIVE_STAGE_CHANGED = "initiative.stage_changed", _("Initiative stage changed")
    DECISION_TAKEN = "decision.taken", _("Decision taken")


class EndpointFormat(models.TextChoices):
    # A JSON body signed per Standard Webhooks.
    STANDARD = "standard", _("Standard Webhooks (signed JSON)")
    # Incoming-webhook message formats of the chat tools.
    SLACK = "slack", _("Slack incoming webhook")
    TEAMS = "teams", _("Microsoft Teams incoming webhook")


def new_secret() -> str:
    # Standard Webhooks secrets: "whsec_" and base64 of 24 to 64 random bytes.
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Endpoint(models.Model):
    EventType = EventType
    Format = EndpointFormat

    name = models.CharField(max_length=120)
    url = models.URLField(max_length=500)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.STANDARD)
    secret = models.CharField(max_length=120, default=new_secret)
    event_types = ArrayField(models.CharField(max_length=40), default=list)
    # Narrows "feedback.received": e.g. {"max_score": 6, "sources": ["..."], "scales": ["nps"]}.
    feedback_filter = models.JSONField(default=dict, blank=True)
    # Told when the endpoint is disabled for failing.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Deliveries that gave up in a row; reset by a success.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=EndpointFormat.values), name="endpoint_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OutboundEvent(models.Model):
    # The Standard Webhooks `webhook-id`: the same for every attempt, so receivers can deduplicate.
    id = models.CharField(primary_key=True, max_length=40)
    type = models.CharField(max_length=40, choices=EventType.choices, db_index=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    GAVE_UP = "gave_up", _("Gave up after retries")
    # The endpoint was disabled before this delivery could be made.
    CANCELLED = "cancelled", _("Cancelled")


class OutboundDelivery(models.Model):
    State = DeliveryState

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboundEvent, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker is sending it (a conditional update claims it), so it is sent by one.
    sending_since = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="outbound_delivery_once"),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="outbound_delivery_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbound_due", condition=Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per HTTP attempt, with what the receiver answered."""

    delivery = models.ForeignKey(OutboundDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at"]
        indexes = [models.Index(fields=["delivery", "-attempted_at"], name="outbound_attempt_log")]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at}: {self.status_code or self.error}"
