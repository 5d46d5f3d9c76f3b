"""Impact reviews: before and after a roll-out (telling the customers: close_loop)."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError
from cxloop.core.stats import csat_compare
from feedback.metrics.figures import low_sample_n, nps_comparison, nps_counts_of, nps_summary, rounded
from feedback.models import Feedback
from outerloop import events
from outerloop.did import did_estimate, forecast_score
from outerloop.models import ForecastMetric, ImpactReview, Initiative, Pilot, PilotArm, SignalKind, Stage
from outerloop.pilot_controls import arm_counts

logger = logging.getLogger(__name__)

IMPACT_AFTER = timedelta(weeks=8)


def _category_ids(initiative: Initiative) -> set[int]:
    return set(
        initiative.signals.filter(kind=SignalKind.ROOT_CAUSE, category__isnull=False).values_list(
            "category_id", flat=True
        )
    )


def _mentions(feedback, category_ids: set[int]) -> int:
    """Feedback rows about one of the categories (the one definition: feedback.models.mention_q)."""
    from innerloop.both_sides import without_not_a_fit  # feedback judged "customer not a fit": left out

    return without_not_a_fit(feedback.mentioning(category_ids)).count()


def _pilot_of(initiative: Initiative) -> Pilot | None:
    """The pilot the review measures: the latest stage's that has started (customer test first)."""
    started = initiative.pilots.filter(started_at__isnull=False)
    return started.order_by("stage", "-started_at").first()  # "customer_test" sorts before "pre_test"


def _did_fields(pilot: Pilot, *, now) -> dict:
    """The difference-in-differences of NPS: the pilot arm's change minus the controls', baseline
    against the pilot's run (to its end, or `now`), with each cell's counts in `did_detail`."""
    assert pilot.started_at is not None  # _pilot_of picks started pilots only
    run_end = pilot.ended_at or now
    cells = {
        f"{arm}_{period}": arm_counts(pilot=pilot, arm=arm, start=start, end=end)
        for arm in (PilotArm.PILOT, PilotArm.CONTROL)
        for period, start, end in (
            ("before", pilot.baseline_start, pilot.baseline_end),
            ("after", pilot.started_at, run_end),
        )
    }
    cell = {name: (c.promoters, c.passives, c.detractors) for name, c in cells.items()}
    estimate = did_estimate(
        pilot_before=cell["pilot_before"], pilot_after=cell["pilot_after"],
        control_before=cell["control_before"], control_after=cell["control_after"],
    )  # fmt: skip
    low_n = low_sample_n()
    detail = {
        "pilot": pilot.pk,
        "stage": pilot.stage,
        "baseline": [pilot.baseline_start.isoformat(), pilot.baseline_end.isoformat()],
        "run": [pilot.started_at.isoformat(), run_end.isoformat()],
        "cells": {name: {**nps_summary(c, low_n=low_n), "n": c.n} for name, c in cells.items()},
        "method": "difference in differences; 95 % normal interval, variance summed over the four cells",
    }
    if estimate is None:
        return {"did_detail": detail}
    return {
        "did_effect": rounded(estimate.effect),
        "did_low": rounded(estimate.low),
        "did_high": rounded(estimate.high),
        "did_p_value": estimate.p_value,
        "did_detail": detail,
    }


def _forecast_fields(initiative: Initiative, fields: dict, totals: dict, mentions: dict) -> dict:
    """Score the result against the committee's forecast: NPS by the pilot's difference-in-differences
    when there is one (else before/after), recurrence by the change in mentions per 1,000 feedback."""
    if initiative.forecast_recorded_at is None or initiative.forecast_change is None:
        return {}
    if initiative.forecast_metric == ForecastMetric.NPS and fields.get("did_effect") is not None:
        basis, estimate, low, high = "pilot", fields["did_effect"], fields["did_low"], fields["did_high"]
    elif initiative.forecast_metric == ForecastMetric.NPS:
        basis, estimate = "before_after", fields["nps_difference"]
        low, high = fields["nps_difference_low"], fields["nps_difference_high"]
    else:
        change = csat_compare(
            current=(mentions["after"], totals["after"]), previous=(mentions["before"], totals["before"])
        )
        basis, estimate = "before_after", None if change.difference is None else 10 * change.difference
        low, high = (10 * change.ci.low, 10 * change.ci.high) if change.ci else (None, None)
    if estimate is None or low is None or high is None:
        return {}
    score = forecast_score(forecast=initiative.forecast_change, estimate=estimate, low=low, high=high)
    detail = {"basis": basis, "estimate": rounded(estimate), "low": rounded(low), "high": rounded(high)}
    return {
        "forecast_outcome": score.outcome,
        "forecast_achieved": rounded(score.achieved, 3),
        "did_detail": {**fields.get("did_detail", {}), "forecast": detail},
    }


def _periods(initiative: Initiative, pilot: Pilot | None, *, after: timedelta, now) -> tuple:
    """Equal periods before and after the split: the roll-out, or for an initiative still in its
    pilot, the pilot's start."""
    split = initiative.rolled_out_at or (pilot.started_at if pilot else None)
    if split is None:
        raise ApplicationError(
            _("The initiative has not been rolled out yet, nor has a pilot of it started."),
            {"stage": ["not rolled out"]},
        )
    after_end = min(now, split + after)
    length = max(after_end - split, timedelta(days=1))
    return split - length, split, after_end


@transaction.atomic
def impact_review_compute(
    *, initiative: Initiative, after: timedelta = IMPACT_AFTER, now=None
) -> ImpactReview:
    """NPS and root-cause recurrence in equal periods before and after the roll-out; with a pilot,
    the difference-in-differences of NPS against its controls; scored against the forecast.

    Scope: the target touchpoint when the initiative has one, else all feedback. NPS difference and
    its two-sided p-value come from the metrics layer (feedback.metrics.figures: adjusted Wald, Rocks 2016);
    recurrence is mentions of the signals' categories per 1,000 feedback rows.
    """
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    now = now or timezone.now()
    pilot = _pilot_of(initiative)
    before_start, split, after_end = _periods(initiative, pilot, after=after, now=now)
    scope = Feedback.objects.all()
    if initiative.target_touchpoint_id:
        scope = scope.filter(touchpoint_id=initiative.target_touchpoint_id)
    before = scope.filter(occurred_at__gte=before_start, occurred_at__lt=split)
    after_rows = scope.filter(occurred_at__gte=split, occurred_at__lt=after_end)
    nps_before, nps_after = nps_counts_of(before), nps_counts_of(after_rows)
    comparison = nps_comparison(nps_after, nps_before)
    low_n = low_sample_n()
    figures_before, figures_after = nps_summary(nps_before, low_n=low_n), nps_summary(nps_after, low_n=low_n)
    categories = _category_ids(initiative)
    totals = {"before": before.count(), "after": after_rows.count()}
    mentions = {"before": _mentions(before, categories), "after": _mentions(after_rows, categories)}

    def rate(key):
        return round(1000 * mentions[key] / totals[key], 2) if totals[key] else None

    fields = {
        "nps_before": figures_before["nps"],
        "nps_after": figures_after["nps"],
        "nps_difference": comparison.difference,
        "nps_p_value": comparison.p_value,
        "nps_before_low": figures_before["ci_low"],
        "nps_before_high": figures_before["ci_high"],
        "nps_after_low": figures_after["ci_low"],
        "nps_after_high": figures_after["ci_high"],
        "nps_difference_low": rounded(comparison.ci.low) if comparison.ci else None,
        "nps_difference_high": rounded(comparison.ci.high) if comparison.ci else None,
        "recurrence_before": rate("before"),
        "recurrence_after": rate("after"),
    }
    if pilot is not None:
        fields.update(_did_fields(pilot, now=now))
    fields.update(_forecast_fields(initiative, fields, totals, mentions))
    review = ImpactReview.objects.create(
        initiative=initiative, before_start=before_start, split_at=split, after_end=after_end,
        n_before=nps_before.n, n_after=nps_after.n, mentions_before=mentions["before"],
        mentions_after=mentions["after"], **fields,
    )  # fmt: skip
    events.initiative_impact_reviewed(initiative=initiative, review=review)
    return review


def impact_reviews_due_ids(*, after: timedelta = IMPACT_AFTER, now=None) -> list[int]:
    """Rolled-out initiatives whose review time has come and that have no review yet."""
    now = now or timezone.now()
    return list(
        Initiative.objects.filter(
            stage=Stage.ROLLED_OUT, rolled_out_at__lte=now - after, impact_reviews__isnull=True
        ).values_list("pk", flat=True)
    )


# Closing the loop with customers and staff: outerloop.services.close_loop.


def impact_reviews_mark_discussed(*, review_ids: list[int]) -> int:
    """The committee discussed these reviews (governance calls this when a meeting is held)."""
    return ImpactReview.objects.filter(pk__in=review_ids, discussed_at__isnull=True).update(
        discussed_at=timezone.now()
    )
