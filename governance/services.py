"""Writes of governance: seats, meetings, proxies, decisions (the only way out of `proposed`), actions."""

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from cxloop.core.exceptions import ApplicationError, NotPermitted, StateConflict
from cxloop.outbound.models import EventType
from cxloop.outbound.payloads import decision_payload
from cxloop.outbound.services import event_emit
from outerloop.models import Initiative, Stage
from outerloop.outcomes.tell import initiative_decision_tell
from outerloop.services.forecasts import initiative_forecast_propose, initiative_forecast_record
from outerloop.services.impact import impact_reviews_mark_discussed
from outerloop.services.initiatives import initiative_apply_decision

from . import events
from .models import (
    ActionItem,
    Committee,
    CommitteeSeat,
    Decision,
    Meeting,
    MeetingProxy,
    Outcome,
    SystemReview,
    Vote,
    person_name,
)
from .permissions import can_cast_seat_vote, can_chair, can_name_proxy


@transaction.atomic
def committee_seat_assign(*, committee: Committee, department, holder, actor) -> CommitteeSeat:
    """Give a department's seat to `holder` (replacing the previous holder: one seat per department)."""
    seat, created = CommitteeSeat.objects.update_or_create(
        committee=committee, department=department, defaults={"holder": holder}
    )
    events.seat_assigned(seat=seat, actor=actor, holder_username=holder.username, new=created)
    return seat


@transaction.atomic
def meeting_schedule(*, committee: Committee, scheduled_for, actor) -> Meeting:
    """Schedule a meeting; decisions left open when the last one was held (none was next) go on it."""
    meeting = Meeting.objects.create(committee=committee, scheduled_for=scheduled_for)
    events.meeting_scheduled(meeting=meeting, actor=actor, scheduled_for=scheduled_for)
    waiting = Decision.objects.select_for_update(no_key=True).filter(
        meeting__committee=committee, meeting__held_at__isnull=False, status=Decision.Status.OPEN
    )
    for decision in waiting.select_related("meeting"):
        _carry(decision, to=meeting, actor=actor)
    return meeting


def _carry(decision: Decision, *, to: Meeting, actor) -> None:
    """Move an open decision, with its votes so far, onto `to`: it is voted on there."""
    from_meeting = decision.meeting
    decision.meeting, decision.carried_from = to, from_meeting
    decision.save(update_fields=["meeting", "carried_from"])
    events.decision_carried_over(
        decision=decision, actor=actor, from_meeting_id=from_meeting.pk, to_meeting_id=to.pk,
        votes=decision.votes.count(),
    )  # fmt: skip


@transaction.atomic
def meeting_hold(*, meeting: Meeting, actor, notes: str = "") -> Meeting:
    """Record that the meeting took place: freeze its agenda, mark the impact reviews as discussed,
    and carry its open decisions (votes and all) to the next meeting, or to the next one scheduled."""
    from .selectors import agenda_snapshot, meeting_agenda, meeting_next

    meeting = Meeting.objects.select_for_update(no_key=True).get(pk=meeting.pk)
    if meeting.held_at is not None:
        raise StateConflict(gettext_lazy("This meeting has already been held."), {"meeting": ["held"]})
    agenda = meeting_agenda(meeting=meeting)
    following = meeting_next(committee=meeting.committee, after=meeting)
    still_open = list(
        meeting.decisions.select_for_update(no_key=True, of=("self",))
        .filter(status=Decision.Status.OPEN)
        .select_related("initiative", "meeting")
    )
    meeting.agenda_snapshot = {
        **agenda_snapshot(agenda),
        "carried_over": [
            {"id": d.pk, "title": d.initiative.title, "to": following.pk if following else None}
            for d in still_open
        ],
    }
    meeting.held_at = timezone.now()
    meeting.notes = notes
    meeting.save(update_fields=["agenda_snapshot", "held_at", "notes"])
    impact_reviews_mark_discussed(review_ids=[review.pk for review in agenda["impact_reviews"]])
    events.meeting_held(meeting=meeting, actor=actor)
    if following is not None:
        for decision in still_open:
            _carry(decision, to=following, actor=actor)
    return meeting


@transaction.atomic
def decision_open(
    *, meeting: Meeting, initiative: Initiative, rationale: str, actor, forecast: dict | None = None
) -> Decision:
    """Put a proposed initiative to the vote at a meeting, with the forecast (`metric`, `change`, `by`)
    that approving it records (outerloop.services.forecasts: optional, but all or nothing)."""
    if not rationale.strip():
        raise ApplicationError(gettext_lazy("A decision needs a rationale."), {"rationale": ["required"]})
    if meeting.held_at is not None:
        raise StateConflict(
            gettext_lazy("That meeting is over; decide at an upcoming one."), {"meeting": ["held"]}
        )
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    if initiative.stage != Stage.PROPOSED:
        raise StateConflict(
            gettext_lazy("Only a proposed initiative can be decided."), {"initiative": ["not proposed"]}
        )
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                meeting=meeting, initiative=initiative, rationale=rationale.strip(), opened_by=actor
            )
    except IntegrityError as error:
        already = Decision.objects.select_related("meeting").get(
            initiative=initiative, status=Decision.Status.OPEN
        )
        raise StateConflict(
            gettext_lazy(
                "A decision on this initiative is already open, at the meeting of %(date)s: "
                "vote on it there, or withdraw it."
            )
            % {"date": date_format(timezone.localtime(already.meeting.scheduled_for), "DATE_FORMAT")},
            {"initiative": ["decision open"]},
        ) from error
    initiative_forecast_propose(initiative=initiative, actor=actor, **(forecast or {}))
    events.decision_opened(decision=decision, actor=actor, initiative_id=initiative.pk)
    return decision


@transaction.atomic
def decision_withdraw(*, decision: Decision, actor, reason: str) -> Decision:
    """Take an open decision off the table (its votes stay on record); the initiative stays proposed,
    so it can be put to the vote again."""
    if not can_chair(actor):
        raise NotPermitted(
            gettext_lazy("Only the committee withdraws a decision."), {"actor": ["not the committee"]}
        )
    if not reason.strip():
        raise ApplicationError(gettext_lazy("Say why it is withdrawn."), {"reason": ["required"]})
    decision = Decision.objects.select_for_update(no_key=True).get(pk=decision.pk)
    if decision.status != Decision.Status.OPEN:
        raise StateConflict(
            gettext_lazy("This decision is %(lower)s: only an open one can be withdrawn.")
            % {"lower": decision.get_status_display().lower()},
            {"decision": [decision.status]},
        )
    decision.status, decision.withdrawn_at = Decision.Status.WITHDRAWN, timezone.now()
    decision.withdrawn_by, decision.withdrawn_reason = actor, reason.strip()
    decision.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    # The reason is on the decision (the decision log shows it); the audit row names the decision.
    events.decision_withdrawn(decision=decision, actor=actor, votes=decision.votes.count())
    return decision


def _seat_for_update(seat: CommitteeSeat) -> CommitteeSeat:
    """Lock the seat row: naming, withdrawing and using a proxy, and reassigning the seat, take turns."""
    return (
        CommitteeSeat.objects.select_for_update(no_key=True, of=("self",))
        .select_related("department", "holder")
        .get(pk=seat.pk)
    )


def _refuse_unless_holder(seat: CommitteeSeat, *, actor, doing: str) -> None:
    if not can_name_proxy(actor, seat):
        raise NotPermitted(
            gettext_lazy("Only %(department)s's seat holder, %(holder)s, %(doing)s.")
            % {"department": seat.department, "holder": person_name(seat.holder), "doing": doing},
            {"seat": ["not yours"]},
        )


def _upcoming_meeting_for(seat: CommitteeSeat, meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update(no_key=True).get(pk=meeting.pk)
    if seat.committee_id != meeting.committee_id:
        raise ApplicationError(
            gettext_lazy("That seat is not on this meeting's committee."), {"seat": ["other committee"]}
        )
    if meeting.held_at is not None:
        raise StateConflict(
            gettext_lazy("That meeting is over; proxies are named for an upcoming one."),
            {"meeting": ["held"]},
        )
    return meeting


@transaction.atomic
def proxy_name(*, meeting: Meeting, seat: CommitteeSeat, proxy, actor) -> MeetingProxy:
    """The seat's holder names `proxy` to cast the seat's votes at `meeting`, replacing any earlier one."""
    from .selectors import proxy_candidates

    seat = _seat_for_update(seat)
    _refuse_unless_holder(seat, actor=actor, doing=gettext("names its proxy"))
    meeting = _upcoming_meeting_for(seat, meeting)
    if proxy.pk == actor.pk:
        raise ApplicationError(
            gettext_lazy("You hold the seat: cast its vote yourself."), {"proxy": ["seat holder"]}
        )
    if not proxy_candidates().filter(pk=proxy.pk).exists():
        raise ApplicationError(
            gettext_lazy("%(proxy)s cannot act for a seat: a proxy is an active committee member or manager.")
            % {"proxy": person_name(proxy)},
            {"proxy": ["not a committee member or manager"]},
        )
    previous = meeting.proxies.filter(seat=seat).select_related("proxy").first()
    named, _ = MeetingProxy.objects.update_or_create(
        meeting=meeting, seat=seat, defaults={"proxy": proxy, "named_by": actor, "named_at": timezone.now()}
    )
    events.proxy_named(
        meeting=meeting, actor=actor, seat_id=seat.pk, proxy_username=proxy.username,
        replaced_username=previous.proxy.username if previous else None,
    )  # fmt: skip
    return named


@transaction.atomic
def proxy_withdraw(*, meeting: Meeting, seat: CommitteeSeat, actor) -> None:
    """The seat's holder withdraws the proxy named for `meeting`; votes it has cast stand."""
    seat = _seat_for_update(seat)
    _refuse_unless_holder(seat, actor=actor, doing=gettext("withdraws its proxy"))
    meeting = _upcoming_meeting_for(seat, meeting)
    named = meeting.proxies.filter(seat=seat).select_related("proxy").first()
    if named is None:
        raise StateConflict(
            gettext_lazy("No proxy is named for %(department)s's seat.") % {"department": seat.department},
            {"seat": ["no proxy"]},
        )
    named.delete()
    events.proxy_withdrawn(meeting=meeting, actor=actor, seat_id=seat.pk, proxy_username=named.proxy.username)


@transaction.atomic
def vote_cast(*, decision: Decision, seat: CommitteeSeat, choice: str, actor) -> Vote:
    """Cast one seat's vote, as its holder or as the proxy the holder named for the decision's meeting.

    When an outcome reaches quorum the decision is taken and applied. One vote per seat (a unique
    constraint); the decision row is locked so two votes arriving together cannot both miss, or
    both pass, the quorum.
    """
    decision = (
        Decision.objects.select_for_update(no_key=True)
        .select_related("meeting__committee")
        .get(pk=decision.pk)
    )
    _refuse_unless_votable(decision, choice=choice)
    committee = decision.meeting.committee
    if seat.committee_id != committee.pk:
        raise ApplicationError(
            gettext_lazy("That seat is not on this committee."), {"seat": ["other committee"]}
        )
    # Locked, so a proxy withdrawn or a seat reassigned meanwhile is seen before the vote counts.
    seat = _seat_for_update(seat)
    if not can_cast_seat_vote(actor, decision.meeting, seat):
        raise NotPermitted(
            gettext_lazy(
                "%(department)s's vote is cast by its holder, %(holder)s, "
                "or by the proxy they named for this meeting."
            )
            % {"department": seat.department, "holder": person_name(seat.holder)},
            {"seat": ["not yours"]},
        )
    as_holder = seat.holder_id == actor.pk
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                decision=decision, seat=seat, choice=choice, cast_by=actor,
                cast_as=Vote.CastAs.HOLDER if as_holder else Vote.CastAs.PROXY,
                proxy_for=None if as_holder else seat.holder,
            )  # fmt: skip
    except IntegrityError as error:
        raise StateConflict(
            gettext_lazy("%(department)s has already voted.") % {"department": seat.department},
            {"seat": ["already voted"]},
        ) from error
    events.vote_cast(
        decision=decision, actor=actor, vote=vote,
        proxy_for_username=seat.holder.username if vote.proxy_for_id else None,
    )  # fmt: skip
    _conclude_if_quorum(decision, committee=committee, actor=actor)
    return vote


def _refuse_unless_votable(decision: Decision, *, choice: str) -> None:
    """The decision still takes votes at its meeting, and the choice is an outcome."""
    if decision.status != Decision.Status.OPEN:
        raise StateConflict(
            gettext_lazy("This decision is %(lower)s: it takes no more votes.")
            % {"lower": decision.get_status_display().lower()},
            {"decision": [decision.status]},
        )
    if decision.meeting.held_at is not None:
        raise StateConflict(
            gettext_lazy(
                "This decision's meeting is over: the vote goes on at the next meeting once one is scheduled."
            ),
            {"decision": ["waiting for the next meeting"]},
        )
    if choice not in Outcome.values:
        raise ApplicationError(
            gettext_lazy("Unknown vote %(choice)s.") % {"choice": choice}, {"choice": ["invalid"]}
        )


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
    if decision.outcome == Outcome.APPROVED:  # the forecast put with the decision is recorded
        initiative_forecast_record(initiative=decision.initiative, actor=actor, decision_id=decision.pk)
    initiative_decision_tell(  # deferred or rejected: whoever fed it gets the rationale
        initiative=decision.initiative, outcome=decision.outcome, decision_id=decision.pk,
        rationale=decision.rationale,
    )  # fmt: skip
    events.decision_taken(decision=decision, actor=actor, votes=votes)
    event_emit(type=EventType.DECISION_TAKEN, payload=decision_payload(decision))  # cxloop.outbound


@transaction.atomic
def action_item_create(
    *, meeting: Meeting, title: str, owner, due_on, actor, department=None, initiative=None
):
    item = ActionItem.objects.create(
        meeting=meeting, title=title, owner=owner, due_on=due_on, department=department, initiative=initiative
    )
    events.action_item_created(item=item, actor=actor, owner_username=owner.username, due_on=due_on)
    return item


@transaction.atomic
def action_item_complete(*, item: ActionItem, actor) -> ActionItem:
    item = ActionItem.objects.select_for_update(no_key=True).get(pk=item.pk)
    if item.done_at is None:
        item.done_at = timezone.now()
        item.save(update_fields=["done_at"])
        events.action_item_done(item=item, actor=actor)
    return item


@transaction.atomic
def system_review_record(*, held_on, summary: str, actor) -> SystemReview:
    review = SystemReview.objects.create(held_on=held_on, summary=summary, recorded_by=actor)
    events.system_review_recorded(review=review, actor=actor, held_on=held_on)
    return review
