"""Recovered against unrecovered detractors of the same value tier: pure figures from outcomes.

Each outcome is one customer's first detractor case that was resolved and whose recovery was
checked, followed for a window after its resolution: their first later answer on the NPS scale,
their net revenue (orders and renewals less refunds) and whether they churned. Per value tier the
two groups are compared (recovered minus unrecovered):

- later NPS: each group's NPS with its adjusted-Wald interval and the difference with its interval
  (cxloop.core.stats.nps_compare). The difference shown is the adjusted-Wald one, the centre of
  that interval, so the point always lies inside it; with few answers it is pulled towards 0 and
  can differ from the difference of the two plain scores;
- revenue: each group's mean per customer with its t interval, and Welch's interval of the difference;
- churn: each group's share churned with its Wilson interval, and Newcombe's hybrid-score interval
  of the difference (cxloop.core.stats.csat_compare, on proportions).

Overall, the tiers' differences are combined with weights w_t = N_t / sum N (N_t: the tier's
customers in both groups), so the overall figure compares like with like (a top-value customer is
never set against a standard one): d = sum w_t d_t, se = sqrt(sum w_t^2 se_t^2), d +/- 1.96 se,
clipped to the possible range (+/-200 NPS points, +/-100 churn points). Each tier's d_t is the
estimate its se belongs to: the plain difference with Welch's se for revenue, the adjusted-Wald
difference with its se for NPS, and Agresti-Caffo's (one churn and one stay added to each group)
for churn, so a tier with no churn still has a spread; the overall figure shown is that combined
d, the centre of its interval. When only one tier can be compared, the overall figure is that
tier's own estimate and interval.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import stdtrit

from cxloop.core import stats
from feedback.metrics.figures import is_low_sample
from feedback.scales import PASSIVE_MIN, PROMOTER_MIN


@dataclass(frozen=True)
class Outcome:
    tier: str
    recovered: bool
    later_score: int | None  # first NPS answer (0-10) in the window, None when they gave none
    revenue: float  # net: orders and renewals less refunds, in the window
    churned: bool


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None = None
    high: float | None = None

    @classmethod
    def of(cls, value: float | None, interval: stats.Interval | None) -> "Estimate":
        if value is None or interval is None:
            return cls(value)
        return cls(value, interval.low, interval.high)

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


@dataclass(frozen=True)
class Group:
    n: int
    answered: int  # customers with a later NPS answer
    nps: Estimate
    revenue: Estimate
    churn: Estimate  # percent

    @property
    def low_sample(self) -> bool:
        return is_low_sample(self.n)


@dataclass(frozen=True)
class Comparison:
    label: str  # the tier's key, or "" for all tiers
    recovered: Group
    unrecovered: Group
    nps: Estimate  # points
    revenue: Estimate  # money per customer
    churn: Estimate  # percentage points

    @property
    def n(self) -> int:
        return self.recovered.n + self.unrecovered.n

    @property
    def low_sample(self) -> bool:
        return self.recovered.low_sample or self.unrecovered.low_sample


def _nps_counts(scores: Sequence[int]) -> tuple[int, int, int]:
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN)
    passives = sum(1 for s in scores if PASSIVE_MIN <= s < PROMOTER_MIN)
    return promoters, passives, len(scores) - promoters - passives


def _mean_interval(values: np.ndarray) -> Estimate:
    if values.size == 0:
        return Estimate(None)
    mean = float(values.mean())
    if values.size < 2:
        return Estimate(mean)
    half = float(stdtrit(values.size - 1, stats.T_LEVEL)) * float(values.std(ddof=1)) / math.sqrt(values.size)
    return Estimate(mean, mean - half, mean + half)


def _group(outcomes: list[Outcome]) -> Group:
    scores = [o.later_score for o in outcomes if o.later_score is not None]
    promoters, passives, detractors = _nps_counts(scores)
    figures = stats.nps_figures(promoters, passives, detractors)
    churned = sum(o.churned for o in outcomes)
    wilson = stats.wilson_interval(successes=churned, n=len(outcomes))
    return Group(
        n=len(outcomes),
        answered=len(scores),
        nps=Estimate(*figures) if figures else Estimate(None),
        revenue=_mean_interval(np.array([o.revenue for o in outcomes], dtype=float)),
        churn=Estimate(
            100 * churned / len(outcomes) if outcomes else None,
            100 * wilson.low if wilson else None,
            100 * wilson.high if wilson else None,
        ),
    )


# --- differences within a tier, each with the standard error the overall combination uses ---


@dataclass(frozen=True)
class _Part:
    estimate: Estimate  # what the tier's row shows
    centre: float | None = None  # the estimate se belongs to, which the overall combines
    se: float | None = None  # None: the tier cannot be compared on this figure


NPS_RANGE = 200.0  # an NPS difference lies in [-200, 200] points
CHURN_RANGE = 100.0  # a difference of two shares in [-100, 100] percentage points


def _nps_difference(a: list[Outcome], b: list[Outcome]) -> _Part:
    counts_a = _nps_counts([o.later_score for o in a if o.later_score is not None])
    counts_b = _nps_counts([o.later_score for o in b if o.later_score is not None])
    if not sum(counts_a) or not sum(counts_b):
        return _Part(Estimate(None))
    compared = stats.nps_compare(current=counts_a, previous=counts_b)
    nps_a, se2_a = stats._nps_adjusted(*counts_a)  # the one home of the adjusted-Wald variance
    nps_b, se2_b = stats._nps_adjusted(*counts_b)
    # nps_compare reports the plain difference with an interval centred on the adjusted one, so
    # with few answers the plain point can fall outside it: show the interval's own centre.
    adjusted = 100 * (nps_a - nps_b)
    return _Part(Estimate.of(adjusted, compared.ci), adjusted, 100 * math.sqrt(se2_a + se2_b))


def _revenue_difference(a: list[Outcome], b: list[Outcome]) -> _Part:
    x = np.array([o.revenue for o in a], dtype=float)
    y = np.array([o.revenue for o in b], dtype=float)
    if x.size < 2 or y.size < 2:
        return _Part(Estimate(None))
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    difference, se = float(x.mean() - y.mean()), math.sqrt(va + vb)
    if se == 0:
        return _Part(Estimate(difference, difference, difference), difference, 0.0)
    df = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
    half = float(stdtrit(df, stats.T_LEVEL)) * se
    return _Part(Estimate(difference, difference - half, difference + half), difference, se)


def _churn_difference(a: list[Outcome], b: list[Outcome]) -> _Part:
    if not a or not b:
        return _Part(Estimate(None))
    ca, cb = sum(o.churned for o in a), sum(o.churned for o in b)
    compared = stats.csat_compare(current=(ca, len(a)), previous=(cb, len(b)))
    pa, pb = (ca + 1) / (len(a) + 2), (cb + 1) / (len(b) + 2)  # Agresti-Caffo
    se = 100 * math.sqrt(pa * (1 - pa) / (len(a) + 2) + pb * (1 - pb) / (len(b) + 2))
    return _Part(Estimate.of(compared.difference, compared.ci), 100 * (pa - pb), se)


def _stratified(parts: list[tuple[int, _Part]], bound: float | None = None) -> Estimate:
    """sum w_t c_t with w_t = N_t / sum N over the tiers that can be compared (c_t: the estimate
    each tier's se belongs to), and its z interval clipped to [-bound, bound]; with one such tier,
    that tier's own estimate and interval."""
    usable = [
        (n, part.centre, part.se, part.estimate)
        for n, part in parts
        if part.se is not None and part.centre is not None
    ]
    total = sum(n for n, _, _, _ in usable)
    if not total:
        return Estimate(None)
    if len(usable) == 1:
        return usable[0][3]
    value = sum(n / total * centre for n, centre, _, _ in usable)
    se = math.sqrt(sum((n / total) ** 2 * part_se**2 for n, _, part_se, _ in usable))
    low, high = value - stats.Z95 * se, value + stats.Z95 * se
    if bound is not None:
        value, low, high = (min(bound, max(-bound, x)) for x in (value, low, high))
    return Estimate(value, low, high)


def compare(outcomes: Iterable[Outcome], *, tiers: Sequence[str]) -> tuple[list[Comparison], Comparison]:
    """Per tier (in the order given, those with anyone in them) and overall, stratified by tier."""
    by_tier: dict[str, tuple[list[Outcome], list[Outcome]]] = {tier: ([], []) for tier in tiers}
    for outcome in outcomes:
        recovered, unrecovered = by_tier.setdefault(outcome.tier, ([], []))
        (recovered if outcome.recovered else unrecovered).append(outcome)
    rows, parts = [], []
    for tier, (a, b) in by_tier.items():
        if not a and not b:
            continue
        nps, revenue, churn = _nps_difference(a, b), _revenue_difference(a, b), _churn_difference(a, b)
        rows.append(Comparison(tier, _group(a), _group(b), nps.estimate, revenue.estimate, churn.estimate))
        parts.append((len(a) + len(b), nps, revenue, churn))
    every_a = [o for a, _ in by_tier.values() for o in a]
    every_b = [o for _, b in by_tier.values() for o in b]
    overall = Comparison(
        "",
        _group(every_a),
        _group(every_b),
        nps=_stratified([(n, nps) for n, nps, _, _ in parts], NPS_RANGE),
        revenue=_stratified([(n, revenue) for n, _, revenue, _ in parts]),
        churn=_stratified([(n, churn) for n, _, _, churn in parts], CHURN_RANGE),
    )
    return rows, overall
