"""What a dashboard shows, read through the metrics layer (rollup) and the loop-closure metrics."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from cxloop.org.models import Department, Team
from cxloop.org.scoping import departments_visible_to, scope_for, teams_visible_to
from feedback import scales
from feedback.metrics.counts import EMPTY, Counts
from feedback.metrics.figures import low_sample_n, nps_comparison, nps_summary
from feedback.metrics.queries import Filters, utc_start
from feedback.metrics.selectors import metric_report
from feedback.models import Category
from feedback.selectors import feedback_list, feedback_visible_to
from innerloop.metrics import loop_closure
from innerloop.models import OPEN_STATUSES, Case

from .chart import Point, nps_trend_svg

TREND_WEEKS = 26
PERIOD_DAYS = 28
SIGNIFICANT = 0.05


def _window():
    to = timezone.localdate() + timedelta(days=1)
    return to - timedelta(days=PERIOD_DAYS), to


def dashboard(*, user, team: Team | None = None, department: Department | None = None) -> dict:
    """Everything one dashboard page shows: one team's, one department's, or everything the user may
    see (a manager's department, the whole organisation for the committee)."""
    filters = Filters(team=team, department=department)
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
        user=user, date_from=date_from, date_to=date_to, team=team.slug if team is not None else None,
        department=department.slug if department is not None else None,
    )  # fmt: skip
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
        "categories": category_effects(
            user=user, team=team, department=department, date_from=date_from, date_to=date_to
        ),
        "closure": closure[0] if closure else None,
        "changed": changed,
        "low_sample_n": low_sample_n(),
        **_breakdowns(user=user, team=team, department=department, window=window),
    }


def _breakdowns(*, user, team, department, window: dict) -> dict:
    """Each team of the scope with its NPS (every team, with or without responses), and each
    department when the user sees more than one: what the team, department and organisation
    overview pages showed, now with intervals and the small-sample flag."""
    if team is not None:
        return {"teams": [], "departments": []}
    teams = teams_visible_to(user=user).select_related("department")
    if department is not None:
        teams = teams.filter(department=department)
    departments = departments_visible_to(user=user) if department is None else Department.objects.none()
    if department is None and not scope_for(user).sees_everything:
        departments = departments.none()  # a manager's page is their department: teams say it all
    base = {"user": user, "metric": "nps", "filters": Filters(department=department), **window}
    return {
        "teams": _every_row(teams, metric_report(**base, group_by=("team",)), dimension="team"),
        "departments": _every_row(
            departments, metric_report(**base, group_by=("department",)), dimension="department"
        )
        if departments.exists()
        else [],
    }


def _every_row(objects: QuerySet, report: dict, *, dimension: str) -> list[tuple]:
    """(object, its row of `report`) for every object, in their order; no responses: an empty row."""
    rows = {row["group"][dimension]: row for row in report["results"]}
    empty = nps_summary(EMPTY, low_n=report["low_sample_n"])
    return [(item, rows.get(item.slug, empty)) for item in objects]


def team_page(*, user, team: Team) -> dict:
    """What a team's own dashboard adds: its latest feedback and its members."""
    return {
        "latest": feedback_list(user=user, filters={"team": team.slug})[:25],
        "members": team.memberships.select_related("user").order_by("role", "user__username"),
    }


def category_effects(*, user, team, date_from, date_to, department=None, limit: int = 8) -> list[dict]:
    """Top categories, and the NPS of feedback with each category against the NPS without it.

    One pass over the period's feedback grouped by category (no category is a group too, so the
    totals come from the same rows); a window of UTC moments, so the (team, occurred_at) index serves.
    """
    feedback = feedback_visible_to(user=user).filter(
        scales.nps_q(), occurred_at__gte=utc_start(date_from), occurred_at__lt=utc_start(date_to)
    )
    if team is not None:
        feedback = feedback.filter(team=team)
    if department is not None:
        feedback = feedback.filter(team__department=department)
    groups = list(
        feedback.order_by()
        .values("confirmed_category_id")
        .annotate(n=Count("id"), **scales.nps_group_counts())
    )
    total = sum((_counts(group) for group in groups), EMPTY)
    rows = sorted(
        (group for group in groups if group["confirmed_category_id"] is not None),
        key=lambda group: (-group["n"], group["confirmed_category_id"]),
    )[:limit]
    categories = Category.objects.select_related("parent").in_bulk(
        [row["confirmed_category_id"] for row in rows]
    )
    low_n = low_sample_n()
    effects = []
    for row in rows:
        with_it = _counts(row)
        without = Counts(*(whole - part for whole, part in zip(total, with_it, strict=True)))
        figures = nps_summary(with_it, low_n=low_n)
        difference = nps_comparison(with_it, without)
        category = categories[row["confirmed_category_id"]]
        name = (category.parent.name if category.parent else None, category.name)
        effects.append(
            {
                "category": " / ".join(filter(None, name)),
                "n": row["n"],
                "nps_with": figures["nps"],
                "ci_low": figures["ci_low"],
                "ci_high": figures["ci_high"],
                "nps_without": nps_summary(without, low_n=low_n)["nps"],
                "difference": difference.difference,
                "p_value": difference.p_value,
                "low_sample": figures["low_sample"],
            }
        )
    return effects


def _counts(group: dict) -> Counts:
    return Counts(group["n"], group["promoters"], group["passives"], group["detractors"])


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
