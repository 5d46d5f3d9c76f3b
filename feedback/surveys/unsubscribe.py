"""Unsubscribing through an invitation's link: no message of any kind afterwards.

A customer who unsubscribes is marked do-not-contact (feedback.services.contact), the one flag every
sender and the outbox itself check, so every later message (surveys, reminders, case emails,
close-the-loop broadcasts, text messages) is suppressed.

An employee has no such flag, and the schema is fixed, so their opt-out is kept where it cannot be
lost or quietly undone: an audit row "survey.employee_unsubscribed" on the person (the audit log is
append-only and indexed by target). `employees_opted_out` reads those rows, and the sender and the
reminder scan suppress any later employee survey invitation to them with the do-not-contact reason;
their invitations still scheduled are suppressed at once. Only the person is recorded, never an
invitation or survey of theirs: employee answers stay unlinkable.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction

from cxloop.core.models import AuditEvent, audit
from feedback.models import SurveyInvitation
from feedback.services.contact import customer_do_not_contact_set

EMPLOYEE_UNSUBSCRIBED = "survey.employee_unsubscribed"
BY_LINK = "unsubscribe link"


@transaction.atomic
def invitation_unsubscribe(*, invitation: SurveyInvitation) -> None:
    """Stop every later message to the invitation's customer (or employee); doing it twice is harmless."""
    if invitation.customer is not None:
        customer_do_not_contact_set(customer=invitation.customer, do_not_contact=True, actor=None, by=BY_LINK)
        return
    if invitation.employee_id is None:
        return
    if not employees_opted_out(user_ids=[invitation.employee_id]):
        employee = get_user_model().objects.get(pk=invitation.employee_id)
        audit(actor=None, verb=EMPLOYEE_UNSUBSCRIBED, target=employee, by=BY_LINK)
    SurveyInvitation.objects.filter(
        employee_id=invitation.employee_id, status=SurveyInvitation.Status.SCHEDULED
    ).update(
        status=SurveyInvitation.Status.SUPPRESSED, suppressed_reason=SurveyInvitation.Reason.DO_NOT_CONTACT
    )


def employees_opted_out(*, user_ids: Iterable[int | None]) -> set[int]:
    """Which of these people unsubscribed from employee surveys (one query; none for no ids)."""
    wanted = {str(pk) for pk in user_ids if pk is not None}
    if not wanted:
        return set()
    rows = AuditEvent.objects.filter(
        verb=EMPLOYEE_UNSUBSCRIBED,
        target_type=get_user_model()._meta.label_lower,
        target_id__in=wanted,
    ).values_list("target_id", flat=True)
    return {int(pk) for pk in rows}
