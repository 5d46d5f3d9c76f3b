"""Replies on the case timeline: each "customer replied" entry with its reply, read for the viewer;
an automatic one (out of office, a delivery report) titled as such, saying it changed nothing."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from cxloop.core.pii import mask_personal_data
from innerloop.models import CaseAttachment, CaseEvent, CaseReply

from .attachments import refusal_words
from .automatic import DELIVERY_REPORT, OUT_OF_OFFICE
from .selectors import replies_by_id


@dataclass
class ReplyShown:
    """A reply as the timeline shows it: text and address masked unless the viewer may see personal
    data (who alone may download the files); refused attachments with their reasons in words."""

    reply: CaseReply
    text: str
    # The whole email as received (quoted history included), when it says more than `text`.
    full_text: str
    subject: str
    from_address: str
    from_on_file: bool
    can_download: bool
    attachments: list[CaseAttachment] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _shown(reply: CaseReply, data: dict, *, personal: bool) -> ReplyShown:
    def words(text: str) -> str:
        return text if personal else mask_personal_data(text)

    return ReplyShown(
        reply=reply,
        text=words(reply.text),
        full_text=words(reply.full_text) if reply.full_text.strip() != reply.text.strip() else "",
        subject=words(reply.subject),
        from_address=words(reply.from_address),
        from_on_file=bool(data.get("from_on_file")),
        can_download=personal,
        attachments=list(reply.attachments.all()),
        refused=[(refused.filename, refusal_words(refused)) for refused in reply.refused_attachments.all()],
    )


def _automatic_title(data: dict) -> str:
    kind = data.get("automatic_kind")
    if kind == OUT_OF_OFFICE:
        return gettext("Automatic reply received (out of office)")
    if kind == DELIVERY_REPORT:
        return gettext("Automatic reply received (a mail server's delivery report)")
    return gettext("Automatic reply received")


def _sentence(data: dict) -> str:
    if data.get("automatic"):
        return gettext(
            "Sent by a machine, not written by the customer: kept here, but the case was not "
            "changed and nobody was notified."
        )
    if data.get("moved_to_case"):
        return gettext("The customer replied after this case was closed; the reply is on case %(case)s.") % {
            "case": data["moved_to_case"]
        }
    if data.get("replied_to_case"):
        return gettext("A reply to case %(case)s, which was no longer open.") % {
            "case": data["replied_to_case"]
        }
    return ""


def reply_entries_fill(entries: list[Any], *, personal: bool) -> None:
    """Give each REPLY_RECEIVED timeline entry its sentence and its reply (`entry.reply`)."""
    kind = CaseEvent.Kind.REPLY_RECEIVED
    ids = {entry.event.data.get("reply") for entry in entries if entry.event.kind == kind}
    replies = replies_by_id({reply_id for reply_id in ids if isinstance(reply_id, int)})
    for entry in entries:
        if entry.event.kind != kind:
            continue
        data = entry.event.data or {}
        entry.text = _sentence(data)
        if data.get("automatic"):
            entry.title = _automatic_title(data)
        reply = replies.get(data.get("reply") or 0)
        if reply is not None and not data.get("moved_to_case"):
            entry.reply = _shown(reply, data, personal=personal)
