"""Closing the loop: telling the customers (and colleagues) affected by a rolled-out initiative.

Rolling out emails nobody by itself. A person writes what changed, sees the exact email one customer
will get and how many will get it, confirms, and only then is it sent: once per initiative, with a
record on the initiative's timeline of who sent what, and to how many (the emails are in the outbox).
"""

import logging

from django.db import transaction

from cxloop.core.exceptions import NotPermitted, StateConflict
from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_queue, notify
from outerloop import events
from outerloop.loop_message import (
    affected_customers,
    close_loop_message,
    close_loop_recipients,
    close_loop_refusal,
    close_loop_text_check,
    staff_to_tell,
)
from outerloop.models import Initiative
from outerloop.permissions import can_edit_initiative

logger = logging.getLogger(__name__)


@transaction.atomic
def initiative_tell_customers(
    *, initiative: Initiative, actor, subject: str, what_changed: str
) -> dict[str, int]:
    """Email every affected customer who may be contacted, once, and tell the colleagues who raised it.

    Runs when a person has seen the preview and confirmed. The initiative row is locked, so two
    senders confirming together send once; each email also has its own key in the outbox.
    """
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    if not can_edit_initiative(actor, initiative):
        raise NotPermitted(
            "Only the initiative's owner or the committee tells its customers.", {"actor": ["not owner"]}
        )
    refusal = close_loop_refusal(initiative=initiative)
    if refusal:
        raise StateConflict(
            refusal, {"initiative": ["already told" if initiative.rolled_out_at else "not rolled out"]}
        )
    subject, what_changed = close_loop_text_check(initiative, subject=subject, what_changed=what_changed)
    affected = affected_customers(initiative=initiative).exclude(email="")
    # Customers who asked not to be contacted are not told (feedback.contact); the record counts them.
    not_contacted = affected.filter(do_not_contact=True).count()
    customers = sent = 0
    for customer in close_loop_recipients(initiative):
        customers += 1
        message = close_loop_message(subject=subject, what_changed=what_changed, customer=customer)
        queued = email_queue(
            key=f"initiative:{initiative.pk}:customer:{customer.pk}",
            to=customer.email,
            subject=message.subject,
            body=message.body,
            customer_id=customer.pk,
        )
        # A customer flagged since the query above: recorded as suppressed, not counted as told.
        sent += queued is not None and queued.status != EmailMessage.Status.SUPPRESSED
    staff = _tell_staff(initiative, what_changed=what_changed)
    if initiative.what_changed != what_changed:
        initiative.what_changed = what_changed  # "You said, we did" shows the words customers got
        initiative.save(update_fields=["what_changed", "updated_at"])
    events.initiative_loop_closed(
        initiative=initiative, actor=actor, subject=subject, what_changed=what_changed,
        customers=customers, emails_queued=sent, staff=staff, not_contacted=not_contacted,
    )  # fmt: skip
    logger.info(
        "initiative %s: %s customers, %s emails queued, %s staff, %s not told (do not contact)",
        initiative.pk, customers, sent, staff, not_contacted,
    )  # fmt: skip
    return {"customers": customers, "emails_queued": sent, "staff": staff, "not_contacted": not_contacted}


def _tell_staff(initiative: Initiative, *, what_changed: str) -> int:
    staff = 0
    for user in staff_to_tell(initiative):
        notify(
            user=user,
            key=f"initiative:{initiative.pk}:staff:{user.pk}",
            kind="initiative_rolled_out",
            title=f"You said, we did: {initiative.title}",
            body=f"What you raised led to a change: {what_changed}",
            url=f"/initiatives/{initiative.pk}/",
        )
        staff += 1
    return staff
