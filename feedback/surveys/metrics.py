"""Survey metrics: what became of the invitations, per survey, touchpoint and team, within the reader's scope.

Counts come from the invitation rows (SurveyInvitation), one aggregate query per breakdown:

- sent: an email or text message left (sent_at); delivered, opened and bounced as the provider's
  events reported them (opened only where the provider tracks opens); answered: sent and answered.
- complained: the customers of sent invitations marked as having complained about our email
  (Customer.email_complained_at, set by the bounce and complaint hooks).
- suppressed, by reason: refused by the contact rules before anything was sent.
- the response rate is answered / sent, with its 95 % Wilson interval (cxloop.core.stats).

A reader sees the invitations of the teams they may see (cxloop.org.scoping): an agent or a team
lead their team, a manager their department's teams, the committee and administrators all
(including invitations tied to no team). Employee surveys are anonymous: they are read one round at
a time (feedback.surveys.rounds), never over periods; a group of fewer than MIN_GROUP people asked
shows no figures here, nor one the total less the groups shown would give away (`_groups_shown`),
and their results (feedback.surveys.employee) show only the groups `disclosure` allows.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from cxloop.core.stats import wilson_interval
from cxloop.org.models import Team
from cxloop.org.scoping import team_filter
from feedback.models import Touchpoint
from feedback.models.surveys import InvitationStatus, SuppressionReason, Survey, SurveyInvitation

# The smallest group of employees whose figures are shown (the anonymity rule, see employee.py).
MIN_GROUP = 5
NOT_SHOWN = _("Fewer than 5 answers: not shown, to keep answers anonymous")
# The period choices of the pages, in days (None: since the survey began).
PERIOD_DAYS = (30, 90, 365)

_SENT = Q(sent_at__isnull=False)
_COUNTS = {
    "invited": Count("pk"),
    "scheduled": Count("pk", filter=Q(status=InvitationStatus.SCHEDULED)),
    "sent": Count("pk", filter=_SENT),
    "delivered": Count("pk", filter=Q(delivered_at__isnull=False)),
    "opened": Count("pk", filter=Q(opened_at__isnull=False)),
    "bounced": Count("pk", filter=Q(bounced_at__isnull=False) | Q(status=InvitationStatus.BOUNCED)),
    "answered": Count("pk", filter=_SENT & Q(answered_at__isnull=False)),
    "failed": Count("pk", filter=Q(status=InvitationStatus.FAILED)),
    "complained": Count(
        "customer", distinct=True, filter=_SENT & Q(customer__email_complained_at__isnull=False)
    ),
    "suppressed": Count("pk", filter=Q(status=InvitationStatus.SUPPRESSED)),
    **{
        f"reason_{reason.value}": Count(
            "pk", filter=Q(status=InvitationStatus.SUPPRESSED, suppressed_reason=reason.value)
        )
        for reason in SuppressionReason
    },
}


@dataclass(frozen=True)
class InvitationFigures:
    """What became of one group's invitations."""

    invited: int = 0
    scheduled: int = 0
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    bounced: int = 0
    answered: int = 0
    failed: int = 0
    complained: int = 0
    suppressed: int = 0
    # (reason in words, count), the reasons that occurred, most frequent first.
    suppressed_by_reason: tuple[tuple[str, int], ...] = ()
    # True for a group of an employee survey with fewer than MIN_GROUP invited: nothing is shown.
    hidden: bool = False
    # True for an employee survey in the list of surveys: read one round at a time, on its page.
    per_round: bool = False

    @property
    def response_rate(self) -> float | None:
        """Answered as a percentage of sent; None before anything was sent."""
        return 100 * self.answered / self.sent if self.sent else None

    @property
    def response_interval(self) -> tuple[float, float] | None:
        """The 95 % Wilson interval of the response rate, in percent."""
        interval = wilson_interval(successes=self.answered, n=self.sent)
        return None if interval is None else (100 * interval.low, 100 * interval.high)


NO_INVITATIONS = InvitationFigures()
HIDDEN = InvitationFigures(hidden=True)
PER_ROUND = InvitationFigures(per_round=True)


@dataclass(frozen=True)
class FiguresRow:
    """A breakdown's row: what it is about (a survey, touchpoint or team; None for "none"), its figures."""

    subject: object | None
    label: str
    figures: InvitationFigures


def invitations_visible_to(*, user) -> QuerySet[SurveyInvitation]:
    """The invitations of the teams the user may see (all of them for the committee and admins)."""
    return SurveyInvitation.objects.filter(team_filter(user, team_field="team"))


def _figures(row: dict, *, employees: bool) -> InvitationFigures:
    reasons = dict(SuppressionReason.choices)
    by_reason = sorted(
        ((str(reasons[value]), row[f"reason_{value}"]) for value in reasons if row[f"reason_{value}"]),
        key=lambda pair: -pair[1],
    )
    counts = {name: row[name] for name in _COUNTS if not name.startswith("reason_")}
    # The anonymity rule counts people asked: too few and nothing is shown, not even who answered.
    hidden = employees and _people_asked(row) < MIN_GROUP
    if hidden:
        return InvitationFigures(hidden=True)
    return InvitationFigures(**counts, suppressed_by_reason=tuple(by_reason))


def _counted(invitations: QuerySet[SurveyInvitation], key: str, expression=None) -> dict:
    """Counts per value of `key` (a column of the invitation, or `expression` named so), in one query."""
    if expression is not None:
        invitations = invitations.annotate(**{key: expression})
    rows = invitations.order_by().values(key).annotate(**_COUNTS)
    return {row[key]: row for row in rows}


def _since(invitations: QuerySet[SurveyInvitation], since: datetime | None) -> QuerySet[SurveyInvitation]:
    return invitations if since is None else invitations.filter(created_at__gte=since)


def _of_survey(
    *, user, survey: Survey, since: datetime | None, round_name: str | None
) -> QuerySet[SurveyInvitation]:
    """The survey's invitations the user may see: since a moment, or of one round (employee surveys
    are read one round at a time, feedback.surveys.rounds)."""
    invitations = _since(invitations_visible_to(user=user).filter(survey=survey), since)
    if round_name is not None:
        invitations = invitations.filter(transaction_id__startswith=f"{survey.slug}:{round_name}:")
    return invitations


def survey_figures_by_survey(*, user, since: datetime | None = None) -> list[FiguresRow]:
    """Every survey with what became of its invitations that the user may see (two queries in all)."""
    surveys = Survey.objects.select_related("source", "touchpoint").order_by("name")
    counted = _counted(_since(invitations_visible_to(user=user), since), "survey_id")
    rows = []
    for survey in surveys:
        row = counted.get(survey.pk)
        if survey.audience == Survey.Audience.EMPLOYEES:
            # Over a period, an employee survey's figures less another period's could be a few people's.
            figures = PER_ROUND
        else:
            figures = NO_INVITATIONS if row is None else _figures(row, employees=False)
        rows.append(FiguresRow(subject=survey, label=survey.name, figures=figures))
    return rows


def survey_figures(
    *, user, survey: Survey, since: datetime | None = None, round_name: str | None = None
) -> InvitationFigures:
    """The survey's figures over all the invitations the user may see."""
    invitations = _of_survey(user=user, survey=survey, since=since, round_name=round_name)
    row = invitations.order_by().aggregate(**_COUNTS)
    if not row["invited"]:
        return NO_INVITATIONS
    return _figures(row, employees=survey.audience == Survey.Audience.EMPLOYEES)


def _rows(counted: dict, subjects: Iterable, *, none_label: str, employees: bool) -> list[FiguresRow]:
    by_id = {subject.pk: subject for subject in subjects}
    shown = _groups_shown(counted) if employees else set(counted)
    rows = [
        FiguresRow(subject=by_id.get(key), label=str(by_id[key]) if key in by_id else none_label,
                   figures=_figures(row, employees=employees) if key in shown else HIDDEN)
        for key, row in counted.items()
    ]  # fmt: skip
    # Named groups first, by name; "none" last.
    return sorted(rows, key=lambda row: (row.subject is None, row.label))


def survey_figures_by_touchpoint(
    *, user, survey: Survey, since: datetime | None = None, round_name: str | None = None
) -> list[FiguresRow]:
    """The survey's figures per touchpoint of the invitation (the event's, else the survey's)."""
    invitations = _of_survey(user=user, survey=survey, since=since, round_name=round_name)
    counted = _counted(invitations, "group_touchpoint", Coalesce("touchpoint_id", "survey__touchpoint_id"))
    touchpoints = Touchpoint.objects.filter(pk__in=[key for key in counted if key is not None])
    employees = survey.audience == Survey.Audience.EMPLOYEES
    return _rows(counted, touchpoints, none_label=str(_("No touchpoint")), employees=employees)


def survey_figures_by_team(
    *, user, survey: Survey, since: datetime | None = None, round_name: str | None = None
) -> list[FiguresRow]:
    """The survey's figures per team of the invitation; employee surveys hide teams under MIN_GROUP,
    and more, until the total less the teams shown gives no small team away (`_groups_shown`)."""
    invitations = _of_survey(user=user, survey=survey, since=since, round_name=round_name)
    counted = _counted(invitations, "team_id")
    teams = Team.objects.select_related("department").filter(
        pk__in=[key for key in counted if key is not None]
    )
    employees = survey.audience == Survey.Audience.EMPLOYEES
    return _rows(counted, teams, none_label=str(_("No team")), employees=employees)


# --- the anonymity rule: which groups of employees' answers may be shown ---------------------------------


def _groups_shown(counted: dict) -> set:
    """The rows of an employee survey's breakdown that may be shown: each of MIN_GROUP people asked
    or more, and the rows hidden adding up to none or MIN_GROUP or more, or the survey's total less
    the rows shown would give the hidden ones away (`disclosure`, with the rows as teams of no
    department; the row of no team or touchpoint is a row like the others here)."""
    keys = {key: index for index, key in enumerate(counted, start=1)}
    people: dict[int | None, tuple[int | None, int]] = {
        index: (None, _people_asked(counted[key])) for key, index in keys.items()
    }
    shown = disclosure(people).teams
    return {key for key, index in keys.items() if index in shown}


def _people_asked(row: dict) -> int:
    return row["invited"] - row["suppressed"]


@dataclass(frozen=True)
class Disclosure:
    """Which groups' figures may be shown."""

    overall: bool
    departments: frozenset[int]
    teams: frozenset[int]


def disclosure(counts: dict[int | None, tuple[int | None, int]]) -> Disclosure:
    """The groups that may be shown, from each team's (department id, count of answers).

    The key None holds the answers tied to no team (never shown on its own). A group is shown with
    at least MIN_GROUP answers, and only when every part that is not shown but could be worked out
    by subtraction (a department less its shown teams; the whole less its shown departments and
    the shown teams of hidden departments) has none or at least MIN_GROUP answers. When a small
    team is hidden, the department's figure less its other teams' would be that team's, so more
    teams are hidden until what cannot be seen adds up to MIN_GROUP or more (complementary
    suppression, as statistics offices publish tables); the same between the whole and departments.
    """
    per_department: dict[int, int] = {}
    for team, (department, n) in counts.items():
        if team is not None and department is not None:
            per_department[department] = per_department.get(department, 0) + n
    teams = {team for team, (_, n) in counts.items() if team is not None and n >= MIN_GROUP}
    departments = {department for department, n in per_department.items() if n >= MIN_GROUP}
    for department in departments:
        shown = sorted((counts[team][1], team) for team in teams if counts[team][0] == department)
        residual = per_department[department] - sum(n for n, _ in shown)
        while 0 < residual < MIN_GROUP:  # hide the smallest shown team until the rest is safe
            n, team = shown.pop(0)
            teams.discard(team)
            residual += n
    total = sum(n for _, n in counts.values())
    covered = sum(per_department[d] for d in departments) + sum(
        counts[team][1] for team in teams if counts[team][0] not in departments
    )
    if total >= MIN_GROUP and 0 < total - covered < MIN_GROUP:
        # Hide the smallest shown part that the whole covers directly: a team of a hidden
        # department, or a department with its teams. Each has MIN_GROUP or more, so one suffices.
        candidates = [(counts[t][1], 0, t) for t in teams if counts[t][0] not in departments]
        candidates += [(per_department[d], 1, d) for d in departments]
        _, kind, key = min(candidates)
        if kind == 0:
            teams.discard(key)
        else:
            departments.discard(key)
            teams = {team for team in teams if counts[team][0] != key}
    return Disclosure(total >= MIN_GROUP, frozenset(departments), frozenset(teams))
