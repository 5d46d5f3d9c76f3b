"""An inbound email read into what the case keeps: who sent it, to which addresses, the new text
without the quoted history and the signature, and the attachments.

The same reading for every way in: a provider's inbound webhook (django-anymail hands over an
AnymailInboundMessage, a stdlib email.message.EmailMessage) and the SMTP receiver (the stdlib
parser on the raw bytes). The text/plain part is preferred; an HTML-only email is turned into text
with the stdlib HTML parser (tags dropped, never rendered). Quoted history and signatures are cut
with mail-parser-reply in every language it knows, and before it, Portuguese, which it does not.
"""

import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from mailparser_reply import constants as reply_constants
from mailparser_reply.parser import EmailMessage as ReplyText

from .attachments import IncomingAttachment
from .automatic import automatic_kind

# Longer texts are cut before the reply parser's regular expressions run over them.
TEXT_MAX = 100_000
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
LANGUAGES = sorted(reply_constants.MAIL_LANGUAGES)
# The Message-ID given to a message that has none: a digest of what identifies it.
DIGEST_ID_PREFIX = "<sha256."

_QUOTED = r"(?:> ?)*"
# Where a Portuguese mail client starts the quoted history or a signature.
PORTUGUESE_CUTS = re.compile(
    "|".join(
        (
            rf"^{_QUOTED}Em\s(?:.+\n?.+?)\s?escreveu:\s*$",  # Em seg., 7 de dez. de 2026, Ana <a@b> escreveu:
            rf"^{_QUOTED}-{{3,}} ?Mensagem original ?-{{3,}}\s*$",
            rf"^{_QUOTED}\*?De:\*? .+\n{_QUOTED}\*?(?:Enviad[ao]|Data|Para|Assunto):",  # Outlook
            rf"^{_QUOTED}(?:Enviado do meu|Enviado a partir do|Obter o Outlook para)\b.*$",
            rf"^{_QUOTED}(?:Com os )?(?:melhores )?(?:cumprimentos|atenciosamente|abraços?)\b[,.!]?\s*$",
        )
    ),
    flags=re.MULTILINE | re.IGNORECASE,
)


@dataclass
class ParsedReply:
    message_id: str
    from_address: str
    subject: str
    # Every address the message was delivered or written to: the envelope's first.
    recipients: list[str]
    text: str
    full_text: str
    attachments: list[IncomingAttachment] = field(default_factory=list)
    # Why a machine wrote it (innerloop.replies.automatic: out of office, delivery report...), or "".
    automatic: str = ""


def _cut_portuguese(text: str) -> str:
    # Only a cut after some text: a reply that starts with "Cumprimentos" is not all signature.
    for match in PORTUGUESE_CUTS.finditer(text):
        if text[: match.start()].strip():
            return text[: match.start()]
    return text


def _drop_trailing_quote(text: str) -> str:
    lines = text.rstrip().split("\n")
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)


def reply_text_extract(full_text: str) -> str:
    """The new text of a reply: quoted history, signatures and trailing quotes cut."""
    text = _cut_portuguese(full_text[:TEXT_MAX].replace("\r\n", "\n"))
    parsed = ReplyText(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
    newest = parsed.replies[0].body if parsed.replies else text
    return _drop_trailing_quote(newest).strip()


class _TextFromHtml(HTMLParser):
    """Text of an HTML body: block elements break lines, quoted history (<blockquote>, Gmail's
    quote) and non-content elements are left out."""

    SKIPPED = frozenset({"script", "style", "head", "title", "blockquote", "template"})
    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        # The element being left out and how deep its own tag is nested in itself.
        self.skipping: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self.skipping is not None:
            skipped, depth = self.skipping
            self.skipping = (skipped, depth + 1) if tag == skipped else self.skipping
        elif tag in self.SKIPPED or "gmail_quote" in (dict(attrs).get("class") or ""):
            self.skipping = (tag, 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping is not None:
            skipped, depth = self.skipping
            if tag == skipped:
                self.skipping = (skipped, depth - 1) if depth > 1 else None
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping is None:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text from an HTML body (nothing of the HTML survives: the page escapes the text)."""
    reader = _TextFromHtml()
    reader.feed(html[: TEXT_MAX * 4])
    reader.close()
    text = re.sub(r"[ \t\xa0]+", " ", "".join(reader.parts))
    return re.sub(r"\n\s*\n+", "\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()


def _body(message: Message, subtype: str) -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}" and not part.get_filename():
            if part.get_content_disposition() == "attachment":
                continue
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


def body_text(message: Message) -> str:
    """The message's text: its text/plain part, else its HTML part as text."""
    text = _body(message, "plain")
    if text.strip():
        return text.replace("\r\n", "\n").strip()
    return html_to_text(_body(message, "html"))


def _attachments(message: Message) -> list[IncomingAttachment]:
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if part.get_content_disposition() != "attachment" and not filename:
            continue  # a body part, not something the customer attached
        payload = part.get_payload(decode=True)
        found.append(
            IncomingAttachment(
                filename=filename or "",
                declared_type=part.get_content_type(),
                content=payload if isinstance(payload, bytes) else b"",
            )
        )
    return found


def _recipients(message: Message, envelope: list[str]) -> list[str]:
    headers = [value for name in RECIPIENT_HEADERS for value in message.get_all(name, [])]
    found = [*envelope, *(address for _name, address in getaddresses([str(h) for h in headers]))]
    return list(dict.fromkeys(address.strip() for address in found if address and address.strip()))


def _message_id(message: Message, text: str) -> str:
    given = str(message.get("Message-ID") or "").strip()
    if given:
        return given[:254]
    # No Message-ID (rare): the same message delivered twice still has the same digest.
    digest = hashlib.sha256(
        "\n".join((str(message.get("From", "")), str(message.get("Date", "")), text)).encode()
    ).hexdigest()
    return f"{DIGEST_ID_PREFIX}{digest}@cxloop>"


def reply_from_message(
    message: Message | EmailMessage,
    *,
    envelope: list[str] | None = None,
    envelope_sender: str | None = None,
) -> ParsedReply:
    """Read an email (stdlib or anymail's) into a ParsedReply; `envelope` is the SMTP RCPT TO list
    or the provider's envelope recipient, `envelope_sender` the SMTP MAIL FROM or the provider's
    envelope sender (None when not known; "" or "<>" for a mail server's null sender)."""
    full_text = body_text(message)
    _name, from_address = parseaddr(str(message.get("From", "")))
    return ParsedReply(
        message_id=_message_id(message, full_text),
        from_address=from_address[:254],
        subject=str(message.get("Subject", "")).replace("\n", " ").strip()[:300],
        recipients=_recipients(message, envelope or []),
        text=reply_text_extract(full_text),
        full_text=full_text[:TEXT_MAX],
        attachments=_attachments(message),
        automatic=automatic_kind(message, envelope_sender=envelope_sender),
    )
