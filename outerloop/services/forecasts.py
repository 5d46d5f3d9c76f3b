"""The committee's forecast on an initiative: proposed with the decision, recorded when approved.

The forecast is what the committee expects the initiative to do: a metric (outerloop.models.
ForecastMetric: NPS points, or mentions of its root cause per 1,000 feedback, a fall being negative),
the size of the change and the date by which it should show. It is optional to open a decision
(the decisions API and older clients do without), but all or nothing: a metric without a size or
a date is refused with the field named. It is proposed when the decision is opened (kept on the
initiative, not yet recorded) and recorded when the vote approves it; the impact review scores the
result against a recorded forecast only (outerloop.services.impact, outerloop.did.forecast_score).
"""

import math
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError, StateConflict
from outerloop.models import ForecastMetric, Initiative, InitiativeEvent

# How far a forecast may reach: NPS runs -100..100, so a change is at most 200 points.
LIMITS = {ForecastMetric.NPS: 200.0, ForecastMetric.RECURRENCE: 1000.0}


def forecast_validate(
    *, metric: str, change: float | None, by: date | None, today: date | None = None
) -> bool:
    """True for a whole forecast, False for none at all; a partial or impossible one is refused."""
    given = {
        "forecast_metric": bool(metric),
        "forecast_change": change is not None,
        "forecast_by": by is not None,
    }
    if not any(given.values()):
        return False
    missing = [name for name, there in given.items() if not there]
    if missing:
        raise ApplicationError(
            _("A forecast has a metric, a size and a date: give all three, or none."),
            {name: ["required with the rest of the forecast"] for name in missing},
        )
    if metric not in ForecastMetric.values:
        raise ApplicationError(
            _("Forecast NPS or mentions per 1,000 feedback."), {"forecast_metric": ["invalid"]}
        )
    assert change is not None  # narrowed by `missing` above
    assert by is not None
    if not math.isfinite(change) or change == 0 or abs(change) > LIMITS[ForecastMetric(metric)]:
        raise ApplicationError(
            _("Forecast a change: not 0, and within what the metric can move."),
            {"forecast_change": ["out of range"]},
        )
    if by < (today or timezone.localdate()):
        raise ApplicationError(_("A forecast's date is in the future."), {"forecast_by": ["in the past"]})
    return True


def _event(*, initiative: Initiative, actor: Any, action: str, **data: Any) -> InitiativeEvent:
    payload = {
        "forecast": action,
        "metric": initiative.forecast_metric,
        "change": initiative.forecast_change,
        "by": initiative.forecast_by.isoformat() if initiative.forecast_by else None,
        **data,
    }
    return InitiativeEvent.objects.create(
        initiative=initiative, kind=InitiativeEvent.Kind.EDITED, actor=actor, data=payload
    )


@transaction.atomic
def initiative_forecast_propose(
    *,
    initiative: Initiative,
    actor: Any,
    metric: str = "",
    change: float | None = None,
    by: date | None = None,
) -> Initiative:
    """Put the forecast to the committee with the decision (none: clears an earlier proposal)."""
    whole = forecast_validate(metric=metric, change=change, by=by)
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    if initiative.forecast_recorded_at is not None:
        raise StateConflict(
            _("This initiative's forecast is already recorded."), {"forecast_metric": ["recorded"]}
        )
    before = (initiative.forecast_metric, initiative.forecast_change, initiative.forecast_by)
    initiative.forecast_metric = metric if whole else ""
    initiative.forecast_change = change if whole else None
    initiative.forecast_by = by if whole else None
    if before != (initiative.forecast_metric, initiative.forecast_change, initiative.forecast_by):
        initiative.save(update_fields=["forecast_metric", "forecast_change", "forecast_by", "updated_at"])
        _event(initiative=initiative, actor=actor, action="proposed" if whole else "withdrawn")
    return initiative


@transaction.atomic
def initiative_forecast_record(*, initiative: Initiative, actor: Any, decision_id: int) -> Initiative:
    """The committee approved: its forecast (if one was proposed) is recorded, to be scored later."""
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    if not initiative.forecast_metric or initiative.forecast_recorded_at is not None:
        return initiative
    initiative.forecast_recorded_at = timezone.now()
    initiative.forecast_recorded_by = actor
    initiative.save(update_fields=["forecast_recorded_at", "forecast_recorded_by", "updated_at"])
    _event(initiative=initiative, actor=actor, action="recorded", decision=decision_id)
    return initiative
