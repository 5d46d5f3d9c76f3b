"""Whether an inbound email was written by a machine: an out-of-office answer, an autoresponder,
a mail server's delivery report, a list's or a bulk sender's message.

Such a message reaching a case's reply address is kept and shown, but must not act as the
customer's reply: an out-of-office answer to our message would otherwise reopen a resolved case,
open a linked one, take a case off waiting-on-the-customer and wake its owner, and two
autoresponders can answer each other without end. What counts as automatic:

- RFC 3834 `Auto-Submitted` with any value but "no";
- `Precedence: bulk | junk | list | auto_reply`;
- `X-Autoreply` or `X-Autorespond` present (with a value other than "no");
- Microsoft's `X-Auto-Response-Suppress` naming All, OOF or AutoReply (Exchange puts it on its own
  automatic answers; a person's mail carries none, or "None");
- a null sender (`<>`: the envelope's, or the Return-Path), or a From of MAILER-DAEMON or
  postmaster: mail servers' notices;
- a report (`multipart/report`, or a `message/delivery-status` part): bounces and receipts.
"""

import re
from email.message import Message
from email.utils import parseaddr

OUT_OF_OFFICE = "out_of_office"
DELIVERY_REPORT = "delivery_report"
AUTOMATIC = "automatic"

BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
SUPPRESS_TOKENS = frozenset({"all", "oof", "autoreply"})
SERVER_SENDERS = frozenset({"mailer-daemon", "postmaster"})
NULL_SENDERS = frozenset({"", "<>"})
# Subjects of out-of-office answers, in the languages customers write in.
OUT_OF_OFFICE_SUBJECT = re.compile(
    r"out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|away from|on vacation|on holiday"
    r"|fora do escritório|resposta automática|ausente|ausência|férias"
    r"|abwesenheit|automatische antwort|absence|réponse automatique|respuesta automática|fuera de la oficina",
    flags=re.IGNORECASE,
)


def _header(message: Message, name: str) -> str:
    return str(message.get(name, "") or "").strip().lower()


def _null_sender(message: Message, envelope_sender: str | None) -> bool:
    if envelope_sender is not None and envelope_sender.strip() in NULL_SENDERS:
        return True
    return_paths = [str(value).strip() for value in message.get_all("Return-Path", [])]
    return any(value in NULL_SENDERS - {""} for value in return_paths)


def _is_report(message: Message) -> bool:
    if message.get_content_type() == "multipart/report":
        return True
    return any(part.get_content_type() == "message/delivery-status" for part in message.walk())


def _from_server(message: Message) -> bool:
    _name, address = parseaddr(str(message.get("From", "")))
    return address.partition("@")[0].strip().lower() in SERVER_SENDERS


def _answered_automatically(message: Message) -> bool:
    submitted = _header(message, "Auto-Submitted").split(";")[0].strip()
    if submitted and submitted != "no":
        return True
    if _header(message, "Precedence") in BULK_PRECEDENCE:
        return True
    for name in ("X-Autoreply", "X-Autorespond"):
        value = _header(message, name)
        if name in message and value not in ("no", "false", "0"):
            return True
    tokens = {token.strip() for token in _header(message, "X-Auto-Response-Suppress").split(",")}
    return bool(tokens & SUPPRESS_TOKENS)


def automatic_kind(message: Message, *, envelope_sender: str | None = None) -> str:
    """ "" for a person's message; else OUT_OF_OFFICE, DELIVERY_REPORT or AUTOMATIC. The
    `envelope_sender` is the SMTP MAIL FROM or the provider's (None when it is not known)."""
    if _is_report(message) or _from_server(message):
        return DELIVERY_REPORT
    if _null_sender(message, envelope_sender) or _answered_automatically(message):
        subject = str(message.get("Subject", "") or "")
        return OUT_OF_OFFICE if OUT_OF_OFFICE_SUBJECT.search(subject) else AUTOMATIC
    return ""
