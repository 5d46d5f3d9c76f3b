"""The committee's past in the demo: a meeting every four weeks for six months, with the decisions
on the initiatives of outerloop.demo_stories, each seat's vote, the agenda as it stood, notes and
action items; and, at the next meeting, the vote open on the newest proposal.

Seeded after the committee exists (committee.py), from the plan outerloop.demo returns. Held
meetings and decided votes are written with their past times, as the services would have left
them (they stamp "now"); the open vote goes through the services, as a member would cast it.
"""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Model

from governance.models import ActionItem, CastAs, Committee, Decision, Meeting, Vote
from governance.services import decision_open, vote_cast
from outerloop.demo import SeededInitiative
from outerloop.models import InitiativeEvent, Stage

# Weeks before the end of each held meeting (the stories name these).
MEETING_WEEKS = (24, 20, 16, 12, 8, 4)
NOTES = (
    "Quorum present. Reviewed the signals board and the initiatives awaiting a decision.",
    "Quorum present. Owners reported on their initiatives; nothing stalled.",
    "Quorum present. Discussed the huddles' escalations before the decisions.",
)


def seed_committee_history(*, committee: Committee, end: datetime, seeded: list[SeededInitiative]) -> None:
    """Held meetings with their decisions, votes and action items; the open vote at the next one."""
    seats = list(committee.seats.select_related("holder", "department").order_by("department__name"))
    chair = get_user_model().objects.get(username="committee")
    meetings = {weeks: _meeting(committee, end=end, weeks=weeks) for weeks in MEETING_WEEKS}
    for item in seeded:
        story = item.story
        if story.decided_weeks_ago is None:
            _open_vote(committee, item, seats=seats, chair=chair)
            continue
        meeting = meetings[story.decided_weeks_ago]
        _decide(meeting, item, seats=seats, chair=chair)
        meeting.agenda_snapshot["awaiting_decision"].append({"id": item.initiative.pk, "title": story.title})
        if story.outcome == Stage.APPROVED:
            _action_item(meeting, item, end=end)
    Meeting.objects.bulk_update(meetings.values(), ["agenda_snapshot"])


def _meeting(committee: Committee, *, end: datetime, weeks: int) -> Meeting:
    day = (end - timedelta(weeks=weeks)).date()
    day -= timedelta(days=(day.weekday() - 1) % 7)  # the Tuesday on or before
    scheduled = datetime.combine(day, time(10, 0), tzinfo=end.tzinfo)
    return Meeting.objects.create(
        committee=committee,
        scheduled_for=scheduled,
        held_at=scheduled + timedelta(hours=2),
        notes=NOTES[weeks % len(NOTES)],
        agenda_snapshot={
            "awaiting_decision": [],
            "stalled": [],
            "strong_signals": [],
            "impact_reviews": [],
            "system_review": None,
        },
    )


def _decide(meeting: Meeting, item: SeededInitiative, *, seats: list, chair) -> Decision:
    """The decision as the vote concluded it, each seat's vote, and the initiative's timeline entries."""
    story, decided_at = item.story, meeting.held_at
    assert decided_at is not None
    decision = Decision.objects.create(
        meeting=meeting,
        initiative=item.initiative,
        rationale=story.rationale,
        status=Decision.Status.DECIDED,
        outcome=story.outcome,
        opened_by=chair,
        decided_at=decided_at,
    )
    votes = Vote.objects.bulk_create(
        Vote(decision=decision, seat=seat, choice=choice, cast_by=seat.holder, cast_as=CastAs.HOLDER)
        for seat, choice in zip(seats, story.votes, strict=False)
    )
    _stamp(Decision, [decision.pk], meeting.scheduled_for + timedelta(minutes=15))
    _stamp(Vote, [vote.pk for vote in votes], meeting.scheduled_for + timedelta(minutes=45))
    by_department = {vote.seat.department.slug: vote.choice for vote in votes}
    entries = [
        InitiativeEvent(
            initiative=item.initiative, kind=InitiativeEvent.Kind.STAGE_CHANGED, actor=chair,
            data={"from": Stage.PROPOSED, "to": story.outcome, "decision": decision.pk},
        ),
        InitiativeEvent(
            initiative=item.initiative, kind=InitiativeEvent.Kind.DECIDED, actor=chair,
            data={"decision": decision.pk, "outcome": story.outcome, "rationale": story.rationale,
                  "votes": by_department},
        ),
    ]  # fmt: skip
    InitiativeEvent.objects.bulk_create(entries)
    _stamp(InitiativeEvent, [entry.pk for entry in entries], decided_at)
    return decision


def _action_item(meeting: Meeting, item: SeededInitiative, *, end: datetime) -> None:
    assert meeting.held_at is not None
    due_on = meeting.held_at.date() + timedelta(weeks=2)
    ActionItem.objects.create(
        meeting=meeting,
        title=f"Agree the plan and first milestone: {item.story.title}"[:200],
        owner=item.initiative.owner,
        department=item.initiative.departments.order_by("name").first(),
        initiative=item.initiative,
        due_on=due_on,
        done_at=datetime.combine(due_on, time(12, 0), tzinfo=end.tzinfo) if due_on < end.date() else None,
    )


def _open_vote(committee: Committee, item: SeededInitiative, *, seats: list, chair) -> None:
    """The newest proposal is on the next meeting's agenda, its vote open with the first seats' votes."""
    meeting = committee.meetings.filter(held_at__isnull=True).order_by("scheduled_for").first()
    if meeting is None:
        return
    decision = decision_open(
        meeting=meeting, initiative=item.initiative, rationale=item.story.rationale, actor=chair
    )
    for seat, choice in zip(seats, item.story.votes, strict=False):
        vote_cast(decision=decision, seat=seat, choice=choice, actor=seat.holder)


def _stamp(model: type[Model], pks: list[int], at: datetime) -> None:
    """created_at as the history had it (auto_now_add stamped the seeding time)."""
    model._default_manager.filter(pk__in=pks).update(created_at=at)
