"""Writes of huddles: schedule, prepare the summary, record the meeting, commitments, obstacles, review.

Each service owns its transaction and writes a HuddleEvent for every change of state.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cxloop.core.exceptions import ApplicationError
from cxloop.notifications.services import email_queue
from cxloop.org.models import Role, Team
from innerloop.models.huddles import (
    HUDDLE_TRANSITIONS,
    MISSED_AFTER,
    Commitment,
    CommitmentState,
    Huddle,
    HuddleCadence,
    HuddleStatus,
    Obstacle,
    TeamRise,
)

from . import events

logger = logging.getLogger(__name__)

# Summaries are built this long before the meeting, so the lead can read them beforehand.
PREPARE_AHEAD = timedelta(hours=6)
BATCH = 200


def _locked(huddle: Huddle) -> Huddle:
    return (
        Huddle.objects.select_for_update(no_key=True, of=("self",)).select_related("team").get(pk=huddle.pk)
    )


def _set_status(huddle: Huddle, to_status: str) -> None:
    if to_status not in HUDDLE_TRANSITIONS[huddle.status]:
        raise ApplicationError(
            gettext_lazy("A huddle cannot go from %(lower)s to %(lower2)s.")
            % {"lower": huddle.get_status_display().lower(), "lower2": HuddleStatus(to_status).label.lower()},
            {"status": ["invalid transition"]},
        )
    huddle.status = to_status


# --- Scheduling ---


def next_occurrence(
    *, cadence: HuddleCadence, tz: str, after: datetime, not_before: datetime | None
) -> datetime:
    """The first meeting time of the cadence strictly after `after` and not before `not_before`."""
    zone = ZoneInfo(tz)
    local = after.astimezone(zone)
    day = local.date() + timedelta(days=(cadence.weekday - local.weekday()) % 7)
    candidate = datetime.combine(day, cadence.local_time, tzinfo=zone)
    while candidate <= after or (not_before is not None and candidate < not_before):
        day += timedelta(days=7)
        candidate = datetime.combine(day, cadence.local_time, tzinfo=zone)
    return candidate


def _next_slot(*, team: Team, cadence: HuddleCadence, now: datetime) -> tuple[datetime, datetime]:
    """When the team's next huddle falls by its cadence, and the start of the period it covers
    (the stretch since the previous meeting, one cadence long)."""
    last = Huddle.objects.filter(team=team, scheduled_at__lte=now).order_by("-scheduled_at").first()
    gap = timedelta(weeks=cadence.every_weeks)
    not_before = last.scheduled_at + gap - timedelta(days=1) if last else None
    scheduled_at = next_occurrence(cadence=cadence, tz=team.timezone, after=now, not_before=not_before)
    return scheduled_at, scheduled_at - gap


@transaction.atomic
def huddle_schedule_next(*, team: Team, now: datetime | None = None) -> Huddle | None:
    """Make sure the team's next huddle exists (weekly by default); idempotent by its unique constraint."""
    now = now or timezone.now()
    cadence, _ = HuddleCadence.objects.get_or_create(team=team)
    if not cadence.active:
        return None
    upcoming = Huddle.objects.filter(team=team, scheduled_at__gt=now).order_by("scheduled_at").first()
    if upcoming is not None:
        return upcoming
    # With none upcoming, every huddle of the team lies before now: the slot follows the last one.
    scheduled_at, period_start = _next_slot(team=team, cadence=cadence, now=now)
    try:
        with transaction.atomic():
            huddle = Huddle.objects.create(
                team=team, scheduled_at=scheduled_at, period_start=period_start, period_end=scheduled_at
            )
    except IntegrityError:
        return Huddle.objects.get(team=team, scheduled_at=scheduled_at)
    events.huddle_event_scheduled(huddle=huddle, scheduled_at=scheduled_at)
    return huddle


@transaction.atomic
def huddle_cadence_set(
    *,
    team: Team,
    weekday: int,
    local_time,
    every_weeks: int,
    active: bool,
    actor,
    now: datetime | None = None,
) -> HuddleCadence:
    """Change when a team meets (its lead's decision). The next huddle moves to the new time, unless
    its summary is already built: then the team meets as prepared once, and the new time follows."""
    now = now or timezone.now()
    HuddleCadence.objects.get_or_create(team=team)
    cadence = HuddleCadence.objects.select_for_update().get(team=team)
    cadence.weekday, cadence.local_time, cadence.every_weeks, cadence.active = (
        weekday,
        local_time,
        every_weeks,
        active,
    )
    cadence.full_clean()
    cadence.save()
    logger.info("huddle cadence of %s set by %s: %s", team, actor, cadence)
    upcoming = (
        Huddle.objects.select_for_update(no_key=True)
        .filter(team=team, scheduled_at__gt=now, status=HuddleStatus.SCHEDULED, summary_built_at__isnull=True)
        .order_by("scheduled_at")
        .first()
    )
    if upcoming is None or not active:
        return cadence
    moved_to, period_start = _next_slot(team=team, cadence=cadence, now=now)
    if moved_to != upcoming.scheduled_at:
        was = upcoming.scheduled_at
        upcoming.scheduled_at, upcoming.period_start, upcoming.period_end = moved_to, period_start, moved_to
        upcoming.save(update_fields=["scheduled_at", "period_start", "period_end"])
        events.huddle_event_rescheduled(huddle=upcoming, actor=actor, scheduled_at=moved_to, was=was)
    return cadence


def huddles_due_for_summary(*, now: datetime | None = None, ahead: timedelta = PREPARE_AHEAD) -> list[int]:
    """Huddles starting within `ahead` (or lately due) whose summary is not built yet."""
    now = now or timezone.now()
    return list(
        Huddle.objects.filter(
            summary_built_at__isnull=True,
            status=HuddleStatus.SCHEDULED,
            scheduled_at__lte=now + ahead,
            scheduled_at__gte=now - MISSED_AFTER,
        )
        .order_by("scheduled_at")
        .values_list("pk", flat=True)[:BATCH]
    )


def huddles_plan(*, now: datetime | None = None) -> dict:
    """The periodic job: schedule every team's next huddle, then prepare the summaries coming due."""
    now = now or timezone.now()
    scheduled = 0
    for team in Team.objects.order_by("pk"):
        scheduled += huddle_schedule_next(team=team, now=now) is not None
    prepared = sum(huddle_prepare(huddle_id=pk, now=now) for pk in huddles_due_for_summary(now=now))
    return {"scheduled": scheduled, "prepared": prepared}


# --- The summary ---


def team_leads(team_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(memberships__team_id=team_id, memberships__role=Role.TEAM_LEAD)


@transaction.atomic
def huddle_prepare(*, huddle_id: int, now: datetime | None = None, force: bool = False) -> bool:
    """Build and store the summary snapshot and email it to the team leads; False when already built."""
    from .summary import huddle_summary, summary_as_text

    huddle = _locked(Huddle(pk=huddle_id))
    if huddle.summary_built_at is not None and not force:
        return False
    now = now or timezone.now()
    huddle.summary = huddle_summary(huddle=huddle, now=now)
    huddle.summary_built_at = now
    if huddle.status == HuddleStatus.SCHEDULED:
        _set_status(huddle, HuddleStatus.PREPARED)
    huddle.save(update_fields=["summary", "summary_built_at", "status"])
    events.huddle_event_prepared(huddle=huddle, rebuilt=force)
    body = summary_as_text(huddle.summary)
    when = huddle.scheduled_at.astimezone(ZoneInfo(huddle.team.timezone))
    for lead in team_leads(huddle.team_id).exclude(email=""):
        email_queue(
            key=f"huddle-summary:{huddle.pk}:{lead.pk}",
            to=lead.email,
            subject=f"Huddle summary: {huddle.team.name}, {when:%a %d %b %H:%M}",
            body=body,
        )
    return True


# --- The meeting ---


def team_members(team_id: int):
    """Agents and team leads of the team: who may attend and own commitments."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(memberships__team_id=team_id, memberships__role__in=[Role.AGENT, Role.TEAM_LEAD])
        .distinct()
        .order_by("first_name", "username")
    )


def _check_members(team_id: int, users) -> None:
    member_ids = set(team_members(team_id).values_list("pk", flat=True))
    outsiders = [user for user in users if user.pk not in member_ids]
    if outsiders:
        raise ApplicationError(
            gettext_lazy("Only members of the team can take part."), {"people": ["not on the team"]}
        )


@transaction.atomic
def huddle_record(*, huddle: Huddle, actor, attendees, notes: str) -> Huddle:
    """Record (or amend) the meeting: who came and what was said."""
    huddle = _locked(huddle)
    attendees = list(attendees)
    _check_members(huddle.team_id, attendees)
    amended = huddle.is_held
    _set_status(huddle, HuddleStatus.HELD)
    huddle.held_at = huddle.held_at or timezone.now()
    huddle.recorded_by = actor
    huddle.notes = notes
    huddle.save(update_fields=["status", "held_at", "recorded_by", "notes"])
    huddle.attendees.set(attendees)
    events.huddle_event_recorded(
        huddle=huddle, actor=actor, attendee_ids=[user.pk for user in attendees], amended=amended
    )
    return huddle


@transaction.atomic
def commitment_create(*, huddle: Huddle, actor, text: str, owner, due_on: date) -> Commitment:
    huddle = _locked(huddle)
    _check_members(huddle.team_id, [owner])
    commitment = Commitment.objects.create(
        huddle=huddle, team_id=huddle.team_id, text=text, owner=owner, due_on=due_on
    )
    events.huddle_event_commitment_added(
        huddle=huddle, actor=actor, commitment_id=commitment.pk, owner_id=owner.pk, due_on=due_on
    )
    return commitment


@transaction.atomic
def commitment_set_state(*, commitment: Commitment, actor, state: str) -> Commitment:
    """Mark a commitment done or dropped (or open again)."""
    commitment = Commitment.objects.select_for_update(no_key=True).get(pk=commitment.pk)
    if state not in CommitmentState.values:
        raise ApplicationError(gettext_lazy("Unknown commitment state."), {"state": ["invalid"]})
    if state == commitment.state:
        return commitment
    from_state, commitment.state = commitment.state, state
    commitment.state_changed_at = timezone.now()
    commitment.save(update_fields=["state", "state_changed_at"])
    events.huddle_event_commitment_state(
        huddle=commitment.huddle,
        actor=actor,
        commitment_id=commitment.pk,
        from_state=from_state,
        to_state=state,
    )
    return commitment


@transaction.atomic
def obstacle_create(*, huddle: Huddle, actor, text: str, escalate: bool = False) -> Obstacle:
    huddle = _locked(huddle)
    obstacle = Obstacle.objects.create(huddle=huddle, team_id=huddle.team_id, text=text, raised_by=actor)
    events.huddle_event_obstacle_raised(huddle=huddle, actor=actor, obstacle_id=obstacle.pk)
    if escalate:
        obstacle = obstacle_escalate(obstacle=obstacle, actor=actor)
    return obstacle


@transaction.atomic
def obstacle_escalate(*, obstacle: Obstacle, actor) -> Obstacle:
    """Pass an obstacle the team cannot fix alone up to the outer loop; escalating twice changes nothing."""
    obstacle = Obstacle.objects.select_for_update(no_key=True).get(pk=obstacle.pk)
    if obstacle.escalated_at is not None:
        return obstacle
    obstacle.escalated_at = timezone.now()
    obstacle.escalated_by = actor
    obstacle.save(update_fields=["escalated_at", "escalated_by"])
    events.huddle_event_obstacle_escalated(huddle=obstacle.huddle, actor=actor, obstacle_id=obstacle.pk)
    return obstacle


def obstacles_mark_picked_up(*, obstacle_ids: list[int]) -> int:
    """For the outer loop: these escalations became signals, so they no longer wait."""
    return Obstacle.objects.filter(pk__in=obstacle_ids, escalated_at__isnull=False, picked_up_at=None).update(
        picked_up_at=timezone.now()
    )


# --- Review ---


@transaction.atomic
def huddle_review(*, huddle: Huddle, reviewer, comment: str = "") -> Huddle:
    """A manager marks the huddle's summary reviewed, with a comment for the team lead."""
    huddle = _locked(huddle)
    if huddle.outcome == "upcoming" and huddle.summary_built_at is None:
        raise ApplicationError(gettext_lazy("There is nothing to review yet."), {"huddle": ["upcoming"]})
    huddle.reviewed_at = timezone.now()
    huddle.reviewed_by = reviewer
    huddle.review_comment = comment
    huddle.save(update_fields=["reviewed_at", "reviewed_by", "review_comment"])
    events.huddle_event_reviewed(huddle=huddle, actor=reviewer, comment=comment)
    return huddle


@dataclass(frozen=True)
class RiseSeen:
    """A root cause rising in one team, as detection saw it."""

    team_id: int
    category_id: int
    journey_stage_id: int | None
    recent_count: int
    expected_count: float


@transaction.atomic
def team_rises_record(*, rises: list[RiseSeen], window_end: datetime) -> int:
    """Record this run's one-team rises (learning items for the huddles) and mark the others as no
    longer rising; returns how many are rising now."""
    seen = {(r.team_id, r.category_id, r.journey_stage_id): r for r in rises}
    TeamRise.objects.filter(rising=True).update(rising=False)
    TeamRise.objects.bulk_create(
        [
            TeamRise(
                team_id=r.team_id, category_id=r.category_id, journey_stage_id=r.journey_stage_id,
                rising=True, recent_count=r.recent_count, expected_count=r.expected_count,
                window_end=window_end,
            )
            for r in seen.values()
        ],
        update_conflicts=True,
        unique_fields=["team", "category", "journey_stage"],
        update_fields=["rising", "recent_count", "expected_count", "window_end", "updated_at"],
    )  # fmt: skip
    return len(seen)
