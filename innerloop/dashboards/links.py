"""From a dashboard's number to the feedback or cases behind it: the filtered explorer and queue.

The explorer (feedback.filters.FeedbackFilter) and the queue (innerloop.filters.CaseFilter) take
these parameters; the windows are the metrics' own (UTC days of occurred_at for feedback, the
local days cases were opened on for loop closure), so the list holds exactly the rows counted.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from feedback.metrics.queries import utc_start
from feedback.scales import DETRACTOR_MAX, PROMOTER_MIN
from innerloop.models import CaseStatus

from .periods import Period

ALL_STATUSES = tuple(CaseStatus.values)


def _moment(day: date) -> str:
    return utc_start(day).strftime("%Y-%m-%dT%H:%M:%SZ")


def nps_feedback_url(*, occurred_from: str, occurred_to: str, **narrowing) -> str:
    """The explorer listing the NPS answers (with a score: what an NPS counts) of [from, to) with
    `narrowing` (team, department, touchpoint, score_min...; empty values left out)."""
    params = {
        "scale": "nps",
        "score_min": 0,
        **{name: value for name, value in narrowing.items() if value not in (None, "")},
        "occurred_from": occurred_from,
        "occurred_to": occurred_to,
    }
    return f"{reverse('feedback:list')}?{urlencode(params)}"


def queue_url(**narrowing) -> str:
    """The case queue with `narrowing` (its open cases unless a status is given)."""
    return f"{reverse('innerloop:queue')}?{urlencode(narrowing)}"


@dataclass(frozen=True)
class Links:
    """The drill-down addresses of one dashboard: its scope (a team, a department, everything the
    user may see) and its period."""

    period: Period
    scope: dict  # {"team": slug}, {"department": slug} or {}

    def feedback(self, *, previous: bool = False, **narrowing) -> str:
        """The NPS answers of the scope and the period (or the period before) with `narrowing`."""
        start, end = (
            (self.period.previous_from, self.period.date_from)
            if previous
            else (self.period.date_from, self.period.date_to)
        )
        return nps_feedback_url(
            occurred_from=_moment(start), occurred_to=_moment(end), **self.scope, **narrowing
        )

    def promoters(self) -> str:
        return self.feedback(score_min=PROMOTER_MIN)

    def detractors(self) -> str:
        return self.feedback(score_max=DETRACTOR_MAX)

    def cases(self, **narrowing) -> str:
        """Every case of the scope opened in the period, whatever its status."""
        params = [("status", status) for status in ALL_STATUSES]
        params += [(name, value) for name, value in self.scope.items()]
        params += [(name, value) for name, value in narrowing.items() if value not in (None, "")]
        params += [
            ("opened_from", self.period.date_from.isoformat()),
            ("opened_to", self.period.last_day.isoformat()),
        ]
        return f"{reverse('innerloop:queue')}?{urlencode(params)}"


def scope_params(*, team=None, department=None) -> dict:
    if team is not None:
        return {"team": team.slug}
    if department is not None:
        return {"department": department.slug}
    return {}
