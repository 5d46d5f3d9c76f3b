"""The SMTP receiver for self-hosters: an aiosmtpd handler that takes customers' replies straight
from the sending mail server (the reply domain's MX points here, or a local MTA relays to it).

Each RCPT TO is checked before any data is accepted: an address that is not a valid, signed reply
address of an existing case is refused with 550 and the message is never received. The message
size is bounded (SIZE, 552). An accepted message is parsed with the stdlib email package and handed
to the same service as the providers' webhooks (innerloop.replies.inbound.reply_inbound). Database
work runs in a worker thread, off the event loop, each call on its own connection, closed after it
(replies are few; a connection held by an idle pool thread would outlive a database restart).
"""

import asyncio
import logging
from email import policy
from email.parser import BytesParser

from django.db import connection

from innerloop.models import Case, ReplyChannel

from .addresses import case_id_from_reply_address
from .inbound import ReplyRefused, reply_inbound
from .parsing import reply_from_message

logger = logging.getLogger(__name__)

PROVIDER = "smtp"


def _case_exists(address: str) -> bool:
    case_id = case_id_from_reply_address(address)
    if case_id is None:
        return False
    try:
        return Case.objects.filter(pk=case_id).exists()
    finally:
        connection.close()


def _receive(content: bytes, recipients: list[str], mail_from: str | None) -> str:
    """Parse and store one message; the SMTP answer. `mail_from` is the envelope's sender ("<>"
    for a mail server's notice: kept, as an automatic reply)."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(content)
        parsed = reply_from_message(message, envelope=recipients, envelope_sender=mail_from)
        received = reply_inbound(parsed=parsed, channel=ReplyChannel.SMTP, provider=PROVIDER)
    except ReplyRefused as why:
        return f"550 5.1.1 Refused: {why}"
    finally:
        connection.close()
    if not received.created:
        return "250 2.0.0 Already received"
    return "250 2.0.0 Reply received"


class ReplyHandler:
    """aiosmtpd handler: refuse unknown recipients at RCPT, store accepted messages at DATA."""

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list[str]) -> str:
        if not await asyncio.to_thread(_case_exists, address):
            # The address is not logged: it is a forgery or a typo, and either may carry personal data.
            logger.info("SMTP recipient refused (not a reply address) from %s", session.peer)
            return "550 5.1.1 No such reply address"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", errors="replace")
        try:
            return await asyncio.to_thread(_receive, content, list(envelope.rcpt_tos), envelope.mail_from)
        except Exception:
            # An I/O boundary: the database may be down. 451 makes the sender's server try again
            # later, where aiosmtpd's own answer (500) would make it give the message up.
            logger.exception("SMTP reply not stored; the sender is asked to try again")
            return "451 4.3.0 Temporary failure, please try again later"
