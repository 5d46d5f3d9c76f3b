"""A customer's reply, received into its case: stored once, on the timeline, the case moved and its
owner told.

Whatever the way in (a provider's inbound webhook, the SMTP receiver), a reply that reached a
valid reply address arrives here. It is stored once per Message-ID (a re-delivery finds it and
changes nothing), with its attachments kept or refused with the reason; a case waiting on the
customer goes back to in progress and its SLA clock resumes; a reply to a resolved or closed case
reopens it, or (CXLOOP_REPLY_TO_CLOSED = "new_case") opens a case linked to it; the owner (the
assignee, else the team's leads) is notified with a link. Nothing is sent to other systems here.
An automatic reply (out of office, a delivery report: innerloop.replies.automatic) is stored and
shown the same way, but changes nothing on any case and notifies nobody.
"""

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from cxloop.notifications.services import notify
from cxloop.org.language import language_of
from cxloop.org.models import Membership, Role
from innerloop import events
from innerloop.models import PRIORITY_RANK, Case, CaseKind, CaseReply, CaseStatus
from innerloop.services.cases import case_reopen, case_transition
from innerloop.sla import add_business_minutes

from .attachments import IncomingAttachment, attachments_store

logger = logging.getLogger(__name__)

# The notes the services write for a change a reply made (innerloop.timeline reads them out).
REPLY_NOTE = "customer replied"
REPLY_REOPEN_REASON = "the customer replied"
# The kind of case opened for a reply to a closed one (one per original case: its feedback).
REPLY_KIND = (
    "customer_wrote_again",
    gettext_noop("Customer wrote again"),
    "The customer replied after the case was closed.",
)
NOTIFY_KIND = "case_reply"
TEXT_IN_NOTIFICATION = 300


@dataclass(frozen=True)
class ReplyReceived:
    reply: CaseReply
    # False when this message had been received before (a re-delivery): nothing changed.
    created: bool


def case_reply_receive(
    *,
    case: Case,
    message_id: str,
    from_address: str,
    subject: str,
    text: str,
    full_text: str,
    attachments: list[IncomingAttachment],
    channel: str,
    provider: str,
    automatic: str = "",
) -> ReplyReceived:
    """Receive a reply sent to `case`'s reply address (the caller checked the signature).

    `automatic` (innerloop.replies.automatic: why a machine wrote it) keeps the message on the
    addressed case as it is: no status change, no reopening, no linked case, no clock resumed,
    nobody notified; the timeline reads it out as an automatic reply."""
    with transaction.atomic():
        # The addressed case's row is the lock: two deliveries of the same message wait in turn.
        case = (
            Case.objects.select_for_update(no_key=True, of=("self",))
            .select_related("team", "customer", "sla_policy", "assignee")
            .get(pk=case.pk)
        )
        # Once per message, whichever case of this feedback (a linked one) took it.
        before = CaseReply.objects.filter(message_id=message_id, case__feedback_id=case.feedback_id).first()
        if before is not None:
            return ReplyReceived(reply=before, created=False)
        target = case if automatic else _case_taking_reply(case)
        reply = CaseReply.objects.create(
            case=target, channel=channel, provider=provider[:30], message_id=message_id[:254],
            from_address=from_address[:254], subject=subject[:300], text=text, full_text=full_text,
        )  # fmt: skip
        kept, refused = attachments_store(reply=reply, attachments=attachments)
        moved_from = case.pk if target.pk != case.pk else None
        data = events.reply_received_data(
            reply=reply.pk, from_on_file=_from_on_file(case, from_address), kept=kept, refused=refused,
            replied_to_case=moved_from,
        )  # fmt: skip
        if automatic:
            events.case_event_reply_received(case=target, data=data | automatic_data(automatic))
            logger.info(
                "automatic reply %s (%s) kept on case %s, nothing changed", reply.pk, automatic, case.pk
            )
            return ReplyReceived(reply=reply, created=True)
        events.case_event_reply_received(case=target, data=data)
        if moved_from is not None:
            events.case_event_reply_received(case=case, data={"reply": reply.pk, "moved_to_case": target.pk})
        if target.status == CaseStatus.WAITING_ON_CUSTOMER:
            # Back to work: case_transition resumes the SLA clock paused while waiting.
            target = case_transition(
                case=target, to_status=CaseStatus.IN_PROGRESS, actor=None, note=REPLY_NOTE
            )
        _owner_notify(target, reply)
    logger.info("reply %s received on case %s (%s kept, %s refused)", reply.pk, target.pk, kept, refused)
    return ReplyReceived(reply=reply, created=True)


def automatic_data(automatic: str) -> dict:
    """What a REPLY_RECEIVED event of an automatic reply adds to reply_received_data(...)."""
    return {"automatic": True, "automatic_kind": automatic}


def _from_on_file(case: Case, from_address: str) -> bool:
    """Whether the reply came from the customer's address on file (the page says so when not)."""
    on_file = case.customer.email if case.customer is not None else ""
    return bool(on_file) and on_file.strip().casefold() == from_address.strip().casefold()


def _case_taking_reply(case: Case) -> Case:
    """The case the reply goes on: this one when open; when resolved or closed, this one reopened,
    or the case linked to it (opened now, or reopened) when replies to closed cases open a new one."""
    if case.is_open:
        return case
    if settings.CXLOOP_REPLY_TO_CLOSED == "new_case":
        linked = _linked_case(case)
        if linked is not None:
            return linked
    return case_reopen(case=case, actor=None, reason=REPLY_REOPEN_REASON)


def _reply_kind() -> CaseKind:
    slug, name, description = REPLY_KIND
    kind, _created = CaseKind.objects.get_or_create(
        slug=slug, defaults={"name": name, "description": description}
    )
    return kind


def _linked_case(case: Case) -> Case | None:
    """The open case for replies to this closed one; None when `case` is itself such a case (one
    per original: it is reopened instead)."""
    kind = _reply_kind()
    if case.kind_id == kind.pk:
        return None
    linked = (
        Case.objects.select_for_update(no_key=True, of=("self",))
        .select_related("team", "customer", "sla_policy", "assignee")
        .filter(feedback_id=case.feedback_id, kind=kind)
        .first()
    )
    if linked is None:
        return _linked_case_open(case, kind)
    if linked.is_open:
        return linked
    return case_reopen(case=linked, actor=None, reason=REPLY_REOPEN_REASON)


def _linked_case_open(case: Case, kind: CaseKind) -> Case:
    """A new case for the same customer, team, owner, priority and SLA policy, its clocks from now."""
    from django.utils import timezone

    now, policy = timezone.now(), case.sla_policy
    first_due = resolution_due = None
    if policy is not None:
        zone = ZoneInfo(case.team.timezone)
        first_due = add_business_minutes(now, policy.first_contact_minutes, policy=policy, tz=zone)
        resolution_due = add_business_minutes(now, policy.resolution_minutes, policy=policy, tz=zone)
    assignee = case.assignee
    if assignee is not None and not assignee.memberships.filter(team=case.team).exists():
        assignee = None
    linked = Case.objects.create(
        feedback_id=case.feedback_id, kind=kind, customer=case.customer, team=case.team,
        assignee=assignee, sla_policy=policy, priority=case.priority,
        priority_rank=PRIORITY_RANK.get(case.priority, case.priority_rank),
        first_contact_due_at=first_due, resolution_due_at=resolution_due, due_at=first_due,
    )  # fmt: skip
    events.case_event_opened_for_reply(
        case=linked, team=case.team.slug, priority=case.priority, replied_to_case=case.pk
    )
    return linked


def _owners(case: Case) -> list:
    """Who hears of the reply: the assignee; else the team's leads; else everyone on the team."""
    if case.assignee is not None and case.assignee.is_active:
        return [case.assignee]
    members = Membership.objects.filter(team=case.team, user__is_active=True).select_related("user")
    leads = [membership.user for membership in members if membership.role == Role.TEAM_LEAD]
    return leads or list({membership.user.pk: membership.user for membership in members}.values())


def _owner_notify(case: Case, reply: CaseReply) -> None:
    owners = _owners(case)
    if not owners:
        logger.warning("case %s has a reply and nobody on its team to tell", case.pk)
    for user in owners:
        with translation.override(language_of(user) or settings.LANGUAGE_CODE):
            title = gettext("The customer replied on case %(case)s") % {"case": case.pk}
        notify(
            user=user,
            key=f"case:{case.pk}:reply:{reply.pk}:{user.pk}",
            kind=NOTIFY_KIND,
            title=title,
            body=reply.text[:TEXT_IN_NOTIFICATION],
            url=f"/cases/{case.pk}/",
        )
