"""Reads of huddles, scoped to the user's teams (and the outer loop's system-level feed of escalations)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxloop.org.models import Role, Team
from cxloop.org.scoping import scope_for, scope_queryset, teams_visible_to
from innerloop.models.huddles import MISSED_AFTER, Commitment, CommitmentState, Huddle, Obstacle


def huddles_visible_to(*, user) -> QuerySet[Huddle]:
    """Agents and leads: their teams' huddles; managers: their departments'; committee and admins: all."""
    return scope_queryset(Huddle.objects.all(), user)


def huddle_list(*, user, limit: int = 30) -> QuerySet[Huddle]:
    return (
        huddles_visible_to(user=user)
        .select_related("team", "reviewed_by")
        .annotate(open_commitments=Count("commitments", filter=Q(commitments__state=CommitmentState.OPEN)))
        .order_by("-scheduled_at")[:limit]
    )


def huddle_get(*, user, huddle_id: int) -> Huddle:
    """One huddle, or 404 when it does not exist or belongs to a team the user may not see."""
    return get_object_or_404(
        huddles_visible_to(user=user).select_related("team__department", "recorded_by", "reviewed_by"),
        pk=huddle_id,
    )


def huddle_detail(*, huddle: Huddle) -> dict:
    """Everything the huddle page shows besides the summary snapshot."""
    previous = (
        Huddle.objects.filter(team_id=huddle.team_id, scheduled_at__lt=huddle.scheduled_at, status="held")
        .order_by("-scheduled_at")
        .first()
    )
    return {
        "attendees": list(huddle.attendees.order_by("first_name", "username")),
        "commitments": list(huddle.commitments.select_related("owner")),
        "obstacles": list(huddle.obstacles.select_related("raised_by", "escalated_by")),
        "previous_commitments": list(previous.commitments.select_related("owner")) if previous else [],
        "events": list(huddle.events.select_related("actor").order_by("created_at", "id")),
    }


def teams_led_by(*, user) -> QuerySet[Team]:
    """The teams whose huddle cadence `user` sets: the teams they lead."""
    led = Team.objects.filter(memberships__user=user, memberships__role=Role.TEAM_LEAD)
    return led.distinct().order_by("name")


def cadences_of(*, teams) -> list:
    """Each team's cadence (weekly on Mondays at 09:30 until its lead changes it), unsaved if new."""
    from innerloop.models.huddles import HuddleCadence

    known = {cadence.team_id: cadence for cadence in HuddleCadence.objects.filter(team__in=teams)}
    return [known.get(team.pk) or HuddleCadence(team=team) for team in teams]


def current_huddle(*, user) -> Huddle | None:
    """This week's huddle of the user's team: the nearest one not long past."""
    cutoff = timezone.now() - MISSED_AFTER
    return (
        scope_queryset(Huddle.objects.all(), user)
        .filter(team__in=scope_for(user).team_ids, scheduled_at__gte=cutoff)
        .order_by("scheduled_at")
        .first()
    )


@dataclass
class TeamReview:
    team: Team
    last: Huddle | None
    open_commitments: int = 0
    overdue_commitments: int = 0
    escalations: list[Obstacle] = field(default_factory=list)
    # Its place in the fair ranking of the board (innerloop.rankings): rank, shrunken NPS, P(beats next).
    fair: dict | None = None

    @property
    def figures(self) -> dict | None:
        """The last huddle's NPS and cases as the review shows them (see review_figures)."""
        return review_figures(self.team, self.last)


def review_figures(team: Team, huddle: Huddle | None) -> dict | None:
    """The NPS of a huddle's summary with its interval, n, whether its change is real (the one rule,
    feedback.metrics.figures.is_real_change) and the addresses of the feedback and cases behind them."""
    from feedback.metrics.figures import is_real_change
    from feedback.scales import DETRACTOR_MAX, PROMOTER_MIN
    from innerloop.dashboards.links import nps_feedback_url, queue_url

    summary = huddle.summary if huddle is not None else None
    if not summary or "nps" not in summary:
        return None
    nps, previous, trend = summary["nps"]["current"], summary["nps"]["previous"], summary["nps"]["trend"]
    window = {"occurred_from": summary["period"]["start"], "occurred_to": summary["period"]["end"]}
    before = summary.get("previous_period") or {}
    return {
        "nps": nps,
        "previous": previous,
        "difference": trend.get("difference"),
        "p_value": trend.get("p_value"),
        "real": is_real_change(trend.get("p_value"), nps["n"], previous["n"]),
        "href": nps_feedback_url(**window, team=team.slug),
        "previous_href": nps_feedback_url(
            occurred_from=before["start"], occurred_to=before["end"], team=team.slug
        )
        if before
        else None,
        "promoters_href": nps_feedback_url(**window, team=team.slug, score_min=PROMOTER_MIN),
        "detractors_href": nps_feedback_url(**window, team=team.slug, score_max=DETRACTOR_MAX),
        "open_href": queue_url(team=team.slug),
        "overdue_href": queue_url(team=team.slug, overdue="true"),
        "cases": summary.get("cases") or {},
    }


def review_board(*, user, now: datetime | None = None) -> list[TeamReview]:
    """Every team the user oversees with its last huddle and what waits: five queries however many teams."""
    now = now or timezone.now()
    scope = scope_for(user)
    teams = list(
        teams_visible_to(user=user).filter(
            Q() if scope.sees_everything else Q(department__in=scope.department_ids)
        )
    )
    team_ids = [team.pk for team in teams]
    # The latest huddle per team that is held or whose time has come (PostgreSQL DISTINCT ON).
    last = (
        Huddle.objects.filter(team_id__in=team_ids)
        .filter(Q(status="held") | Q(scheduled_at__lte=now))
        .order_by("team_id", "-scheduled_at")
        .distinct("team_id")
        .select_related("reviewed_by", "recorded_by")
    )
    last_by_team = {huddle.team_id: huddle for huddle in last}
    today = timezone.localdate()
    counts = {
        row["team_id"]: row
        for row in Commitment.objects.filter(team_id__in=team_ids, state=CommitmentState.OPEN)
        .values("team_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    }
    waiting: dict[int, list[Obstacle]] = {}
    for obstacle in (
        Obstacle.objects.filter(team_id__in=team_ids, escalated_at__isnull=False, picked_up_at__isnull=True)
        .select_related("escalated_by")
        .order_by("escalated_at")
    ):
        waiting.setdefault(obstacle.team_id, []).append(obstacle)
    from innerloop.rankings import rank_review_board

    # Best first by the shrunken NPS of the last huddle's period: no query, the summaries hold the counts.
    reviews = [
        TeamReview(
            team=team,
            last=last_by_team.get(team.pk),
            open_commitments=counts.get(team.pk, {}).get("open", 0),
            overdue_commitments=counts.get(team.pk, {}).get("overdue", 0),
            escalations=waiting.get(team.pk, []),
        )
        for team in teams
    ]
    return rank_review_board(reviews)


def obstacles_escalated(since: datetime | None = None) -> QuerySet[Obstacle]:
    """Escalated obstacles, oldest first, for the outer loop to turn into signals (system-level, unscoped)."""
    obstacles = Obstacle.objects.filter(escalated_at__isnull=False)
    if since is not None:
        obstacles = obstacles.filter(escalated_at__gte=since)
    return obstacles.select_related("team__department", "huddle", "escalated_by").order_by(
        "escalated_at", "id"
    )
