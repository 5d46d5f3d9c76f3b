"""The exactly-once protocol both outboxes share (EmailMessage and TextMessage).

A message is recorded under its unique key before anything is sent, suppressed at once when its
recipient may not be contacted, and claimed pending -> sending by a conditional update, asking the
suppression checks again at that last step; only then does the channel's own sender send it.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import EmailMessage
from .suppression import suppression_reason

logger = logging.getLogger(__name__)

Status = EmailMessage.Status  # TextMessage.Status is the same choices


def outbox_queue(model, *, fields: dict, emptied: dict, task, task_kwarg: str, what: str):
    """Record a message of `model` with `fields` and enqueue `task` after commit; None when its key
    was used before. To someone who may not be contacted it is kept suppressed, with `emptied`
    (its text) blanked, and never sent."""
    from cxloop.core.tasks_util import enqueue_on_commit

    reason = suppression_reason(to=fields["to"], customer_id=fields["customer_id"])
    if reason:
        fields = {**fields, **emptied, "status": Status.SUPPRESSED, "error": reason}
    try:
        with transaction.atomic():
            message = model.objects.create(**fields)
    except IntegrityError:
        return None  # queued before under this key: never twice
    if reason:
        logger.info("%s %s not queued: %s", what, message.pk, reason)
    else:
        enqueue_on_commit(task, **{task_kwarg: message.pk})
    return message


def outbox_claim(model, pk: int, *, emptied: dict, what: str):
    """The pending message `pk`, now "sending" and this caller's to send; None when it is not pending
    (sent, or being sent) or when its recipient may no longer be contacted (then kept suppressed)."""
    claimed = model.objects.filter(pk=pk, status=Status.PENDING).update(
        status=Status.SENDING, sending_since=timezone.now()
    )
    if not claimed:
        return None
    message = model.objects.get(pk=pk)
    # Asked again at the last step: the customer may have asked not to be contacted since it was queued.
    reason = suppression_reason(to=message.to, customer_id=message.customer_id)
    if reason:
        model.objects.filter(pk=pk).update(status=Status.SUPPRESSED, error=reason, **emptied)
        logger.info("%s %s not sent: %s", what, pk, reason)
        return None
    return message
