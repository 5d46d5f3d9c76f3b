"""Difference-in-differences of NPS, and scoring a result against the committee's forecast.

Pure functions on counts (promoters, passives, detractors), no database: the impact review
(outerloop.services.impact) counts the four cells and calls these.

Method (stated in the README too). With a pilot arm and its controls, each counted in a baseline
period (before) and while the pilot runs (after):

    effect = (NPS_pilot,after - NPS_pilot,before) - (NPS_control,after - NPS_control,before)

on the plain NPS, (P - D) / n x 100. The four cells are independent samples, so the variance of the
effect is the sum of the four cells' variances. Each cell's variance is the multinomial one,
Var(p - d) = (p + d - (p - d)^2) / n, taken on the adjusted-Wald proportions (3/4 promoter,
3/2 passive and 3/4 detractor added, as cxloop.core.stats does for every NPS interval, Rocks 2016),
so that a cell of all promoters still has a variance. The 95 % interval is effect +/- 1.96 se and
the p-value the two-sided normal one, 2 (1 - Phi(|effect| / se)). The controls' change absorbs what
both arms share (the season, a price change, a campaign), which before/after alone cannot tell
from the fix.
"""

import math
from typing import NamedTuple

from cxloop.core.stats import PSEUDO_DETRACTORS, PSEUDO_PASSIVES, PSEUDO_PROMOTERS, Z95

Cell = tuple[int, int, int]  # (promoters, passives, detractors)


class DidEstimate(NamedTuple):
    effect: float
    low: float
    high: float
    p_value: float
    se: float


def _nps(cell: Cell) -> float:
    promoters, passives, detractors = cell
    return 100 * (promoters - detractors) / (promoters + passives + detractors)


def nps_variance(cell: Cell) -> float:
    """Squared standard error of one cell's NPS, in points^2 (adjusted-Wald multinomial variance)."""
    promoters, passives, detractors = cell
    n_adj = promoters + passives + detractors + PSEUDO_PROMOTERS + PSEUDO_PASSIVES + PSEUDO_DETRACTORS
    p = (promoters + PSEUDO_PROMOTERS) / n_adj
    d = (detractors + PSEUDO_DETRACTORS) / n_adj
    return 10_000 * (p + d - (p - d) ** 2) / n_adj


def did_estimate(
    *, pilot_before: Cell, pilot_after: Cell, control_before: Cell, control_after: Cell, z: float = Z95
) -> DidEstimate | None:
    """The pilot's NPS change minus the controls', with its 95 % interval; None if a cell is empty."""
    cells = (pilot_before, pilot_after, control_before, control_after)
    if any(sum(cell) == 0 for cell in cells):
        return None
    effect = (_nps(pilot_after) - _nps(pilot_before)) - (_nps(control_after) - _nps(control_before))
    se = math.sqrt(sum(nps_variance(cell) for cell in cells))
    p_value = math.erfc(abs(effect / se) / math.sqrt(2))
    return DidEstimate(effect, effect - z * se, effect + z * se, p_value, se)


def is_real(low: float | None, high: float | None) -> bool:
    """An effect is told as real when its 95 % interval excludes 0."""
    return low is not None and high is not None and (low > 0 or high < 0)


# --- the forecast --------------------------------------------------------------------------------

MET, MISSED, UNCERTAIN = "met", "missed", "uncertain"  # outerloop.models.ForecastOutcome's values


class ForecastScore(NamedTuple):
    outcome: str
    achieved: float


def forecast_score(*, forecast: float, estimate: float, low: float, high: float) -> ForecastScore:
    """Score an estimated change and its 95 % interval against the forecast change.

    Mirrored so that the forecast points up (a forecast fall of mentions is a negative change):
    - met: the interval lies wholly on the forecast's side of 0 (the change is real and goes the
      way forecast) and reaches the forecast (its far end is at least the forecast);
    - missed: the interval lies wholly short of the forecast (its far end is below it: too small,
      nothing, or the other way), so the forecast size is excluded;
    - uncertain: otherwise, i.e. the interval holds both 0 and the forecast.
    `achieved` is the share of the forecast the estimate reached (estimate / forecast).
    """
    if forecast == 0:
        raise ValueError("A forecast is a change: it cannot be 0.")
    sign = 1.0 if forecast > 0 else -1.0
    near, far = sorted((sign * low, sign * high))
    if far < sign * forecast:
        outcome = MISSED
    elif near > 0:
        outcome = MET
    else:
        outcome = UNCERTAIN
    return ForecastScore(outcome, estimate / forecast)
