"""Erasing a customer (or a source's retention run) empties their cases' replies: the words, the
sender's address and the subject, and deletes the files they attached. The rows stay, marked
erased, so the timeline keeps its shape and counts. Called by innerloop.privacy's eraser."""

from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction

from innerloop.models import CaseAttachment, CaseReply, RefusedAttachment


def _files_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def replies_personal_data_erase(*, case_ids: list[int], now) -> dict[str, int]:
    """Empty these cases' replies and delete their attachments' files; counts per kind."""
    attachments = CaseAttachment.objects.filter(reply__case_id__in=case_ids).exclude(file="")
    names = list(attachments.values_list("file", flat=True))
    attachments.update(file="", filename="")
    # The files go once the erasure has committed: a rolled-back erasure keeps them with their rows.
    transaction.on_commit(partial(_files_delete, names))
    RefusedAttachment.objects.filter(reply__case_id__in=case_ids).exclude(filename="").update(filename="")
    replies = CaseReply.objects.filter(case_id__in=case_ids, erased_at__isnull=True).update(
        text="", full_text="", from_address="", subject="", erased_at=now
    )
    return {"innerloop.case_replies": replies, "innerloop.case_attachments": len(names)}
