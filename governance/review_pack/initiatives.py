"""Sections: initiative throughput and stalls; how well the committee's forecasts came true."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Q
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from outerloop import selectors as outer
from outerloop.models import (
    ACTIVE_STAGES,
    ForecastMetric,
    ForecastOutcome,
    ImpactReview,
    Initiative,
    InitiativeEvent,
    Stage,
)
from outerloop.recurring import Share, share_of

from .period import PackPeriod
from .tables import Section, Table, number, share_text

# An initiative in one active stage longer than this is stalled (the committee's own setting wins).
DEFAULT_STALL_DAYS = 60


@dataclass(frozen=True)
class Throughput:
    reached: dict[str, int]  # stage -> initiatives that moved into it in the period
    in_stage_now: dict[str, int]  # stage -> initiatives in it now
    stalled: list[tuple[str, str, int]]  # (title, stage label, days in the stage)


def throughput(*, period: PackPeriod, stall_days: int = DEFAULT_STALL_DAYS) -> Throughput:
    """Stage changes in the period, the stages now, and the stalled initiatives (three queries)."""
    now = timezone.now()
    reached = dict(
        InitiativeEvent.objects.filter(
            kind=InitiativeEvent.Kind.STAGE_CHANGED, created_at__gte=period.start, created_at__lt=period.end
        )
        .values_list(KT("data__to"))
        .annotate(n=Count("id"))
        .order_by()
    )
    in_stage = dict(Initiative.objects.values_list("stage").annotate(n=Count("id")).order_by())
    stalled = [
        (i.title, i.get_stage_display(), (now - i.stage_changed_at).days)
        for i in outer.initiatives_stalled(days=stall_days, now=now)
    ]
    return Throughput(reached=reached, in_stage_now=in_stage, stalled=stalled)


@dataclass(frozen=True)
class ForecastRow:
    initiative: str
    metric: str
    change: float | None
    achieved: float | None
    outcome: str
    reviewed_at: datetime


@dataclass(frozen=True)
class ForecastFigures:
    recorded: int  # forecasts recorded at approval in the period
    scored: int
    met: Share  # met, of the reviews that could say met or missed
    uncertain: int
    mean_achieved: float | None
    rows: list[ForecastRow]


def forecast_accuracy(*, period: PackPeriod, limit: int = 50) -> ForecastFigures:
    """Impact reviews of the period scored against their initiative's forecast (three queries)."""
    reviews = ImpactReview.objects.filter(created_at__gte=period.start, created_at__lt=period.end).exclude(
        forecast_outcome=""
    )
    counts = reviews.aggregate(
        scored=Count("id"),
        met=Count("id", filter=Q(forecast_outcome=ForecastOutcome.MET)),
        missed=Count("id", filter=Q(forecast_outcome=ForecastOutcome.MISSED)),
        uncertain=Count("id", filter=Q(forecast_outcome=ForecastOutcome.UNCERTAIN)),
        mean_achieved=Avg("forecast_achieved"),
    )
    recorded = Initiative.objects.filter(
        forecast_recorded_at__gte=period.start, forecast_recorded_at__lt=period.end
    ).count()
    rows = [
        ForecastRow(
            initiative=r.initiative.title,
            metric=str(ForecastMetric(r.initiative.forecast_metric).label)
            if r.initiative.forecast_metric
            else "",
            change=r.initiative.forecast_change,
            achieved=r.forecast_achieved,
            outcome=r.get_forecast_outcome_display(),
            reviewed_at=r.created_at,
        )
        for r in reviews.select_related("initiative").order_by("-created_at")[:limit]
    ]
    return ForecastFigures(
        recorded=recorded,
        scored=counts["scored"],
        met=share_of(k=counts["met"], n=counts["met"] + counts["missed"]),
        uncertain=counts["uncertain"],
        mean_achieved=counts["mean_achieved"],
        rows=rows,
    )


def _stage_label(value: str) -> str:
    return str(Stage(value).label) if value in Stage.values else value


def throughput_section(*, period: PackPeriod, stall_days: int = DEFAULT_STALL_DAYS) -> Section:
    t = throughput(period=period, stall_days=stall_days)
    order = [s for s in Stage.values if s in t.reached or s in t.in_stage_now]
    return Section(
        slug="initiatives",
        title=_("Initiative throughput and stalls"),
        intro=ngettext(
            "How many initiatives moved into each stage in the period, how many are in each stage now, and "
            "those in an active stage for longer than %(days)s day.",
            "How many initiatives moved into each stage in the period, how many are in each stage now, and "
            "those in an active stage for longer than %(days)s days.",
            stall_days,
        )
        % {"days": stall_days},
        tables=[
            Table(
                caption=_("Stages"),
                headers=[_("Stage"), _("Moved into it in the period"), _("In it now")],
                rows=[
                    [_stage_label(s), number(t.reached.get(s, 0)), number(t.in_stage_now.get(s, 0))]
                    for s in order
                ],
                empty=_("No initiatives yet."),
            ),
            Table(
                caption=_("Stalled initiatives"),
                headers=[_("Initiative"), _("Stage"), _("Days in the stage")],
                rows=[[title, stage, number(days)] for title, stage, days in t.stalled],
                empty=_("No initiative is stalled."),
            ),
        ],
        notes=[
            _("Active stages: %(stages)s.")
            % {"stages": ", ".join(str(Stage(s).label) for s in ACTIVE_STAGES)}
        ],
    )


def forecast_section(*, period: PackPeriod) -> Section:
    f = forecast_accuracy(period=period)
    if f.scored == 0:
        summary = Table(caption=_("Forecasts"), headers=[], rows=[], empty=_("No forecasts yet."))
    else:
        summary = Table(
            caption=_("Forecasts"),
            headers=[_("Figure"), _("Value")],
            rows=[
                [_("Forecasts recorded at approval in the period"), number(f.recorded)],
                [_("Impact reviews scored against a forecast"), number(f.scored)],
                [_("Met (of those met or missed)"), share_text(f.met)],
                [_("Too uncertain to say"), number(f.uncertain)],
                [
                    _("Share of the forecast achieved (mean)"),
                    number(None if f.mean_achieved is None else 100 * f.mean_achieved) + " %",
                ],
            ],
        )
    return Section(
        slug="forecasts",
        title=_("Forecast accuracy"),
        intro=_("The effect the committee forecast at approval, against what the impact review measured."),
        tables=[
            summary,
            Table(
                caption=_("Scored reviews"),
                headers=[_("Initiative"), _("Metric"), _("Forecast change"), _("Achieved"), _("Outcome")],
                rows=[
                    [
                        r.initiative,
                        r.metric,
                        number(r.change, 1),
                        number(None if r.achieved is None else 100 * r.achieved) + " %",
                        r.outcome,
                    ]
                    for r in f.rows
                ],
                empty=_("No impact review has been scored against a forecast yet."),
            ),
        ],
    )
