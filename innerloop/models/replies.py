"""Replies from customers to a case's messages, and what they attached.

A message to a customer carries a reply address unique to its case and signed
(innerloop.replies.addresses); a reply that arrives to a valid address, by a provider's inbound
webhook or the SMTP receiver, is stored here once (its Message-ID) and shown on the timeline. A
reply to a forged or unknown address is refused before anything is stored.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .cases import Case


class ReplyChannel(models.TextChoices):
    WEBHOOK = "webhook", _("Inbound email webhook")
    SMTP = "smtp", _("SMTP receiver")


class CaseReply(models.Model):
    Channel = ReplyChannel

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="replies")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # The provider that delivered it (mailgun, postmark, sendgrid, amazon_ses...), or "smtp".
    provider = models.CharField(max_length=30, blank=True)
    # The email's Message-ID: a re-delivered reply is stored once.
    message_id = models.CharField(max_length=254)
    from_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    # The reply without quoted history and signature, and the whole text as received.
    text = models.TextField(blank=True)
    full_text = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # Set when the case's personal data was erased (text, addresses and attachments emptied).
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "message_id"], name="case_reply_once"),
            models.CheckConstraint(
                condition=Q(channel__in=ReplyChannel.values), name="case_reply_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Reply {self.pk} to case {self.case_id}"


def attachment_path(instance: "CaseAttachment", filename: str) -> str:
    # Never the sender's file name on disk: it is kept in `filename`, shown escaped.
    import uuid

    return f"case-attachments/{instance.reply.case_id}/{uuid.uuid4().hex}"


class CaseAttachment(models.Model):
    reply = models.ForeignKey(CaseReply, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    # The type found in the file's own bytes (not the one the sender claimed).
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=attachment_path, max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class RefusedAttachment(models.Model):
    """An attachment that was not kept (too large, a type not allowed): the case says so, so that
    nothing the customer sent disappears without a trace. No bytes are stored."""

    reply = models.ForeignKey(CaseReply, on_delete=models.CASCADE, related_name="refused_attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.filename}: {self.reason}"
