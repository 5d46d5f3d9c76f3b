"""Sending survey invitations and their one reminder, by email or text message.

The contact rules (feedback.surveys.rules) decided when an invitation was created whether it may
go and from when (quiet hours). The sender asks once more at the last moment, because a customer
may have asked not to be contacted since (or an employee unsubscribed): such an invitation becomes
suppressed with that reason instead. Each invitation is sent once: its row is locked and moved
from scheduled to sent in one transaction with its message, which is recorded in the outbox under
the key f"survey:{pk}:invite" (and f"survey:{pk}:reminder"), unique, so nothing goes twice.
"""

import logging
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import (
    CharField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

from cxloop.core.models import AuditEvent
from cxloop.notifications.models import EmailMessage, TextMessage
from cxloop.notifications.services import email_queue
from cxloop.notifications.sms_services import text_queue
from feedback.models import Survey, SurveyInvitation

from .email_content import (
    INVITE,
    REMINDER,
    NoSurveyText,
    invitation_email,
    invitation_sms,
    unsubscribe_headers,
)
from .rules import quiet_hours_end
from .unsubscribe import EMPLOYEE_UNSUBSCRIBED, employees_opted_out

logger = logging.getLogger(__name__)

Status, Reason = SurveyInvitation.Status, SurveyInvitation.Reason
SUPPRESSED_OUTBOX = (EmailMessage.Status.SUPPRESSED, TextMessage.Status.SUPPRESSED)


def _locked(invitations: QuerySet[SurveyInvitation]) -> QuerySet[SurveyInvitation]:
    """Rows no other sender holds, locked for this transaction, with what the message needs."""
    return (
        invitations.select_for_update(no_key=True, skip_locked=True, of=("self",))
        .select_related("survey", "customer", "employee")
        .prefetch_related("survey__texts")
    )


def invitation_send(*, invitation_id: int) -> bool:
    """Send one scheduled invitation whose time has come; False when it is not (any more) to be sent."""
    now = timezone.now()
    with transaction.atomic():
        due = _locked(SurveyInvitation.objects.filter(pk=invitation_id, status=Status.SCHEDULED))
        invitation = due.filter(Q(send_after__isnull=True) | Q(send_after__lte=now)).first()
        if invitation is None:
            return False
        return _send(invitation, now=now, opted_out=employees_opted_out(user_ids=[invitation.employee_id]))


# Invitations sent per transaction: their emails leave as each chunk commits, and the rows are not
# held locked for the whole run.
CHUNK = 100


def invitations_send_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Send up to `limit` scheduled invitations whose send time has passed, a chunk per
    transaction; how many were sent."""
    now = now or timezone.now()
    due = SurveyInvitation.objects.filter(status=Status.SCHEDULED).filter(
        Q(send_after__isnull=True) | Q(send_after__lte=now)
    )
    sent = taken = 0
    while taken < limit:
        with transaction.atomic():
            batch = list(_locked(due).order_by("send_after", "pk")[: min(CHUNK, limit - taken)])
            opted_out = employees_opted_out(user_ids=[i.employee_id for i in batch])
            sent += sum(_send(invitation, now=now, opted_out=opted_out) for invitation in batch)
        taken += len(batch)
        if len(batch) < CHUNK:
            break
    if taken:
        logger.info("survey invitations: %d of %d due sent", sent, taken)
    return sent


def _send(invitation: SurveyInvitation, *, now: datetime, opted_out: set[int]) -> bool:
    """Queue the invitation's message and mark it sent, or mark why it may not go (row locked)."""
    reason = _refusal(invitation, opted_out=opted_out)
    if reason:
        _suppress(invitation, reason=reason)
        return False
    invitation.status = Status.SENT
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=invitation.survey.link_valid_days)
    try:
        message = _message_queue(invitation, kind=INVITE)
    except NoSurveyText:
        SurveyInvitation.objects.filter(pk=invitation.pk).update(status=Status.FAILED)
        logger.error("survey invitation %s not sent: its survey has no text", invitation.pk)
        return False
    if message is not None and message.status in SUPPRESSED_OUTBOX:
        # The outbox's own check refused the address (another customer record with it is flagged).
        _suppress(invitation, reason=Reason.DO_NOT_CONTACT)
        return False
    invitation.save(update_fields=["status", "sent_at", "expires_at"])
    return True


def _refusal(invitation: SurveyInvitation, *, opted_out: set[int]) -> str:
    """Why the invitation may not go now, though the rules let it through when it was created."""
    customer = invitation.customer
    if customer is not None and (customer.do_not_contact or customer.email_complained_at is not None):
        return Reason.DO_NOT_CONTACT
    if invitation.employee_id is not None and invitation.employee_id in opted_out:
        return Reason.DO_NOT_CONTACT
    if not invitation.survey.active:
        return Reason.INACTIVE
    if not _address(invitation):
        return Reason.NO_ADDRESS
    return ""


def _suppress(invitation: SurveyInvitation, *, reason: str) -> None:
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        status=Status.SUPPRESSED, suppressed_reason=reason
    )
    logger.info("survey invitation %s suppressed at send time: %s", invitation.pk, reason)


def _address(invitation: SurveyInvitation) -> str:
    """Where the message goes: the customer's (or employee's) email, or phone for text surveys."""
    if invitation.survey.channel == Survey.Channel.SMS:
        return invitation.customer.phone if invitation.customer is not None else ""
    person = invitation.customer or invitation.employee
    return (person.email or "").strip() if person is not None else ""


def _message_queue(invitation: SurveyInvitation, *, kind: str) -> EmailMessage | TextMessage | None:
    """Record the invitation's (or reminder's) message in the outbox; it is sent after commit."""
    key = f"survey:{invitation.pk}:{kind}"
    to = _address(invitation)
    if invitation.survey.channel == Survey.Channel.SMS:
        return text_queue(key=key, to=to, body=invitation_sms(invitation), customer_id=invitation.customer_id)
    content = invitation_email(invitation, kind=kind)
    return email_queue(
        key=key,
        to=to,
        subject=content.subject,
        body=content.text,
        html_body=content.html,
        headers=unsubscribe_headers(invitation),
        message_id=make_msgid(idstring=f"survey-{invitation.pk}-{kind}", domain=_sender_domain()),
        customer_id=invitation.customer_id,
    )


def _sender_domain() -> str:
    """The domain of our From address, for Message-IDs (so they are ours, and unique)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


# A reminder that cannot be built now (no address, no survey text) is tried again this much later,
# so it neither blocks the others nor is read again by every run.
REMINDER_RETRY = timedelta(days=1)


def _unsubscribed_employee() -> QuerySet[AuditEvent]:
    """The audit record of the invitation's employee unsubscribing (as employees_opted_out reads it)."""
    return AuditEvent.objects.filter(
        verb=EMPLOYEE_UNSUBSCRIBED,
        target_type=get_user_model()._meta.label_lower,
        target_id=Cast(OuterRef("employee_id"), output_field=CharField()),
    )


def _reminders_due(now: datetime) -> QuerySet[SurveyInvitation]:
    """Sent, unanswered, unexpired, not yet reminded invitations whose reminder delay has passed and
    whose reminder's not-before time (send_after, see reminders_send_due) has come; never anyone
    who may not be contacted (do-not-contact, complained, an employee who unsubscribed): those are
    left out here, in SQL, so they never take a place in a chunk."""
    delay = ExpressionWrapper(
        F("survey__reminder_after_hours") * Value(timedelta(hours=1)), output_field=DurationField()
    )
    return (
        SurveyInvitation.objects.filter(status=Status.SENT, reminded_at__isnull=True)
        .filter(survey__reminder_after_hours__isnull=False, survey__active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(Q(send_after__isnull=True) | Q(send_after__lte=now))
        .exclude(customer__do_not_contact=True)
        .exclude(customer__email_complained_at__isnull=False)
        .exclude(Exists(_unsubscribed_employee()))
        .alias(remind_at=F("sent_at") + delay)
        .filter(remind_at__lte=now)
    )


def reminders_send_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Send the one reminder of each due invitation (_reminders_due), outside the customer's quiet
    hours; how many were sent (at most `limit`). The key f"survey:{pk}:reminder" makes each at
    most once; reminded_at means the reminder was sent.

    A chunk per transaction, its rows locked with SKIP LOCKED, read in (sent_at, id) order from
    where the last chunk ended, so a row left as it was can never hold back the rows after it. A
    row in the customer's quiet hours gets its send_after moved to the end of them: for a sent
    invitation send_after is the reminder's not-before time (the only message it has left to
    send), and later runs do not read it again until then."""
    now = now or timezone.now()
    due = _reminders_due(now)
    sent = read = 0
    after: tuple[datetime, int] | None = None
    while sent < limit:
        with transaction.atomic():
            page = (
                due
                if after is None
                else due.filter(Q(sent_at__gt=after[0]) | Q(sent_at=after[0], pk__gt=after[1]))
            )
            batch = list(_locked(page).order_by("sent_at", "pk")[:CHUNK])
            for invitation in batch:
                if sent < limit and _remind(invitation, now=now):
                    sent += 1
        read += len(batch)
        if len(batch) < CHUNK:
            break
        last = batch[-1]
        after = (last.sent_at or now, last.pk)  # sent_at is set on every sent invitation
    if read:
        logger.info("survey reminders: %d sent of %d read", sent, read)
    return sent


def _remind(invitation: SurveyInvitation, *, now: datetime) -> bool:
    """Queue the reminder and mark it sent; or, in the customer's quiet hours, put it off to their end."""
    zone = invitation.customer.time_zone if invitation.customer is not None else ""
    quiet_until = quiet_hours_end(survey=invitation.survey, zone_name=zone, now=now)
    if quiet_until > now:
        return _remind_later(invitation, not_before=quiet_until)
    if not _address(invitation):
        return _remind_later(invitation, not_before=now + REMINDER_RETRY)
    try:
        message = _message_queue(invitation, kind=REMINDER)
    except NoSurveyText:
        return _remind_later(invitation, not_before=now + REMINDER_RETRY)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(reminded_at=now)
    return message is not None and message.status not in SUPPRESSED_OUTBOX


def _remind_later(invitation: SurveyInvitation, *, not_before: datetime) -> bool:
    SurveyInvitation.objects.filter(pk=invitation.pk).update(send_after=not_before)
    return False
