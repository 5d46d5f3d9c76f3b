"""Writes of governance: seats, meetings, decisions (the only way out of `proposed`), action items."""

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError
from cxloop.core.models import audit
from cxloop.org.scoping import scope_for
from outerloop.models import Initiative, Stage
from outerloop.services.impact import impact_reviews_mark_discussed
from outerloop.services.initiatives import initiative_apply_decision

from .models import ActionItem, Committee, CommitteeSeat, Decision, Meeting, Outcome, SystemReview, Vote


@transaction.atomic
def committee_seat_assign(*, committee: Committee, department, holder, actor) -> CommitteeSeat:
    """Give a department's seat to `holder` (replacing the previous holder: one seat per department)."""
    seat, created = CommitteeSeat.objects.update_or_create(
        committee=committee, department=department, defaults={"holder": holder}
    )
    audit(actor=actor, verb="committee.seat_assigned", target=seat, holder=holder.username, new=created)
    return seat


@transaction.atomic
def meeting_schedule(*, committee: Committee, scheduled_for, actor) -> Meeting:
    meeting = Meeting.objects.create(committee=committee, scheduled_for=scheduled_for)
    audit(actor=actor, verb="meeting.scheduled", target=meeting, at=scheduled_for.isoformat())
    return meeting


@transaction.atomic
def meeting_hold(*, meeting: Meeting, actor, notes: str = "") -> Meeting:
    """Record that the meeting took place: freeze its agenda and mark the impact reviews as discussed."""
    from .selectors import agenda_snapshot, meeting_agenda

    meeting = Meeting.objects.select_for_update(no_key=True).get(pk=meeting.pk)
    if meeting.held_at is not None:
        raise ApplicationError("This meeting has already been held.", {"meeting": ["held"]})
    agenda = meeting_agenda(meeting=meeting)
    meeting.agenda_snapshot = agenda_snapshot(agenda)
    meeting.held_at = timezone.now()
    meeting.notes = notes
    meeting.save(update_fields=["agenda_snapshot", "held_at", "notes"])
    impact_reviews_mark_discussed(review_ids=[review.pk for review in agenda["impact_reviews"]])
    audit(actor=actor, verb="meeting.held", target=meeting)
    return meeting


def may_record_votes(*, user, seat: CommitteeSeat) -> bool:
    """A seat holder votes for their seat; the committee (as secretary) and admins record any seat's vote."""
    return seat.holder_id == user.pk or scope_for(user).has_role("committee", "admin")


@transaction.atomic
def decision_open(*, meeting: Meeting, initiative: Initiative, rationale: str, actor) -> Decision:
    """Put a proposed initiative to the vote at a meeting."""
    if not rationale.strip():
        raise ApplicationError("A decision needs a rationale.", {"rationale": ["required"]})
    if meeting.held_at is not None:
        raise ApplicationError("That meeting is over; decide at an upcoming one.", {"meeting": ["held"]})
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    if initiative.stage != Stage.PROPOSED:
        raise ApplicationError("Only a proposed initiative can be decided.", {"initiative": ["not proposed"]})
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                meeting=meeting, initiative=initiative, rationale=rationale.strip(), opened_by=actor
            )
    except IntegrityError as error:
        raise ApplicationError(
            "A decision on this initiative is already open.", {"initiative": ["decision open"]}
        ) from error
    audit(actor=actor, verb="decision.opened", target=decision, initiative=initiative.pk)
    return decision


@transaction.atomic
def vote_record(*, decision: Decision, seat: CommitteeSeat, choice: str, actor) -> Vote:
    """Record one seat's vote; when an outcome reaches quorum the decision is taken and applied.

    One vote per seat (a unique constraint); the decision row is locked so two votes arriving
    together cannot both miss, or both pass, the quorum.
    """
    decision = (
        Decision.objects.select_for_update(no_key=True)
        .select_related("meeting__committee")
        .get(pk=decision.pk)
    )
    if decision.status != Decision.Status.OPEN:
        raise ApplicationError("This decision has been taken.", {"decision": ["decided"]})
    if choice not in Outcome.values:
        raise ApplicationError(f"Unknown vote {choice}.", {"choice": ["invalid"]})
    committee = decision.meeting.committee
    if seat.committee_id != committee.pk:
        raise ApplicationError("That seat is not on this committee.", {"seat": ["other committee"]})
    if not may_record_votes(user=actor, seat=seat):
        raise ApplicationError(
            "Only the seat holder or the committee records this vote.", {"seat": ["not yours"]}
        )
    try:
        with transaction.atomic():
            vote = Vote.objects.create(decision=decision, seat=seat, choice=choice, recorded_by=actor)
    except IntegrityError as error:
        raise ApplicationError(
            f"{seat.department} has already voted.", {"seat": ["already voted"]}
        ) from error
    audit(actor=actor, verb="decision.vote", target=decision, seat=seat.pk, choice=choice)
    _conclude_if_quorum(decision, committee=committee, actor=actor)
    return vote


def _conclude_if_quorum(decision: Decision, *, committee: Committee, actor) -> None:
    needed = committee.votes_needed(seats=committee.seats.count())
    tally = dict(decision.votes.values("choice").annotate(n=Count("id")).values_list("choice", "n"))
    carried = [choice for choice, n in tally.items() if n >= needed]
    if not carried:
        return
    decision.status, decision.outcome, decision.decided_at = (
        Decision.Status.DECIDED,
        carried[0],
        timezone.now(),
    )
    decision.save(update_fields=["status", "outcome", "decided_at"])
    votes = {
        vote.seat.department.slug: vote.choice for vote in decision.votes.select_related("seat__department")
    }
    initiative_apply_decision(
        initiative=decision.initiative, outcome=decision.outcome, actor=actor,
        decision_id=decision.pk, rationale=decision.rationale, votes=votes,
    )  # fmt: skip
    audit(actor=actor, verb="decision.taken", target=decision, outcome=decision.outcome, votes=votes)


@transaction.atomic
def action_item_create(
    *, meeting: Meeting, title: str, owner, due_on, actor, department=None, initiative=None
):
    item = ActionItem.objects.create(
        meeting=meeting, title=title, owner=owner, due_on=due_on, department=department, initiative=initiative
    )
    audit(
        actor=actor, verb="action_item.created", target=item, owner=owner.username, due_on=due_on.isoformat()
    )
    return item


@transaction.atomic
def action_item_complete(*, item: ActionItem, actor) -> ActionItem:
    item = ActionItem.objects.select_for_update(no_key=True).get(pk=item.pk)
    if item.done_at is None:
        item.done_at = timezone.now()
        item.save(update_fields=["done_at"])
        audit(actor=actor, verb="action_item.done", target=item)
    return item


@transaction.atomic
def system_review_record(*, held_on, summary: str, actor) -> SystemReview:
    review = SystemReview.objects.create(held_on=held_on, summary=summary, recorded_by=actor)
    audit(actor=actor, verb="system_review.recorded", target=review, held_on=held_on.isoformat())
    return review
