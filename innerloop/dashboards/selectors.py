"""What a dashboard shows, read through the metrics layer (rollup) and the loop-closure metrics."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min
from django.utils import timezone

from cxloop.org.models import Department, Team
from cxloop.org.scoping import departments_visible_to, scope_for, teams_visible_to
from feedback import scales
from feedback.metrics.counts import EMPTY, Counts
from feedback.metrics.figures import is_real_change, low_sample_n, nps_comparison, nps_summary
from feedback.metrics.queries import Filters, utc_start
from feedback.metrics.selectors import metric_report
from feedback.models import Category, employee_sources
from feedback.selectors import feedback_list, feedback_visible_to
from innerloop.metrics import loop_closure
from innerloop.models import OPEN_STATUSES, Case
from innerloop.rankings import agent_scores, rank_team_rows

from .chart import Point, count_bar, nps_bar, nps_trend_svg
from .links import Links, scope_params
from .periods import Period

# The trend shows at least this many weeks (a 30-day period alone would be five points), by week up
# to WEEKLY_UP_TO_DAYS and by month beyond.
TREND_MIN_WEEKS = 12
WEEKLY_UP_TO_DAYS = 200


def dashboard(
    *, user, period: Period, team: Team | None = None, department: Department | None = None
) -> dict:
    """Everything one dashboard page shows for `period`: one team's, one department's, or everything the
    user may see (a manager's department, the whole organisation for the committee). Every figure
    carries its interval, n, whether its change is real, and the address of the feedback behind it."""
    filters = Filters(team=team, department=department)
    links = Links(period=period, scope=scope_params(team=team, department=department))
    date_from, date_to = period.date_from, period.date_to
    base: dict[str, Any] = {"user": user, "metric": "nps", "filters": filters}
    window: dict[str, Any] = {"date_from": date_from, "date_to": date_to, "compare": "previous"}
    current = metric_report(**base, **window)
    stages = metric_report(**base, **window, group_by=("journey_stage",))
    touchpoints = metric_report(**base, **window, group_by=("touchpoint",))
    closure = loop_closure(
        user=user, date_from=date_from, date_to=date_to, team=team.slug if team is not None else None,
        department=department.slug if department is not None else None,
    )  # fmt: skip
    stage_rows = [
        _figures(row, links, journey_stage=row["group"]["journey_stage"]) for row in stages["results"]
    ]
    touchpoint_rows = [
        _figures(row, links, touchpoint=row["group"]["touchpoint"]) for row in touchpoints["results"]
    ]
    return {
        "period": period,
        "overall": _figures(current["overall"], links),
        "links": links,
        "chart": _trend(base, period),
        "stages": stage_rows,
        "touchpoints": touchpoint_rows,
        "categories": category_effects(
            user=user, team=team, department=department, date_from=date_from, date_to=date_to, links=links
        ),
        "closure": closure[0] if closure else None,
        "changed": [row for row in stage_rows + touchpoint_rows if row["real"]],
        "low_sample_n": low_sample_n(),
        # A team's people, ranked fairly: for its lead and its department's manager only (else None).
        "agents": agent_scores(user=user, team=team, date_from=date_from, date_to=date_to)
        if team is not None
        else None,
        **_breakdowns(user=user, team=team, department=department, window=window, links=links),
    }


def _trend(base: dict, period: Period) -> dict:
    """The trend chart: by week (at least TREND_MIN_WEEKS of them) or, for long periods, by month."""
    unit = "week" if period.days <= WEEKLY_UP_TO_DAYS else "month"
    trend_from = period.date_from
    if unit == "week":
        trend_from = min(trend_from, period.date_to - timedelta(weeks=TREND_MIN_WEEKS))
    trend = metric_report(**base, date_from=trend_from, date_to=period.date_to, group_by=(unit,))
    points = [
        Point(
            label=row["group"][unit], value=row["nps"], low=row["ci_low"], high=row["ci_high"],
            n=row["n"], low_sample=row["low_sample"],
        )
        for row in trend["results"]
    ]  # fmt: skip
    return {**nps_trend_svg(points, unit=unit), "unit": unit, "from": trend_from}


def _figures(row: dict, links: Links, **narrowing) -> dict:
    """A report's row with what the page adds: whether its change is real (the test says so and no
    sample is small), the addresses of its feedback now and before, its bar."""
    previous = row.get("previous") or {}
    # No stage or no touchpoint: the explorer cannot filter on "none", so no link (rather than a wrong one).
    linkable = None not in narrowing.values()
    return {
        **row,
        "real": is_real_change(row.get("p_value"), row["n"], previous.get("n", 0)),
        "href": links.feedback(**narrowing) if row["n"] and linkable else None,
        "previous_href": links.feedback(previous=True, **narrowing)
        if previous.get("n") and linkable
        else None,
        "bar": nps_bar(row),
    }


def _breakdowns(*, user, team, department, window: dict, links: Links) -> dict:
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
    base: dict[str, Any] = {
        "user": user,
        "metric": "nps",
        "filters": Filters(department=department),
        **window,
    }
    listed = list(departments)
    return {
        # Ranked by NPS shrunk toward each team's department's (innerloop.rankings): fair to small teams.
        "teams": rank_team_rows(
            _every_row(teams, metric_report(**base, group_by=("team",)), dimension="team", links=links)
        ),
        "departments": _every_row(
            listed,
            metric_report(**base, group_by=("department",)),
            dimension="department",
            links=links,
        )
        if listed
        else [],
    }


def _every_row(objects, report: dict, *, dimension: str, links: Links) -> list[tuple]:
    """(object, its row of `report`) for every object, in their order; no responses: an empty row."""
    rows = {row["group"][dimension]: row for row in report["results"]}
    empty = nps_summary(EMPTY, low_n=report["low_sample_n"])
    return [(item, _figures(rows.get(item.slug, empty), links, **{dimension: item.slug})) for item in objects]


def team_page(*, user, team: Team) -> dict:
    """What a team's own dashboard adds: its latest feedback and its members."""
    return {
        "latest": feedback_list(user=user, filters={"team": team.slug})[:25],
        "members": team.memberships.select_related("user").order_by("role", "user__username"),
    }


def category_effects(
    *, user, team, date_from, date_to, department=None, limit: int = 8, links: Links | None = None
) -> list[dict]:
    """Top categories, and the NPS of feedback with each category against the NPS without it.

    One pass over the period's feedback grouped by category (no category is a group too, so the
    totals come from the same rows); a window of UTC moments, so the (team, occurred_at) index serves.
    """
    # Customers' NPS: employees' scores (an employee survey's eNPS) are left out.
    customers = feedback_visible_to(user=user).exclude(source__in=employee_sources())
    feedback = customers.filter(
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
    largest = max((row["n"] for row in rows), default=0)
    return [
        _category_effect(
            row, categories[row["confirmed_category_id"]], total=total, links=links, largest=largest
        )
        for row in rows
    ]


def _category_effect(
    row: dict, category: Category, *, total: Counts, links: Links | None, largest: int
) -> dict:
    """One category's row: its NPS with it (interval, n) and without, and whether the difference is real."""
    low_n = low_sample_n()
    with_it = _counts(row)
    without = Counts(*(whole - part for whole, part in zip(total, with_it, strict=True)))
    figures = nps_summary(with_it, low_n=low_n)
    difference = nps_comparison(with_it, without)
    name = (category.parent.name if category.parent else None, category.name)
    return {
        "category": " / ".join(filter(None, name)),
        "slug": category.slug,
        "n": row["n"],
        "nps_with": figures["nps"],
        "ci_low": figures["ci_low"],
        "ci_high": figures["ci_high"],
        **{
            f"{key}_without": value
            for key, value in nps_summary(without, low_n=low_n).items()
            if key in ("nps", "ci_low", "ci_high")
        },
        "n_without": without.n,
        "difference": difference.difference,
        "p_value": difference.p_value,
        "low_sample": figures["low_sample"],
        "real": is_real_change(difference.p_value, with_it.n, without.n),
        "href": links.feedback(coded_as=category.slug) if links is not None else None,
        "bar": count_bar(row["n"], largest=largest),
    }


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
