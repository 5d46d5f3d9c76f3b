"""What email providers report about sent messages: delivered, opened, bounced, marked as spam.

django-anymail's own tracking webhook views (feedback.surveys.tracking_urls) check the provider's
call and normalise its events; its `tracking` signal brings each one here. The event's message id
is matched to the outbox (EmailMessage.message_id: our Message-ID over SMTP, or the id the
provider's API gave at sending), and from the message's key "survey:<pk>:..." to the invitation:

- delivered: the invitation's delivered_at; opened (or a link clicked): its opened_at;
- bounced, or rejected because the address bounced before or is invalid: the invitation is
  bounced; unless the provider calls the bounce temporary, the customer's email_bounced_at is set
  too, which stops later surveys to the address (feedback.surveys.rules);
- complained (marked as spam) or unsubscribed at the provider: the customer's email_complained_at
  and do-not-contact, so nothing of any kind is sent to them again.

The customer is the message's own (EmailMessage.customer_id, else the customers at its address),
so this holds for every email cxloop sends a customer, not only surveys. Each mark is set once
(the first report wins): a provider sending an event again changes nothing.
"""

import logging
import re
from datetime import datetime
from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason, tracking
from django.db import transaction
from django.utils import timezone

from cxloop.notifications.models import EmailMessage
from feedback.models import Customer, SurveyInvitation
from feedback.services.contact import customer_do_not_contact_set

logger = logging.getLogger(__name__)

_SURVEY_KEY = re.compile(r"^survey:(\d+):")
BOUNCE_REASONS = {RejectReason.BOUNCED, RejectReason.INVALID}
BY_COMPLAINT = "complaint reported by the email provider"


def tracking_event_record(
    *,
    event_type: str,
    message_id: str,
    at: datetime | None = None,
    soft: bool = False,
    reject_reason: str = "",
) -> bool:
    """Record one provider event about the message sent as `message_id`; False when it names no
    message of ours or says nothing we keep."""
    message = _message_for(message_id)
    if message is None:
        return False
    at = at or timezone.now()
    bounced = event_type == EventType.BOUNCED or (
        event_type == EventType.REJECTED and reject_reason in BOUNCE_REASONS
    )
    with transaction.atomic():
        invitation_id = _invitation_id(message.key)
        if invitation_id is not None:
            _invitation_mark(invitation_id, event_type=event_type, bounced=bounced, at=at)
        for customer_id in _customers_of(message):
            _customer_mark(customer_id, event_type=event_type, hard_bounce=bounced and not soft, at=at)
    return True


def _customers_of(message: EmailMessage) -> list[int]:
    """The customer the message was for; when its sender named none, the customers at its address
    (the outbox's do-not-contact check goes by the address too)."""
    if message.customer_id is not None:
        return [message.customer_id]
    return list(Customer.objects.filter(email__iexact=message.to.strip()).values_list("pk", flat=True)[:10])


def _message_for(message_id: str) -> EmailMessage | None:
    """The outbox message a provider's id names, written with or without angle brackets."""
    bare = (message_id or "").strip().strip("<>")
    if not bare:
        return None
    return (
        EmailMessage.objects.filter(message_id__in=[bare, f"<{bare}>"])
        .only("pk", "key", "to", "customer_id")
        .order_by("pk")
        .first()
    )


def _invitation_id(key: str) -> int | None:
    match = _SURVEY_KEY.match(key)
    return int(match.group(1)) if match else None


def _invitation_mark(invitation_id: int, *, event_type: str, bounced: bool, at: datetime) -> None:
    invitations = SurveyInvitation.objects.filter(pk=invitation_id)
    if event_type == EventType.DELIVERED:
        invitations.filter(delivered_at__isnull=True).update(delivered_at=at)
    elif event_type in (EventType.OPENED, EventType.CLICKED):
        # Never for employees: the moment a person opened the survey would point at their answer.
        invitations.filter(opened_at__isnull=True, employee__isnull=True).update(opened_at=at)
    elif bounced:
        invitations.filter(bounced_at__isnull=True).update(bounced_at=at)
        # An answered invitation stays answered: the answer came through all the same.
        invitations.filter(status=SurveyInvitation.Status.SENT).update(status=SurveyInvitation.Status.BOUNCED)


def _customer_mark(customer_id: int, *, event_type: str, hard_bounce: bool, at: datetime) -> None:
    customers = Customer.objects.filter(pk=customer_id)
    if hard_bounce:
        customers.filter(email_bounced_at__isnull=True).update(email_bounced_at=at)
    elif event_type in (EventType.COMPLAINED, EventType.UNSUBSCRIBED):
        customers.filter(email_complained_at__isnull=True).update(email_complained_at=at)
        customer = customers.first()
        if customer is not None:
            customer_do_not_contact_set(customer=customer, do_not_contact=True, actor=None, by=BY_COMPLAINT)


def is_soft_bounce(event: AnymailTrackingEvent) -> bool:
    """Whether the provider calls a bounce temporary (Amazon SES "Transient: ...", Postmark
    "SoftBounce"): the message did not arrive, but the address may still work."""
    description = (event.description or "").lower()
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    return description.startswith(("transient", "soft")) or esp_event.get("Type") == "SoftBounce"


def tracking_received(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    """anymail's `tracking` signal: one normalised event from a provider's webhook."""
    recorded = tracking_event_record(
        event_type=event.event_type,
        message_id=event.message_id or "",
        at=event.timestamp,
        soft=event.event_type == EventType.BOUNCED and is_soft_bounce(event),
        reject_reason=event.reject_reason or "",
    )
    if not recorded:
        logger.info("%s tracking event %s for a message not ours", esp_name, event.event_type)


# Connected when the webhook URLs are loaded (tracking_urls imports this module), which is before
# any webhook view can send the signal; the uid keeps it connected once.
tracking.connect(tracking_received, dispatch_uid="feedback.surveys.tracking_received")
