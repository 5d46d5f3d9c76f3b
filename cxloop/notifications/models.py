"""In-app notifications and outgoing email, each keyed so that nothing is ever sent twice."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # What this notification is about, unique: a re-run task finds it and does nothing.
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            models.Index(fields=["user"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # One quiet email a day instead of one per notification.
    daily_digest = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user}: {'daily digest' if self.daily_digest else 'each notification'}"


class EmailMessage(models.Model):
    """One outgoing email, recorded before it is sent.

    The sender moves it pending -> sending -> sent with a conditional update, so a retried or
    re-delivered task finds it no longer pending and sends nothing. A worker killed between
    "sending" and "sent" leaves it in "sending": never re-sent on its own, because a duplicate to
    a customer is worse than a message a person can check and send again. The admin's outbox
    lists such messages once they have been sending for a while, with a "Send again" action.

    A message to someone who may not be contacted (cxloop.notifications.suppression) is never sent:
    it is kept as "suppressed", with the reason in `error` and without its body, whether that was
    known when it was queued or only when the sender picked it up.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed (may not be contacted)")

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # An HTML alternative to the plain-text body (surveys embed their score scale in it).
    html_body = models.TextField(blank=True, default="", db_default="")
    # Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).
    headers = models.JSONField(default=dict, blank=True, db_default=models.Value({}, models.JSONField()))
    # Where replies go: a case's signed reply address (innerloop.replies), or blank for the default.
    reply_to = models.CharField(max_length=254, blank=True, default="", db_default="")
    # The Message-ID this email is sent with, so a provider's delivery and bounce events find it.
    message_id = models.CharField(max_length=254, blank=True, default="", db_default="", db_index=True)
    # The customer it is for, when a sender says so (an id: this layer does not know customers).
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the last send began: a message "sending" for long was interrupted.
    sending_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "suppressed"]),
                name="email_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class TextMessage(models.Model):
    """One outgoing text message (SMS), recorded before it is sent, exactly like EmailMessage:
    pending -> sending -> sent by conditional updates, suppressed when the recipient may not be
    contacted, never sent twice."""

    Status = EmailMessage.Status

    key = models.CharField(max_length=200, unique=True)
    to = models.CharField(max_length=32)
    body = models.TextField()
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # The provider's id for the message, for its delivery reports.
    provider_id = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "suppressed"]),
                name="text_message_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.body[:40]}"
