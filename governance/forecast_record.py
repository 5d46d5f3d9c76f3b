"""The committee's forecast track record: how well its forecasts at approval came true (a read)."""

from dataclasses import dataclass
from statistics import fmean
from typing import Any

from django.db.models import OuterRef, Subquery

from outerloop.models import ForecastOutcome, ImpactReview, Initiative

from .models import Decision, Outcome


@dataclass(frozen=True)
class TrackRecord:
    rows: list[Any]  # each with `latest_outcome`, `latest_achieved` and `decided_on`
    met: int
    missed: int
    uncertain: int
    awaiting: int
    mean_achieved: float | None
    approved_without_forecast: int


def forecast_track_record(*, limit: int = 50) -> TrackRecord:
    """Approved initiatives with a recorded forecast, newest decision first, each scored by its latest
    impact review; the counts of met, missed and uncertain, and the mean share of the forecast achieved."""
    latest = ImpactReview.objects.filter(initiative=OuterRef("pk")).order_by("-created_at", "-pk")
    rows = list(
        Initiative.objects.filter(forecast_recorded_at__isnull=False)
        .annotate(
            latest_outcome=Subquery(latest.values("forecast_outcome")[:1]),
            latest_achieved=Subquery(latest.values("forecast_achieved")[:1]),
        )
        .only("pk", "title", "forecast_metric", "forecast_change", "forecast_by", "forecast_recorded_at")
        .order_by("-forecast_recorded_at", "-pk")[:limit]
    )
    outcomes = [row.latest_outcome for row in rows]
    achieved = [row.latest_achieved for row in rows if row.latest_achieved is not None]
    without = (
        Decision.objects.filter(status=Decision.Status.DECIDED, outcome=Outcome.APPROVED)
        .filter(initiative__forecast_recorded_at__isnull=True)
        .count()
    )
    return TrackRecord(
        rows=rows,
        met=outcomes.count(ForecastOutcome.MET),
        missed=outcomes.count(ForecastOutcome.MISSED),
        uncertain=outcomes.count(ForecastOutcome.UNCERTAIN),
        awaiting=sum(1 for outcome in outcomes if not outcome),
        mean_achieved=fmean(achieved) if achieved else None,
        approved_without_forecast=without,
    )
