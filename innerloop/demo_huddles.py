"""The demo's past huddles: six months of every team's weekly meeting, as the teams left them.

Each team meets on its own weekday and time. Most weeks the lead recorded the meeting (who came,
notes, one or two commitments, now and then an obstacle, some escalated); a few weeks nobody did.
Commitments due before the end were mostly kept, some dropped, some left open and overdue. The
department's manager reviewed most huddles, leaving the last one for the `manager` login.
Summaries of each team's latest huddles are built from the demo's own feedback and cases
(innerloop.huddles.summary), as the job would have built them six hours before each meeting.
Rows are written in bulk with their past times (services stamp "now"); the timeline gets the
events the services would have written.
"""

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import connection

from cxloop.core.demo import demo_rng
from cxloop.org.models import Membership, Role, Team
from feedback.demo.pgcopy import copy_rows

from .huddles.services import PREPARE_AHEAD, huddle_schedule_next, next_occurrence
from .huddles.summary import huddle_summary
from .models.huddles import (
    Commitment,
    CommitmentState,
    Huddle,
    HuddleCadence,
    HuddleEvent,
    HuddleStatus,
    Obstacle,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

HISTORY_WEEKS = 26
HELD_SHARE = 0.9
OBSTACLE_SHARE = 0.15
ESCALATED_SHARE = 0.45
REVIEWED_SHARE = 0.7
SUMMARISED = 2
NULL = r"\N"

WEEKDAYS = (0, 1, 2, 3)
TIMES = (time(8, 30), time(9, 0), time(9, 30), time(13, 30))

COMMITMENTS = (
    "Call back every detractor from the weekend before noon on Monday",
    "Pair each new starter with a buddy for their first ten calls",
    "Check the refund status before promising the customer a date",
    "Give the customer the case number at the end of every call",
    "Share one customer compliment in the team chat each day",
    "Update the delivery script with the courier's new cut-off times",
    "Go through three resolved cases together and check their root-cause codes",
    "Try the shorter greeting for a week and compare notes",
    "Ask what would put it right before offering anything",
    "Log every call-back attempt, voicemails included",
    "Answer social media complaints within the hour during opening times",
    "Walk the shop floor at opening to check the price labels",
)
OBSTACLES = (
    "The courier portal times out when we look up a parcel",
    "Refunds need a second approval that takes up to three days",
    "We cannot see store stock from the contact-centre screens",
    "The returns label printer at the desk breaks every week",
    "The rota leaves the phone line short on Monday mornings",
    "The app's error messages give customers no reference to quote",
    "Business customers cannot change a delivery address once the order is packed",
)
NOTES = (
    "Went through the week's learning moments; most were about waiting.",
    "Good week: two shout-outs named people on the team.",
    "Short huddle, half the team on the floor. Focused on overdue call-backs.",
    "Looked at the recovery scores: customers we called within the day scored higher.",
    "Talked through one difficult case together and what we would do differently.",
    "Checked last week's commitments first; one slipped because of sickness.",
)
REVIEW_COMMENTS = (
    "Good follow-through on last week's commitments.",
    "Thanks for escalating; it is on the committee's list.",
    "Let's look at the overdue call-backs together on Thursday.",
    "Nice to see the shout-outs shared with the whole team.",
    "",
)


@dataclass
class _Team:
    team: Team
    lead: "User"
    members: list["User"]
    manager: "User | None"
    cadence: HuddleCadence
    huddles: list[Huddle] = field(default_factory=list)


def seed_huddle_history(*, seed: int, end: datetime) -> int:
    """Create the past huddles of every team that has people, and each team's next one; returns how
    many past huddles."""
    rng = demo_rng(seed=seed, part="huddles")
    teams = _teams(rng=rng)
    HuddleCadence.objects.bulk_create([t.cadence for t in teams])
    for t in teams:
        t.huddles = _plan_huddles(t, rng=rng, end=end)
        _review([h for h in t.huddles if h.status == HuddleStatus.HELD], manager=t.manager, rng=rng)
    Huddle.objects.bulk_create([h for t in teams for h in t.huddles])
    events: list[tuple] = [
        (h.pk, HuddleEvent.Kind.SCHEDULED, None, {"scheduled_at": h.scheduled_at.isoformat()}, h.period_start)
        for t in teams
        for h in t.huddles
    ]
    for t in teams:
        held = [h for h in t.huddles if h.status == HuddleStatus.HELD]
        _record(t, held, rng=rng, events=events)
        _commit(t, held, rng=rng, end=end, events=events)
        _obstacles(t, held, rng=rng, events=events)
        events.extend(
            (h.pk, HuddleEvent.Kind.REVIEWED, h.reviewed_by_id, {"comment": h.review_comment}, h.reviewed_at)
            for h in held
            if h.reviewed_at is not None
        )
    # Summaries last (each shows the commitments of the huddle before it), for each team's latest
    # held huddles only: a summary takes a dozen queries, and every huddle would triple the seeding time.
    for t in teams:
        for huddle in [h for h in t.huddles if h.status == HuddleStatus.HELD][-SUMMARISED:]:
            _summarise(huddle, events=events)
    _write_events(events)
    for t in teams:
        huddle_schedule_next(team=t.team, now=end)
    return sum(len(t.huddles) for t in teams)


def _teams(*, rng: random.Random) -> list[_Team]:
    users = {u.pk: u for u in get_user_model().objects.filter(memberships__isnull=False).distinct()}
    memberships = list(
        Membership.objects.order_by("pk").values("user_id", "role", "team_id", "department_id")
    )
    managers: dict[int, User] = {}
    for m in memberships:
        if (
            m["role"] == Role.MANAGER
            and m["department_id"]
            and (m["department_id"] not in managers or users[m["user_id"]].username == "manager")
        ):
            managers[m["department_id"]] = users[m["user_id"]]
    teams = []
    for team in Team.objects.order_by("slug"):
        on_team = [m for m in memberships if m["team_id"] == team.pk]
        leads = [users[m["user_id"]] for m in on_team if m["role"] == Role.TEAM_LEAD]
        agents = [users[m["user_id"]] for m in on_team if m["role"] == Role.AGENT]
        if not leads:
            continue
        cadence = HuddleCadence(team=team, weekday=rng.choice(WEEKDAYS), local_time=rng.choice(TIMES))
        teams.append(_Team(team, leads[0], leads + agents, managers.get(team.department_id), cadence))
    return teams


def _plan_huddles(t: _Team, *, rng: random.Random, end: datetime) -> list[Huddle]:
    huddles: list[Huddle] = []
    at = end - timedelta(weeks=HISTORY_WEEKS)
    while True:
        # One after the other (not "k weeks before the end"), so a clock change never gives two at once.
        at = next_occurrence(cadence=t.cadence, tz=t.team.timezone, after=at, not_before=None)
        if at >= end:
            return huddles
        huddle = Huddle(team=t.team, scheduled_at=at, period_start=at - timedelta(weeks=1), period_end=at)
        # The last one is always held, so the review shows what the team did most recently.
        last = at + timedelta(weeks=1) >= end
        if at + timedelta(hours=1) <= end and (last or rng.random() < HELD_SHARE):
            huddle.status = HuddleStatus.HELD
            huddle.held_at = at + timedelta(minutes=rng.randint(20, 45))
            huddle.recorded_by = t.lead
            huddle.notes = rng.choice(NOTES)
        huddles.append(huddle)


def _record(t: _Team, held: list[Huddle], *, rng: random.Random, events: list[tuple]) -> None:
    through = Huddle.attendees.through
    rows: list[Any] = []  # rows of the attendees' through table
    for huddle in held:
        others = [m for m in t.members if m.pk != t.lead.pk]
        came = [t.lead, *rng.sample(others, k=max(0, len(others) - rng.randint(0, 2)))]
        rows.extend(through(huddle_id=huddle.pk, user_id=person.pk) for person in came)
        data = {"attendees": sorted(person.pk for person in came)}
        events.append((huddle.pk, HuddleEvent.Kind.RECORDED, t.lead.pk, data, huddle.held_at))
    through.objects.bulk_create(rows)


def _commit(t: _Team, held: list[Huddle], *, rng: random.Random, end: datetime, events: list[tuple]) -> None:
    """One or two commitments a huddle: kept, dropped or (missed) still open after their due date."""
    made = []
    for huddle in held:
        assert huddle.held_at is not None
        for text in rng.sample(COMMITMENTS, k=rng.randint(1, 2)):
            due_on = huddle.held_at.date() + timedelta(days=rng.choice((3, 7, 7, 14)))
            state, changed = CommitmentState.OPEN, None
            if due_on < end.date():
                roll = rng.random()
                state = (
                    CommitmentState.DONE if roll < 0.72 else CommitmentState.DROPPED if roll < 0.82 else state
                )
                if state != CommitmentState.OPEN:
                    changed = datetime.combine(due_on, time(16, 0), tzinfo=huddle.held_at.tzinfo)
            owner = rng.choice(t.members)
            made.append(
                Commitment(huddle=huddle, team=t.team, text=text, owner=owner, due_on=due_on, state=state,
                           state_changed_at=changed)
            )  # fmt: skip
    Commitment.objects.bulk_create(made)
    _stamp(Commitment, made)
    for c in made:
        data = {"commitment_id": c.pk, "owner_id": c.owner.pk, "due_on": c.due_on.isoformat()}
        events.append((c.huddle.pk, HuddleEvent.Kind.COMMITMENT_ADDED, t.lead.pk, data, c.huddle.held_at))
        if c.state_changed_at is not None:
            data = {"commitment_id": c.pk, "from": CommitmentState.OPEN, "to": c.state}
            events.append(
                (c.huddle.pk, HuddleEvent.Kind.COMMITMENT_STATE, c.owner.pk, data, c.state_changed_at)
            )


def _obstacles(t: _Team, held: list[Huddle], *, rng: random.Random, events: list[tuple]) -> None:
    """Now and then something the team cannot fix alone; the lead escalates some of them."""
    raised = []
    for huddle in held:
        if rng.random() >= OBSTACLE_SHARE:
            continue
        assert huddle.held_at is not None
        obstacle = Obstacle(
            huddle=huddle, team=t.team, text=rng.choice(OBSTACLES), raised_by=rng.choice(t.members)
        )
        if rng.random() < ESCALATED_SHARE:
            obstacle.escalated_at, obstacle.escalated_by = huddle.held_at + timedelta(minutes=5), t.lead
        raised.append(obstacle)
    Obstacle.objects.bulk_create(raised)
    _stamp(Obstacle, raised)
    for o in raised:
        events.append((o.huddle.pk, HuddleEvent.Kind.OBSTACLE_RAISED, o.raised_by_id, {"obstacle_id": o.pk},
                       o.huddle.held_at))  # fmt: skip
        if o.escalated_at is not None:
            events.append((o.huddle.pk, HuddleEvent.Kind.OBSTACLE_ESCALATED, t.lead.pk, {"obstacle_id": o.pk},
                           o.escalated_at))  # fmt: skip


def _review(held: list[Huddle], *, manager: "User | None", rng: random.Random) -> None:
    """The manager reviewed most huddles (not the last: that one waits for them)."""
    if manager is None:
        return
    for huddle in held[:-1]:
        if rng.random() < REVIEWED_SHARE:
            assert huddle.held_at is not None
            huddle.reviewed_at = huddle.held_at + timedelta(hours=rng.randint(3, 48))
            huddle.reviewed_by, huddle.review_comment = manager, rng.choice(REVIEW_COMMENTS)


def _summarise(huddle: Huddle, *, events: list[tuple]) -> None:
    built = huddle.scheduled_at - PREPARE_AHEAD
    huddle.summary, huddle.summary_built_at = huddle_summary(huddle=huddle, now=built), built
    Huddle.objects.filter(pk=huddle.pk).update(summary=huddle.summary, summary_built_at=built)
    events.append((huddle.pk, HuddleEvent.Kind.PREPARED, None, {"rebuilt": False}, built))


def _stamp(model, rows) -> None:
    """created_at as of the huddle that made them (auto_now_add stamped the seeding time)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} AS row SET created_at = h.held_at FROM {Huddle._meta.db_table} h "  # noqa: S608
            "WHERE row.huddle_id = h.id AND row.id = ANY(%s)",
            [[r.pk for r in rows]],
        )


def _write_events(events: list[tuple]) -> None:
    events.sort(key=lambda event: (event[4], event[0]))
    copy_rows(
        model=HuddleEvent,
        fields=("huddle", "kind", "actor", "data", "created_at"),
        rows=(
            (str(huddle_id), kind, NULL if actor is None else str(actor), json.dumps(data), at.isoformat())
            for huddle_id, kind, actor, data, at in events
        ),
    )
