"""Fair rankings of teams and people: their NPS shrunk toward their department's (empirical Bayes,
feedback.metrics.shrinkage), ranked by it, each with the chance it truly beats the next one down.

- Teams: the dashboards' "By team" table and the huddle review board are ranked here.
- People: an agent's NPS is the recovery NPS of the cases they resolved (see `agent_scores`); only
  their team lead and their department's manager see it, and below CXLOOP_MIN_INDIVIDUAL_N answers
  it is not shown at all ("too few answers to show").
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db.models import Case as CaseWhen
from django.db.models import Count, F, IntegerField, Q, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from cxloop.org.models import TEAM_ROLES, Membership, Team
from cxloop.org.scoping import teams_visible_to
from feedback.metrics.counts import EMPTY
from feedback.metrics.figures import low_sample_n, nps_summary
from feedback.metrics.queries import Filters
from feedback.metrics.selectors import metric_report
from feedback.metrics.shrinkage import Ranked, Unit, ranking, shrink
from feedback.scales import DETRACTOR_MAX, PROMOTER_MIN
from innerloop.models import Case
from innerloop.permissions import can_see_individual_scores

# Below this many answers a person's score is not shown (setting CXLOOP_MIN_INDIVIDUAL_N).
DEFAULT_MIN_INDIVIDUAL_N = 30

# How P(beats the next) is said, from the most certain down; below the last: cannot be told apart.
BEATS_WORDS = (
    (0.95, gettext_noop("almost certainly better than the next")),
    (0.80, gettext_noop("probably better than the next")),
    (0.65, gettext_noop("more likely than not better than the next")),
)


def min_individual_n() -> int:
    """Below this many answers a person's NPS is hidden (setting CXLOOP_MIN_INDIVIDUAL_N, default 30)."""
    return int(getattr(settings, "CXLOOP_MIN_INDIVIDUAL_N", DEFAULT_MIN_INDIVIDUAL_N))


def beats_in_words(probability: float | None) -> str:
    """P(this one truly beats the next) as a person reads it: "probably better than the next (87 %)"."""
    if probability is None:
        return ""
    percent = round(100 * probability)
    shown = "> 99" if percent >= 100 else "< 1" if percent <= 0 else str(percent)
    words = next(
        (gettext(said) for limit, said in BEATS_WORDS if probability >= limit),
        gettext("cannot be told apart from the next"),
    )
    return gettext("%(words)s (%(percent)s %%)") % {"words": words, "percent": shown}


def fair_figures(item: Ranked) -> dict[str, Any]:
    """What a page shows of one ranked unit: its place, shrunken NPS with its interval, the
    department's NPS it was pulled toward, and the chance it beats the next (number and words)."""
    shrunk = item.shrunk
    return {
        "rank": item.rank,
        "nps": _rounded(shrunk.estimate),
        "ci_low": _rounded(shrunk.ci_low),
        "ci_high": _rounded(shrunk.ci_high),
        "raw_nps": _rounded(shrunk.raw),
        "n": shrunk.n,
        "weight": _rounded(shrunk.weight, 3),
        "department_nps": _rounded(shrunk.group_nps),
        "beats_next": _rounded(item.beats_next, 3),
        "beats_next_words": beats_in_words(item.beats_next),
    }


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _unit(key: Any, department_id: Any, figures: dict | None) -> Unit:
    """A unit from a report row or a summary's NPS (n, promoters, detractors); none: no answers."""
    figures = figures or {}
    return Unit(
        key=key,
        group=department_id,
        n=figures.get("n") or 0,
        promoters=figures.get("promoters") or 0,
        detractors=figures.get("detractors") or 0,
    )


# --- teams ---


def rank_team_rows(rows: list[tuple[Team, dict]]) -> list[tuple[Team, dict]]:
    """The dashboard's (team, NPS row) pairs, best first by shrunken NPS, each row with `fair`
    added; teams without answers last, in their order."""
    units = [_unit(team.pk, team.department_id, row) for team, row in rows]
    by_pk: dict[Any, tuple[Team, dict]] = {team.pk: (team, row) for team, row in rows}
    ranked = []
    for item in ranking(shrink(units).values()):
        team, row = by_pk[item.shrunk.key]
        ranked.append((team, {**row, "fair": fair_figures(item)}))
    return ranked


def rank_review_board(reviews: list) -> list:
    """The huddle review board (innerloop.huddles.selectors.TeamReview), ranked by the shrunken NPS of
    each team's last huddle period (the figure the board shows); no queries: the summaries hold the
    counts. Teams without a summary stay last, in their order."""
    by_pk = {review.team.pk: review for review in reviews}
    units = [
        _unit(review.team.pk, review.team.department_id, _summary_nps(review.last)) for review in reviews
    ]
    ordered = []
    for item in ranking(shrink(units).values()):
        review = by_pk[item.shrunk.key]
        review.fair = fair_figures(item) if item.rank is not None else None
        ordered.append(review)
    return ordered


def _summary_nps(huddle) -> dict | None:
    summary = huddle.summary if huddle is not None else None
    if not summary or "nps" not in summary:
        return None
    return summary["nps"].get("current")


# --- people ---


@dataclass(frozen=True)
class AgentScores:
    """A team's people ranked by their shrunken recovery NPS, for their lead and manager only."""

    rows: list[dict]  # each: member, n, shown, fair (None when hidden or without answers)
    min_n: int
    department_nps: float | None


def recovery_score_expression() -> CaseWhen:
    """The score of a case's recovery check: the customer's own answer where they gave one, else the
    score recorded at the check (the rule of the loop-closure recovery rate, innerloop.metrics)."""
    return CaseWhen(
        When(customer_recovery_at__isnull=False, then=F("customer_recovery_score")),
        default=F("recovery_score"),
        output_field=IntegerField(),
    )


def agent_counts(*, department_id: int, start: datetime, end: datetime) -> dict[int, dict]:
    """Per person (assignee) in the department: recovery answers, promoters and detractors among the
    cases they resolved in [start, end). One query."""
    rows = (
        Case.objects.filter(
            team__department_id=department_id,
            assignee__isnull=False,
            resolved_at__gte=start,
            resolved_at__lt=end,
        )
        .annotate(recovery=recovery_score_expression())
        .order_by()
        .values("assignee_id")
        .annotate(
            n=Count("id", filter=Q(recovery__isnull=False)),
            promoters=Count("id", filter=Q(recovery__gte=PROMOTER_MIN)),
            detractors=Count("id", filter=Q(recovery__lte=DETRACTOR_MAX)),
        )
    )
    return {row["assignee_id"]: row for row in rows}


def agent_scores(*, user, team: Team, date_from: date, date_to: date) -> AgentScores | None:
    """The team's people ranked by their NPS as customers rated the cases they resolved in the period
    (the recovery check), each shrunk toward the department's people. None for anyone but the team's
    lead and the department's manager. Below the minimum sample a person's score is hidden."""
    if not can_see_individual_scores(user, team):
        return None
    zone = timezone.get_current_timezone()
    start, end = (datetime.combine(day, time.min, tzinfo=zone) for day in (date_from, date_to))
    counts = agent_counts(department_id=team.department_id, start=start, end=end)
    minimum = min_individual_n()
    # Everyone in the department shapes the department's mean and spread; only those with enough
    # answers are ranked and shown.
    shrunk = shrink(_unit(person, team.department_id, row) for person, row in counts.items())
    members = list(
        Membership.objects.filter(team=team, role__in=TEAM_ROLES)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    people: dict[Any, Membership] = {member.user_id: member for member in members}
    shown = ranking(shrunk[pk] for pk in people if pk in shrunk and shrunk[pk].n >= minimum)
    rows = [{"member": people[item.shrunk.key], "n": item.shrunk.n, "shown": True, "fair": fair_figures(item)}
            for item in shown]  # fmt: skip
    listed = {item.shrunk.key for item in shown}
    rows += [
        {"member": member, "n": counts.get(member.user_id, {}).get("n", 0), "shown": False, "fair": None}
        for member in people.values()
        if member.user_id not in listed
    ]
    department = next(iter(shrunk.values())).group_nps if shrunk else None
    return AgentScores(rows=rows, min_n=minimum, department_nps=_rounded(department))


def team_ranking(*, user, date_from: date, date_to: date, department=None) -> list[tuple[Team, dict]]:
    """Every team the user may see (of one department, if given), ranked by NPS shrunk toward its
    department's, with its raw figures: what the dashboards' "By team" table shows, for the API."""
    teams = teams_visible_to(user=user).order_by("department__name", "name")
    if department is not None:
        teams = teams.filter(department=department)
    report = metric_report(
        user=user, metric="nps", date_from=date_from, date_to=date_to, group_by=("team",),
        filters=Filters(department=department),
    )  # fmt: skip
    rows = {row["group"]["team"]: row for row in report["results"]}
    empty = nps_summary(EMPTY, low_n=low_sample_n())
    return rank_team_rows([(team, rows.get(team.slug, empty)) for team in teams])
