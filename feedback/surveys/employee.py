"""Employee surveys (eNPS and open questions about what gets in the way of serving customers).

Sending: `employee_survey_send` invites the active members of chosen teams through the same
invitation machinery as customers (feedback.surveys.invitations), one invitation per person and
round. Administrators may send to any team, managers to the teams of their own department.

Results: an answer is Feedback of the survey's source (kind "employee"), tied to the team and the
round but to no person (feedback.surveys.answers), so it flows through enrichment, coding and signal
detection like a customer's. Results are shown one round at a time (feedback.surveys.rounds). What
is shown is only ever a group's figure, and never for a group of fewer than MIN_GROUP answers,
directly or by subtraction (feedback.surveys.metrics.disclosure). No page shows an employee's
answer, comment or score on its own.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core.exceptions import ApplicationError, NotPermitted
from cxloop.core.models import audit
from cxloop.core.stats import nps_figures
from cxloop.org.models import TEAM_ROLES, Membership, Role, Team
from cxloop.org.scoping import scope_for
from feedback.models import Category, Feedback, Scale, SourceKind
from feedback.models.record import MENTION_CONFIDENCE
from feedback.models.surveys import InvitationTrigger, Survey
from feedback.scales import nps_counts
from feedback.selectors import feedback_visible_to

from .invitations import survey_invitations_create
from .items import MAX_BATCH
from .metrics import Disclosure, disclosure
from .rounds import ROUND_NAME, Round, round_transaction_id

TOP_THEMES = 8
TEAM_THEMES = 3
# Customers' themes beside a round's: from this many days before the round was sent.
CUSTOMER_DAYS = 90


# --- sending ------------------------------------------------------------------------------------


def teams_sendable_by(*, user) -> QuerySet[Team]:
    """The teams a person may send an employee survey to: all for administrators, their own
    department's for managers, none for anyone else."""
    scope = scope_for(user)
    teams = Team.objects.select_related("department").order_by("department__name", "name")
    if scope.has_role(Role.ADMIN):
        return teams
    if scope.has_role(Role.MANAGER):
        return teams.filter(department__in=scope.department_ids)
    return teams.none()


@dataclass(frozen=True)
class StaffSendResult:
    """What one sending did: people invited now, already invited this round, refused by the rules."""

    people: int
    scheduled: int
    duplicates: int
    suppressed: int
    errors: int


def _team_members(teams: list[Team]) -> list[dict]:
    """One item per active member of the teams (a person on two teams is asked once, for the first)."""
    members = (
        Membership.objects.filter(team__in=teams, role__in=TEAM_ROLES, user__is_active=True)
        .order_by("team__department__name", "team__name", "user_id")
        .values_list("user_id", "team_id")
    )
    seen: dict[int, int] = {}
    for user_id, team_id in members:
        seen.setdefault(user_id, team_id)
    return [{"employee_id": user_id, "team_id": team_id} for user_id, team_id in seen.items()]


def _round_name_checked(run: str) -> str:
    if not ROUND_NAME.match(run):
        raise ApplicationError(
            _("Name the round with letters, digits, dots and dashes only."),
            extra={"run": [_("Use letters, digits, dots and dashes only.")]},
        )
    return run


def employee_survey_send(*, survey: Survey, teams, actor, run: str | None = None) -> StaffSendResult:
    """Invite the active members of `teams` to the employee survey, once per person and round.

    `run` names the round (default: the current month, "2026-05"); sending the same round again
    invites only people not invited yet (the transaction id is survey:round:person).
    """
    teams = list(teams)
    if survey.audience != Survey.Audience.EMPLOYEES:
        raise ApplicationError(
            _("Only employee surveys are sent to staff."),
            extra={"survey": [_("This survey asks customers.")]},
        )
    if not teams:
        raise ApplicationError(
            _("Choose at least one team."), extra={"teams": [_("Choose at least one team.")]}
        )
    allowed = set(teams_sendable_by(user=actor).values_list("pk", flat=True))
    refused = [team.name for team in teams if team.pk not in allowed]
    if refused:
        raise NotPermitted(
            _("You may send surveys only to the teams of your own department."),
            extra={"teams": [_("Not your department's: %(teams)s") % {"teams": ", ".join(refused)}]},
        )
    run = _round_name_checked(run or timezone.localdate().strftime("%Y-%m"))
    items = [
        {
            **item,
            "transaction_id": round_transaction_id(survey=survey, run=run, employee_id=item["employee_id"]),
        }
        for item in _team_members(teams)
    ]
    with transaction.atomic():
        # Sent as cxloop itself (actor None): only it names people by id. The person sending was
        # checked above (teams_sendable_by) and is the one audited.
        statuses = [
            result.status
            for start in range(0, len(items), MAX_BATCH)
            for result in survey_invitations_create(
                survey=survey, items=items[start : start + MAX_BATCH], trigger=InvitationTrigger.CSV
            )
        ]
        outcome = StaffSendResult(
            people=len(items),
            scheduled=statuses.count("scheduled"),
            duplicates=statuses.count("duplicate"),
            suppressed=statuses.count("suppressed"),
            errors=statuses.count("error"),
        )
        audit(
            actor=actor,
            verb="survey.sent_to_staff",
            target=survey,
            run=run,
            teams=sorted(team.slug for team in teams),
            people=outcome.people,
            scheduled=outcome.scheduled,
        )
    return outcome


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupResult:
    """One group's results; `answers` is None when the group is not shown."""

    label: str
    subject: object | None = None
    answers: int | None = None
    scored: int | None = None
    enps: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    themes: tuple[tuple[str, int], ...] = ()

    @property
    def hidden(self) -> bool:
        return self.answers is None


@dataclass(frozen=True)
class EmployeeResults:
    overall: GroupResult
    departments: list[GroupResult]
    teams: list[GroupResult]
    # (theme, employees' answers mentioning it, % of employees' themed answers, % of customers')
    themes: list[tuple[str, int, float, float | None]]
    # (theme, customers' feedback mentioning it, % of customers' themed feedback)
    customer_themes: list[tuple[str, int, float]]
    is_nps: bool
    shows_departments: bool


def _mention() -> Case:
    """A feedback row's theme: its confirmed category, else a suggestion the classifier is sure of."""
    return Case(
        When(confirmed_category__isnull=False, then=F("confirmed_category")),
        When(suggested_confidence__gte=MENTION_CONFIDENCE, then=F("suggested_category")),
        default=None,
        output_field=IntegerField(),
    )


def employee_answers(*, user, survey: Survey, round_name: str) -> QuerySet[Feedback]:
    """The answers of one round of the survey, of the teams the user may see (an answer carries
    its team and round, no person). Answers without a round are in no round: never shown."""
    answers = feedback_visible_to(user=user).filter(source=survey.source, customer__isnull=True)
    # Each answer names its survey in its metadata (feedback.surveys.answers): a source may be shared
    # with other surveys and with the "raise an obstacle" form, whose items are not answers.
    return answers.filter(metadata__survey=survey.slug, metadata__round=round_name)


def _result(label: str, subject, row: dict, *, shown: bool, scored_shown: bool, themes) -> GroupResult:
    if not shown:
        return GroupResult(label=label, subject=subject)
    figures = nps_figures(row["promoters"], row["passives"], row["detractors"]) if scored_shown else None
    return GroupResult(
        label=label,
        subject=subject,
        answers=row["answers"],
        scored=row["n"] if scored_shown else None,
        enps=figures[0] if figures else None,
        ci_low=figures[1] if figures else None,
        ci_high=figures[2] if figures else None,
        themes=tuple(themes),
    )


def _themes_by_team(answers: QuerySet[Feedback]) -> dict[int | None, dict[int, int]]:
    rows = (
        answers.annotate(theme=_mention())
        .exclude(theme=None)
        .order_by()
        .values_list("team_id", "theme")
        .annotate(n=Count("id"))
    )
    by_team: dict[int | None, dict[int, int]] = {}
    for team, theme, n in rows:
        by_team.setdefault(team, {})[theme] = n
    return by_team


def _top(counts: dict[int, int], names: dict[int, str], limit: int) -> list[tuple[str, int]]:
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], names.get(pair[0], "")))
    return [(names[theme], n) for theme, n in ordered[:limit] if theme in names]


def _merge(parts: list[dict[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for part in parts:
        for theme, n in part.items():
            merged[theme] = merged.get(theme, 0) + n
    return merged


def _customer_themes(*, user, survey_round: Round) -> dict[int, int]:
    """Customers' feedback per theme, in the same teams, from CUSTOMER_DAYS before the round was
    sent until the next round (what they say beside staff)."""
    feedback = feedback_visible_to(user=user).exclude(source__kind=SourceKind.EMPLOYEE)
    feedback = feedback.filter(occurred_at__gte=survey_round.started - timedelta(days=CUSTOMER_DAYS))
    if survey_round.ended is not None:
        feedback = feedback.filter(occurred_at__lt=survey_round.ended)
    rows = feedback.annotate(theme=_mention()).exclude(theme=None).order_by().values_list("theme")
    return dict(rows.annotate(n=Count("id")).values_list("theme", "n"))


def _share(n: int, total: int) -> float:
    return 100 * n / total if total else 0.0


@dataclass(frozen=True)
class _Counted:
    """The answers' counts per team, what may be shown of them, their themes and the themes' names."""

    by_team: dict[int | None, dict]
    shown: Disclosure
    scored: Disclosure
    themes: dict[int | None, dict[int, int]]
    names: dict[int, str]

    def row(self, team_ids) -> dict[str, int]:
        rows = [self.by_team[pk] for pk in team_ids]
        return {name: sum(row[name] for row in rows) for name in COUNTED}

    def top(self, team_ids, limit: int = TEAM_THEMES) -> list[tuple[str, int]]:
        return _top(_merge([self.themes.get(pk, {}) for pk in team_ids]), self.names, limit)


COUNTED = ("answers", "n", "promoters", "passives", "detractors")


def _count(answers: QuerySet[Feedback], customer: dict[int, int]) -> _Counted:
    rows = (
        answers.order_by()
        .values("team_id", "team__department_id")
        .annotate(answers=Count("id"), **nps_counts())
    )
    by_team = {row["team_id"]: row for row in rows}
    themes = _themes_by_team(answers)
    mentioned = {*customer, *_merge(list(themes.values()))}
    categories = Category.objects.select_related("parent").filter(pk__in=mentioned)
    return _Counted(
        by_team=by_team,
        shown=disclosure(
            {team: (row["team__department_id"], row["answers"]) for team, row in by_team.items()}
        ),
        scored=disclosure({team: (row["team__department_id"], row["n"]) for team, row in by_team.items()}),
        themes=themes,
        names={category.pk: str(category) for category in categories},
    )


def employee_results(*, user, survey: Survey, survey_round: Round) -> EmployeeResults:
    """eNPS and themes of one round of the employee survey, overall, by department and by team, as
    far as shown (feedback.surveys.rounds: one round at a time, never a total over rounds)."""
    customer = _customer_themes(user=user, survey_round=survey_round)
    answers = employee_answers(user=user, survey=survey, round_name=survey_round.name)
    counted = _count(answers, customer)
    teams = list(Team.objects.select_related("department").filter(pk__in=[k for k in counted.by_team if k]))
    team_results = [
        _result(
            team.name,
            team,
            counted.row([team.pk]),
            shown=team.pk in counted.shown.teams,
            scored_shown=team.pk in counted.scored.teams,
            themes=counted.top([team.pk]),
        )
        for team in sorted(teams, key=lambda team: (team.department.name, team.name))
    ]
    department_results = []
    for department in sorted({team.department for team in teams}, key=lambda department: department.name):
        members = [team.pk for team in teams if team.department_id == department.pk]
        department_results.append(
            _result(
                department.name,
                department,
                counted.row(members),
                shown=department.pk in counted.shown.departments,
                scored_shown=department.pk in counted.scored.departments,
                themes=counted.top(members),
            )
        )
    overall = _result(
        _("Everyone you may see"),
        None,
        counted.row(list(counted.by_team)),
        shown=counted.shown.overall,
        scored_shown=counted.scored.overall,
        themes=[],
    )
    scope = scope_for(user)
    return EmployeeResults(
        overall=overall,
        departments=department_results,
        teams=team_results,
        themes=_theme_rows(_merge(list(counted.themes.values())), customer, counted.names)
        if counted.shown.overall
        else [],
        customer_themes=[
            (name, n, _share(n, sum(customer.values())))
            for name, n in _top(customer, counted.names, TOP_THEMES)
        ],
        is_nps=survey.scale == Scale.NPS,
        shows_departments=scope.sees_everything or bool(scope.department_ids),
    )


def _theme_rows(
    employee: dict[int, int], customer: dict[int, int], names: dict[int, str]
) -> list[tuple[str, int, float, float | None]]:
    """Employees' top themes, each with its share among employees' and among customers' themes."""
    employee_total, customer_total = sum(employee.values()), sum(customer.values())
    rows = []
    for theme, n in sorted(employee.items(), key=lambda pair: (-pair[1], names.get(pair[0], "")))[
        :TOP_THEMES
    ]:
        if theme in names:
            customer_share = _share(customer.get(theme, 0), customer_total) if customer_total else None
            rows.append((names[theme], n, _share(n, employee_total), customer_share))
    return rows
