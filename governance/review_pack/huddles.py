"""Sections: huddle attendance and commitment completion; how long escalated obstacles wait."""

import statistics
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.org.models import Membership, Role
from cxloop.org.scoping import scope_queryset
from innerloop.models import MISSED_AFTER, Commitment, CommitmentState, Huddle, HuddleStatus, Obstacle
from outerloop.recurring import Share, share_of

from .period import PackPeriod
from .tables import Section, Table, number, share_text

# Who is expected at a team's huddle: its frontline members.
HUDDLE_ROLES = (Role.AGENT, Role.TEAM_LEAD)


@dataclass(frozen=True)
class HuddleFigures:
    held: Share  # huddles held, of those whose time (and write-up window) passed in the period
    attendance: Share  # attendees recorded, of the team members expected at the held huddles
    commitments_done: Share  # commitments done, of those due in the period
    commitments_dropped: int
    commitments_open: int


def huddle_figures(*, user, period: PackPeriod) -> HuddleFigures:
    """Three aggregate queries and one for team sizes."""
    now = timezone.now()
    due = scope_queryset(Huddle.objects.all(), user).filter(
        scheduled_at__gte=period.start, scheduled_at__lt=min(period.end, now - MISSED_AFTER)
    )
    held_by_team = dict(
        due.filter(status=HuddleStatus.HELD).values_list("team_id").annotate(n=Count("id")).order_by()
    )
    attendees = Huddle.attendees.through.objects.filter(
        huddle__in=due.filter(status=HuddleStatus.HELD)
    ).count()
    sizes = dict(
        Membership.objects.filter(team_id__in=held_by_team, role__in=HUDDLE_ROLES)
        .values_list("team_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )
    expected = sum(held * sizes.get(team, 0) for team, held in held_by_team.items())
    commitments = (
        scope_queryset(Commitment.objects.all(), user)
        .filter(due_on__gte=period.date_from, due_on__lte=min(period.date_to, timezone.localdate(now)))
        .aggregate(
            total=Count("id"),
            done=Count("id", filter=Q(state=CommitmentState.DONE)),
            dropped=Count("id", filter=Q(state=CommitmentState.DROPPED)),
            open=Count("id", filter=Q(state=CommitmentState.OPEN)),
        )
    )
    return HuddleFigures(
        held=share_of(k=sum(held_by_team.values()), n=due.count()),
        # Recorded attendees can include guests: the share is capped at everyone expected.
        attendance=share_of(k=min(attendees, expected), n=expected),
        commitments_done=share_of(k=commitments["done"], n=commitments["total"]),
        commitments_dropped=commitments["dropped"],
        commitments_open=commitments["open"],
    )


@dataclass(frozen=True)
class PickUpFigures:
    escalated: int
    picked_up: int
    waiting: int
    median_hours: float | None
    p90_hours: float | None
    longest_waiting_days: float | None


def obstacle_pick_up(*, user, period: PackPeriod) -> PickUpFigures:
    """Obstacles escalated in the period: hours from escalation to pick-up by the outer loop (one query)."""
    now = timezone.now()
    rows = list(
        scope_queryset(Obstacle.objects.all(), user)
        .filter(escalated_at__gte=period.start, escalated_at__lt=period.end)
        .values_list("escalated_at", "picked_up_at")
    )
    waits = sorted((picked - escalated).total_seconds() / 3600 for escalated, picked in rows if picked)
    waiting = [(now - escalated).total_seconds() / 86400 for escalated, picked in rows if not picked]
    return PickUpFigures(
        escalated=len(rows),
        picked_up=len(waits),
        waiting=len(waiting),
        median_hours=statistics.median(waits) if waits else None,
        p90_hours=statistics.quantiles(waits, n=10, method="inclusive")[-1] if len(waits) > 1 else None,
        longest_waiting_days=max(waiting) if waiting else None,
    )


def huddles_section(*, user, period: PackPeriod) -> Section:
    f = huddle_figures(user=user, period=period)
    return Section(
        slug="huddles",
        title=_("Huddle attendance and commitments"),
        intro=_(
            "Huddles whose time passed in the period, how many were held and who attended (of the team's "
            "agents and team leads), and the commitments due in the period."
        ),
        tables=[
            Table(
                caption=_("Huddles and commitments"),
                headers=[_("Figure"), _("Value")],
                rows=[
                    [_("Huddles held"), share_text(f.held)],
                    [_("Attendance at held huddles"), share_text(f.attendance)],
                    [_("Commitments done"), share_text(f.commitments_done)],
                    [_("Commitments dropped"), number(f.commitments_dropped)],
                    [_("Commitments still open past their date"), number(f.commitments_open)],
                ],
            )
        ],
    )


def obstacles_section(*, user, period: PackPeriod) -> Section:
    f = obstacle_pick_up(user=user, period=period)
    return Section(
        slug="obstacles",
        title=_("Escalated obstacles: time to be picked up"),
        intro=_("Obstacles teams escalated in the period, and how long the outer loop took to pick them up."),
        tables=[
            Table(
                caption=_("Escalated obstacles"),
                headers=[_("Figure"), _("Value")],
                rows=[
                    [_("Escalated"), number(f.escalated)],
                    [_("Picked up"), number(f.picked_up)],
                    [_("Hours to pick-up (median)"), number(f.median_hours, 1)],
                    [_("Hours to pick-up (90th percentile)"), number(f.p90_hours, 1)],
                    [_("Still waiting"), number(f.waiting)],
                    [_("Longest wait so far (days)"), number(f.longest_waiting_days, 1)],
                ],
            )
        ],
        notes=[_("Fewer than 10 pick-ups: read the percentiles with care.")] if 0 < f.picked_up < 10 else [],
    )
