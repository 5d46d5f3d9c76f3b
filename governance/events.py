"""Governance's events, one constructor per kind with named fields (as Saleor's order/events.py).

Governance keeps no timeline table of its own: each state change is one audit row (cxloop.core.models
.audit) whose `verb` and `data` keys are declared here; a decision's outcome also goes on the
initiative's timeline (outerloop.events, through initiative_apply_decision). Call them inside the
service's transaction.
"""

from datetime import date, datetime
from typing import Any

from cxloop.core.models import AuditEvent, audit

from .models import ActionItem, CommitteeSeat, Decision, Meeting, SystemReview, Vote


def seat_assigned(*, seat: CommitteeSeat, actor: Any, holder_username: str, new: bool) -> AuditEvent:
    return audit(actor=actor, verb="committee.seat_assigned", target=seat, holder=holder_username, new=new)


def meeting_scheduled(*, meeting: Meeting, actor: Any, scheduled_for: datetime) -> AuditEvent:
    return audit(actor=actor, verb="meeting.scheduled", target=meeting, at=scheduled_for.isoformat())


def meeting_held(*, meeting: Meeting, actor: Any) -> AuditEvent:
    return audit(actor=actor, verb="meeting.held", target=meeting)


def decision_opened(*, decision: Decision, actor: Any, initiative_id: int) -> AuditEvent:
    return audit(actor=actor, verb="decision.opened", target=decision, initiative=initiative_id)


def decision_carried_over(
    *, decision: Decision, actor: Any, from_meeting_id: int, to_meeting_id: int, votes: int
) -> AuditEvent:
    """`votes`: how many seats had voted when it moved (they stand)."""
    return audit(
        actor=actor, verb="decision.carried_over", target=decision, from_meeting=from_meeting_id,
        to_meeting=to_meeting_id, votes=votes,
    )  # fmt: skip


def decision_withdrawn(*, decision: Decision, actor: Any, votes: int) -> AuditEvent:
    """The reason is kept on the decision (staff's words, read in the decision log), not here."""
    return audit(
        actor=actor, verb="decision.withdrawn", target=decision, initiative=decision.initiative_id,
        votes=votes, reason_field="withdrawn_reason",
    )  # fmt: skip


def proxy_named(
    *, meeting: Meeting, actor: Any, seat_id: int, proxy_username: str, replaced_username: str | None
) -> AuditEvent:
    return audit(
        actor=actor, verb="meeting.proxy_named", target=meeting, seat=seat_id, proxy=proxy_username,
        replaced=replaced_username,
    )  # fmt: skip


def proxy_withdrawn(*, meeting: Meeting, actor: Any, seat_id: int, proxy_username: str) -> AuditEvent:
    return audit(
        actor=actor, verb="meeting.proxy_withdrawn", target=meeting, seat=seat_id, proxy=proxy_username
    )


def vote_cast(*, decision: Decision, actor: Any, vote: Vote, proxy_for_username: str | None) -> AuditEvent:
    return audit(
        actor=actor, verb="decision.vote", target=decision, seat=vote.seat_id, choice=vote.choice,
        cast_as=vote.cast_as, proxy_for=proxy_for_username,
    )  # fmt: skip


def decision_taken(*, decision: Decision, actor: Any, votes: dict[str, str]) -> AuditEvent:
    """`votes`: department slug -> the seat's choice."""
    return audit(actor=actor, verb="decision.taken", target=decision, outcome=decision.outcome, votes=votes)


def action_item_created(*, item: ActionItem, actor: Any, owner_username: str, due_on: date) -> AuditEvent:
    return audit(
        actor=actor, verb="action_item.created", target=item, owner=owner_username, due_on=due_on.isoformat()
    )


def action_item_done(*, item: ActionItem, actor: Any) -> AuditEvent:
    return audit(actor=actor, verb="action_item.done", target=item)


def system_review_recorded(*, review: SystemReview, actor: Any, held_on: date) -> AuditEvent:
    return audit(actor=actor, verb="system_review.recorded", target=review, held_on=held_on.isoformat())
