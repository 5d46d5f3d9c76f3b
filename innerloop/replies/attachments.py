"""What a customer attached to a reply: kept when it is small enough and of an accepted type, found
from the file's own bytes (never the type or the name the sender claimed); otherwise refused, with
the reason shown on the case, so that nothing the customer sent disappears without a trace.

Files are stored through Django's default storage under a random name (innerloop.models.replies
attachment_path); the sender's file name is kept as text only, and shown escaped.
"""

import re
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext, gettext_lazy

from innerloop.models import CaseAttachment, CaseReply, RefusedAttachment

# At most this many attachments per reply are looked at; the rest are refused as too many.
MAX_ATTACHMENTS = 20
FILENAME_MAX = 200
OCTET_STREAM = "application/octet-stream"
# The types kept unless CXLOOP_REPLY_ALLOWED_TYPES names others: documents, images, text.
ALLOWED_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/heic",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
)
# Why an attachment was not kept (RefusedAttachment.reason), in words on the case page.
REFUSALS = {
    "too_large": gettext_lazy("Not kept: larger than the %(limit)s limit."),
    "type": gettext_lazy("Not kept: files of this type are not accepted."),
    "empty": gettext_lazy("Not kept: the file was empty."),
    "too_many": gettext_lazy("Not kept: more than %(count)s attachments in one reply."),
}
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class IncomingAttachment:
    filename: str
    declared_type: str
    content: bytes


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def refusal_words(refused: RefusedAttachment) -> str:
    """A refusal's reason as the case page says it."""
    words = REFUSALS.get(refused.reason)
    if words is None:
        return refused.reason
    return str(words) % {
        "limit": megabytes(settings.CXLOOP_REPLY_MAX_ATTACHMENT_BYTES),
        "count": MAX_ATTACHMENTS,
    }


def _looks_like_text(content: bytes) -> bool:
    try:
        text = content[:65536].decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the sample's end is still text.
        try:
            text = content[:65533].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return not _UNPRINTABLE.search(text)


def detected_type(content: bytes, filename: str) -> str:
    """The file's type from its bytes: a known signature, else UTF-8 text (CSV by its name), else
    unknown (application/octet-stream)."""
    kind = filetype.guess(content)
    if kind is not None:
        return str(kind.mime)
    if _looks_like_text(content):
        return "text/csv" if filename.lower().endswith(".csv") else "text/plain"
    return OCTET_STREAM


def safe_filename(filename: str) -> str:
    """The sender's name for the file, as text to show: no path, no control characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = _UNPRINTABLE.sub("", name).replace("\n", " ").replace("\r", " ").strip()
    return name[:FILENAME_MAX] or gettext("attachment")


def attachment_verdict(incoming: IncomingAttachment, *, position: int) -> tuple[str, str]:
    """(detected type, refusal reason or "" when it is kept)."""
    size = len(incoming.content)
    if position >= MAX_ATTACHMENTS:
        return incoming.declared_type[:100], "too_many"
    if size == 0:
        return incoming.declared_type[:100], "empty"
    if size > settings.CXLOOP_REPLY_MAX_ATTACHMENT_BYTES:
        return incoming.declared_type[:100], "too_large"
    content_type = detected_type(incoming.content, incoming.filename)
    if content_type not in (settings.CXLOOP_REPLY_ALLOWED_TYPES or ALLOWED_TYPES):
        return content_type, "type"
    return content_type, ""


def attachments_store(*, reply: CaseReply, attachments: list[IncomingAttachment]) -> tuple[int, int]:
    """Keep or refuse each attachment of the reply; returns (kept, refused)."""
    kept = refused = 0
    for position, incoming in enumerate(attachments):
        content_type, reason = attachment_verdict(incoming, position=position)
        filename = safe_filename(incoming.filename)
        if reason:
            RefusedAttachment.objects.create(
                reply=reply, filename=filename, content_type=content_type, size=len(incoming.content),
                reason=reason,
            )  # fmt: skip
            refused += 1
            continue
        attachment = CaseAttachment(
            reply=reply, filename=filename, content_type=content_type, size=len(incoming.content)
        )
        attachment.file.save(filename, ContentFile(incoming.content), save=False)
        attachment.save()
        kept += 1
    return kept, refused
