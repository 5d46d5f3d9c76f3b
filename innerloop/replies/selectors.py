"""Reads of customers' replies, scoped like their cases."""

from django.db.models import Prefetch
from django.http import Http404

from cxloop.core.pii import can_see_personal_data
from innerloop.models import CaseAttachment, CaseReply, RefusedAttachment
from innerloop.selectors import cases_visible_to


def attachment_get(*, user, attachment_id: int) -> CaseAttachment:
    """An attachment the user may download, or 404: its case is one they may see, and they may see
    personal data (a file cannot be masked as a comment is), and it was not erased."""
    if not can_see_personal_data(user):
        raise Http404("No such attachment.")
    attachment = (
        CaseAttachment.objects.select_related("reply__case__customer")
        .filter(reply__case__in=cases_visible_to(user=user), reply__erased_at__isnull=True)
        .exclude(file="")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment


def replies_by_id(reply_ids: set[int]) -> dict[int, CaseReply]:
    """The replies the timeline shows, with their attachments (three queries for any number)."""
    if not reply_ids:
        return {}
    replies = CaseReply.objects.filter(pk__in=reply_ids).prefetch_related(
        Prefetch("attachments", queryset=CaseAttachment.objects.order_by("pk")),
        Prefetch("refused_attachments", queryset=RefusedAttachment.objects.order_by("pk")),
    )
    return {reply.pk: reply for reply in replies}
