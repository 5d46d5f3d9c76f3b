"""What a dashboard shows, read through the metrics layer (rollup) and the loop-closure metrics."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from cxloop.core.stats import nps_compare, nps_interval, nps_point
from cxloop.org.models import Team
from feedback.metrics.queries import Filters, utc_start
from feedback.metrics.selectors import low_sample_n, metric_report
from feedback.models import Category
from feedback.selectors import feedback_visible_to
from innerloop.metrics import loop_closure
from innerloop.models import OPEN_STATUSES, Case

from .chart import Point, nps_trend_svg

TREND_WEEKS = 26
PERIOD_DAYS = 28
SIGNIFICANT = 0.05


def _window():
    to = timezone.localdate() + timedelta(days=1)
    return to - timedelta(days=PERIOD_DAYS), to


def dashboard(*, user, team=None) -> dict:
    """Everything one dashboard page shows: one team's, or everything the user may see (a
    manager's department, the whole organisation for the committee)."""
    filters = Filters(team=team) if team is not None else Filters()
    date_from, date_to = _window()
    trend_from = date_to - timedelta(weeks=TREND_WEEKS)
    base = {"user": user, "metric": "nps", "filters": filters}
    trend = metric_report(**base, date_from=trend_from, date_to=date_to, group_by=("week",))
    current = metric_report(**base, date_from=date_from, date_to=date_to, compare="previous")
    window = {"date_from": date_from, "date_to": date_to, "compare": "previous"}
    stages = metric_report(**base, **window, group_by=("journey_stage",))
    touchpoints = metric_report(**base, **window, group_by=("touchpoint",))
    points = [
        Point(
            label=row["group"]["week"], value=row["nps"], low=row["ci_low"], high=row["ci_high"],
            n=row["n"], low_sample=row["low_sample"],
        )
        for row in trend["results"]
    ]  # fmt: skip
    closure = loop_closure(
        user=user, date_from=date_from, date_to=date_to, team=team.slug if team is not None else None
    )
    changed = [
        row
        for report in (stages, touchpoints)
        for row in report["results"]
        if row.get("p_value") is not None and row["p_value"] < SIGNIFICANT and not row["low_sample"]
    ]
    return {
        "period": (date_from, date_to - timedelta(days=1)),
        "overall": current["overall"],
        "chart": nps_trend_svg(points),
        "stages": stages["results"],
        "touchpoints": touchpoints["results"],
        "categories": category_effects(user=user, team=team, date_from=date_from, date_to=date_to),
        "closure": closure[0] if closure else None,
        "changed": changed,
        "low_sample_n": low_sample_n(),
    }


def category_effects(*, user, team, date_from, date_to, limit: int = 8) -> list[dict]:
    """Top categories, and the NPS of feedback with each category against the NPS without it.

    One pass over the period's feedback grouped by category (no category is a group too, so the
    totals come from the same rows); a window of UTC moments, so the (team, occurred_at) index serves.
    """
    feedback = feedback_visible_to(user=user).filter(
        scale="nps",
        score__isnull=False,
        occurred_at__gte=utc_start(date_from),
        occurred_at__lt=utc_start(date_to),
    )
    if team is not None:
        feedback = feedback.filter(team=team)
    groups = list(
        feedback.order_by()
        .values("confirmed_category_id")
        .annotate(
            n=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            passives=Count("id", filter=Q(score__gte=7, score__lte=8)),
            detractors=Count("id", filter=Q(score__lte=6)),
        )
    )
    total = {key: sum(group[key] for group in groups) for key in ("promoters", "passives", "detractors")}
    rows = sorted(
        (group for group in groups if group["confirmed_category_id"] is not None),
        key=lambda group: (-group["n"], group["confirmed_category_id"]),
    )[:limit]
    categories = Category.objects.select_related("parent").in_bulk(
        [row["confirmed_category_id"] for row in rows]
    )
    effects = []
    for row in rows:
        with_it = (row["promoters"], row["passives"], row["detractors"])
        without = tuple(total[key] - row[key] for key in ("promoters", "passives", "detractors"))
        difference = nps_compare(current=with_it, previous=without)
        interval = nps_interval(promoters=with_it[0], passives=with_it[1], detractors=with_it[2])
        category = categories[row["confirmed_category_id"]]
        name = (category.parent.name if category.parent else None, category.name)
        effects.append(
            {
                "category": " / ".join(filter(None, name)),
                "n": row["n"],
                "nps_with": nps_point(promoters=with_it[0], passives=with_it[1], detractors=with_it[2]),
                "ci_low": interval.low if interval else None,
                "ci_high": interval.high if interval else None,
                "nps_without": nps_point(promoters=without[0], passives=without[1], detractors=without[2]),
                "difference": difference.difference,
                "p_value": difference.p_value,
                "low_sample": row["n"] < low_sample_n(),
            }
        )
    return effects


@dataclass(frozen=True)
class TriageQueue:
    """What waits for the organisation's triage team: the feedback nothing else could place."""

    team: Team | None  # None: no triage team is set (then unowned detractors are counted instead)
    open_cases: int
    oldest: datetime | None
    may_open: bool  # whether the viewer may open that team's queue
    unowned: int  # detractors triaged without an owner (no triage team was set): a person must act


def triage_queue(*, user) -> TriageQueue | None:
    """For managers, the committee and admins: the triage team's open cases (its queue's count, and
    the oldest), and the detractors left without any owner. None for everyone else."""
    from cxloop.org.models import Role
    from cxloop.org.scoping import scope_for, teams_visible_to
    from feedback.models import Feedback

    scope = scope_for(user)
    if not scope.has_role(Role.MANAGER, Role.COMMITTEE, Role.ADMIN):
        return None
    team = Team.objects.filter(is_triage_team=True).first()
    waiting = Case.objects.filter(team=team, status__in=OPEN_STATUSES) if team else Case.objects.none()
    counts = waiting.aggregate(open=Count("id"), oldest=Min("created_at"))
    return TriageQueue(
        team=team,
        open_cases=counts["open"],
        oldest=counts["oldest"],
        may_open=team is not None and teams_visible_to(user=user).filter(pk=team.pk).exists(),
        # Only possible while no triage team is set: then count the last 30 days' unowned detractors.
        unowned=0
        if team is not None
        else Feedback.objects.filter(
            occurred_at__gte=timezone.now() - timedelta(days=30),
            triage_result__unowned=True,
        ).count(),
    )
