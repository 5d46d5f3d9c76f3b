"""An inbound email, from either way in, matched to its case by the signed reply address.

The SMTP receiver checks each RCPT TO before accepting any data (innerloop.replies.smtp); a
provider's webhook hands over a whole message, whose envelope recipient, To, Cc and delivery
headers are searched for a valid reply address. None valid (forged, altered, another domain, or
replies switched off): ReplyRefused, and nothing is stored.
"""

import logging

from anymail.signals import AnymailInboundEvent

from innerloop.models import Case, ReplyChannel

from .addresses import case_from_reply_address, replies_enabled
from .parsing import DIGEST_ID_PREFIX, ParsedReply, reply_from_message
from .services import ReplyReceived, case_reply_receive

logger = logging.getLogger(__name__)


class ReplyRefused(Exception):
    """The message reached no case: refused, nothing stored."""


def case_for_recipients(recipients: list[str]) -> Case | None:
    """The case of the first recipient that is a valid reply address."""
    for address in recipients:
        case = case_from_reply_address(address)
        if case is not None:
            return case
    return None


def reply_inbound(*, parsed: ParsedReply, channel: str, provider: str) -> ReplyReceived:
    """Store a parsed inbound email on the case its reply address names, or refuse it."""
    if not replies_enabled():
        raise ReplyRefused("replies are switched off (no CXLOOP_REPLY_DOMAIN)")
    case = case_for_recipients(parsed.recipients)
    if case is None:
        # No address logged: the sender's is personal data, and the recipients were forged.
        logger.warning("inbound email by %s refused: no valid reply address among its recipients", provider)
        raise ReplyRefused("no valid reply address")
    return case_reply_receive(
        case=case,
        message_id=parsed.message_id,
        from_address=parsed.from_address,
        subject=parsed.subject,
        text=parsed.text,
        full_text=parsed.full_text,
        attachments=parsed.attachments,
        channel=channel,
        provider=provider,
        automatic=parsed.automatic,
    )


def anymail_inbound_received(sender, event: AnymailInboundEvent, esp_name: str, **kwargs) -> None:
    """django-anymail's `inbound` signal: one message from a provider's inbound webhook."""
    message = event.message
    if message is None:
        raise ReplyRefused("the provider's event carried no message")
    envelope = [message.envelope_recipient] if message.envelope_recipient else []
    parsed = reply_from_message(message, envelope=envelope, envelope_sender=message.envelope_sender)
    provider = provider_slug(esp_name)
    if parsed.message_id.startswith(DIGEST_ID_PREFIX) and event.event_id:
        # No Message-ID: the provider's own id for the message keeps a re-delivery from counting twice.
        parsed.message_id = f"<{provider}.{event.event_id}>"
    reply_inbound(parsed=parsed, channel=ReplyChannel.WEBHOOK, provider=provider)


def provider_slug(esp_name: str) -> str:
    """anymail's display name of a provider ("Amazon SES") as stored ("amazon_ses")."""
    return esp_name.strip().lower().replace(" ", "_")[:30]
