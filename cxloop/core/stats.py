"""NPS, CSAT and CES with their 95 % intervals, and two-period comparisons: pure functions on counts.

Everything here takes additive counts (what the rollup stores), never raw rows, so the same
numbers come out whether the counts were summed from the rollup or from feedback_feedback.
No responses is never an error: the estimate and its interval are None.

References
- NPS, adjusted Wald: Rocks, B. (2016) "Interval Estimation for the Net Promoter Score",
  The American Statistician 70(4), 365-372; Sauro & Lewis, MeasuringU, "Confidence intervals for
  Net Promoter Scores" (2021); and Rocks' own R package `NPS` (brendan-r/NPS, R/nps_tests.R),
  whose `nps_test_` adds pseudo-observations c(0.75, 1.50, 0.75) to (detractors, passives,
  promoters), takes the variance of the adjusted proportions as (p + d) - (p - d)^2 and the
  standard error as sqrt(var / n'), and, for two samples, sqrt(var1 / n1' + var2 / n2').
- CSAT: Wilson (1927) score interval; Newcombe (1998) "Two-sided confidence intervals for the
  single proportion", Statistics in Medicine 17, 857-872 (worked examples used in the tests) and
  Newcombe (1998) "Interval estimation for the difference between independent proportions",
  Statistics in Medicine 17, 873-890, method 10 (hybrid score) for the difference.
- CES: Student's t interval for a mean; Welch's t-test with Welch-Satterthwaite degrees of freedom.
"""

import math
from typing import NamedTuple

# Student's t CDF and its inverse, straight from scipy.special (scipy.stats.t is ~40x slower per call).
from scipy.special import stdtr, stdtrit

# Two-sided 95 %: the 1.96 of Sauro & Lewis and of the design document (qnorm(0.975) = 1.95996...).
Z95 = 1.96
T_LEVEL = 0.975

# The adjusted-Wald pseudo-observations: 3/4 promoter, 3/2 passive, 3/4 detractor (3 in all).
PSEUDO_PROMOTERS = 0.75
PSEUDO_PASSIVES = 1.5
PSEUDO_DETRACTORS = 0.75


class Interval(NamedTuple):
    low: float
    high: float


class Comparison(NamedTuple):
    """Current minus previous, with the interval of the difference and a two-sided p-value."""

    difference: float | None
    ci: Interval | None
    p_value: float | None


NO_COMPARISON = Comparison(None, None, None)


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _two_sided_normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


# --- NPS ---


def nps_point(*, promoters: int, passives: int, detractors: int) -> float | None:
    """The plain NPS, (P - D) / n x 100, or None without responses."""
    n = promoters + passives + detractors
    if n == 0:
        return None
    return 100 * (promoters - detractors) / n


def _nps_adjusted(promoters: int, passives: int, detractors: int) -> tuple[float, float]:
    """The adjusted-Wald NPS on [-1, 1] and the squared standard error of it."""
    n_adj = promoters + passives + detractors + PSEUDO_PROMOTERS + PSEUDO_PASSIVES + PSEUDO_DETRACTORS
    p = (promoters + PSEUDO_PROMOTERS) / n_adj
    d = (detractors + PSEUDO_DETRACTORS) / n_adj
    nps = p - d
    variance = p + d - nps**2
    return nps, variance / n_adj


def nps_figures(
    promoters: int, passives: int, detractors: int, z: float = Z95
) -> tuple[float, float, float] | None:
    """The plain NPS and its 95 % adjusted-Wald interval, (nps, low, high) on -100..100, or None.

    What `nps_point` and `nps_interval` say, in one positional call: reports make it once per
    group, thousands of times.
    """
    n = promoters + passives + detractors
    if n == 0:
        return None
    nps, se2 = _nps_adjusted(promoters, passives, detractors)
    half = z * math.sqrt(se2)
    # min/max inline, not _clamp: this runs once per group of every report.
    low, high = max(-100.0, 100 * (nps - half)), min(100.0, 100 * (nps + half))
    return 100 * (promoters - detractors) / n, low, high


def nps_interval(*, promoters: int, passives: int, detractors: int, z: float = Z95) -> Interval | None:
    """95 % adjusted-Wald interval of the NPS on -100..100 (Rocks 2016; Sauro & Lewis).

    With n' = n + 3, p' = (P + 0.75) / n', d' = (D + 0.75) / n' and NPS' = p' - d', the variance
    is p' + d' - NPS'^2 and the interval NPS' +/- z sqrt(variance / n'), times 100 and clamped to
    [-100, 100]. The interval is centred on the adjusted NPS', while the reported point estimate
    stays the plain (P - D) / n (`nps_point`), as in Rocks' `nps_test`: the adjustment exists to
    give intervals good coverage at small n and at the extremes (all promoters, all detractors),
    not to change the score people know. None without responses.
    """
    figures = nps_figures(promoters, passives, detractors, z)
    return None if figures is None else Interval(figures[1], figures[2])


def nps_compare(
    *,
    current: tuple[int, int, int],
    previous: tuple[int, int, int],
    z: float = Z95,
) -> Comparison:
    """Difference of two NPS, each given as (promoters, passives, detractors), current minus previous.

    The difference reported is of the plain scores; its interval and the z-test use the two
    adjusted-Wald estimates with the sum of their variances (Rocks' two-sample `nps_test`):
    se = sqrt(var1 / n1' + var2 / n2'), z = (NPS1' - NPS2') / se, p = 2 (1 - Phi(|z|)). The interval
    is clamped to [-200, 200]. Nothing to compare when either period has no responses.
    """
    current_nps = nps_point(promoters=current[0], passives=current[1], detractors=current[2])
    previous_nps = nps_point(promoters=previous[0], passives=previous[1], detractors=previous[2])
    if current_nps is None or previous_nps is None:  # a period without responses
        return NO_COMPARISON
    nps_1, se2_1 = _nps_adjusted(*current)
    nps_2, se2_2 = _nps_adjusted(*previous)
    adjusted = nps_1 - nps_2
    se = math.sqrt(se2_1 + se2_2)
    difference = current_nps - previous_nps
    return Comparison(
        difference=difference,
        ci=Interval(
            _clamp(100 * (adjusted - z * se), -200, 200), _clamp(100 * (adjusted + z * se), -200, 200)
        ),
        p_value=_two_sided_normal_p(adjusted / se),
    )


# --- CSAT: a proportion ---


def wilson_interval(*, successes: int, n: int, z: float = Z95) -> Interval | None:
    """Wilson score interval of a proportion, on 0..1; None when n is 0."""
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def csat_percent(*, satisfied: int, n: int) -> float | None:
    """Percentage of satisfied responses (4 or 5 of 1-5), or None without responses."""
    return 100 * satisfied / n if n else None


def csat_interval(*, satisfied: int, n: int, z: float = Z95) -> Interval | None:
    """95 % Wilson interval of the percentage satisfied."""
    interval = wilson_interval(successes=satisfied, n=n, z=z)
    return Interval(100 * interval.low, 100 * interval.high) if interval else None


def csat_compare(*, current: tuple[int, int], previous: tuple[int, int], z: float = Z95) -> Comparison:
    """Difference in percentage points of two (satisfied, n) pairs, current minus previous.

    Interval: Newcombe's hybrid score interval (method 10) from the two Wilson intervals.
    p-value: the pooled two-proportion z-test; 1.0 when the pooled proportion is 0 or 1 (both
    periods all satisfied, or none), where the two proportions are necessarily equal.
    """
    (s1, n1), (s2, n2) = current, previous
    w1, w2 = wilson_interval(successes=s1, n=n1, z=z), wilson_interval(successes=s2, n=n2, z=z)
    if w1 is None or w2 is None:  # a period without responses
        return NO_COMPARISON
    p1, p2 = s1 / n1, s2 / n2
    difference = p1 - p2
    low = difference - math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2)
    high = difference + math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2)
    pooled = (s1 + s2) / (n1 + n2)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p_value = _two_sided_normal_p(difference / se0) if se0 > 0 else 1.0
    return Comparison(100 * difference, Interval(100 * low, 100 * high), p_value)


# --- CES: a mean ---


def mean_of(*, n: int, total: int) -> float | None:
    return total / n if n else None


def _sample_variance(*, n: int, total: int, total_sq: int) -> float:
    """Unbiased variance from integer sums; the numerator is exact (no float cancellation)."""
    return max(0, n * total_sq - total * total) / (n * (n - 1))


def mean_interval(*, n: int, total: int, total_sq: int, level: float = T_LEVEL) -> Interval | None:
    """Student's t interval of the mean from n, sum and sum of squares; None below 2 responses."""
    if n < 2:
        return None
    mean = total / n
    se = math.sqrt(_sample_variance(n=n, total=total, total_sq=total_sq) / n)
    half = float(stdtrit(n - 1, level)) * se
    return Interval(mean - half, mean + half)


def mean_compare(
    *, current: tuple[int, int, int], previous: tuple[int, int, int], level: float = T_LEVEL
) -> Comparison:
    """Welch's t-test on two (n, sum, sum of squares), current minus previous.

    se = sqrt(s1^2/n1 + s2^2/n2), Welch-Satterthwaite degrees of freedom, two-sided p-value. Needs
    two responses in each period. When both periods have no spread at all (se = 0), the interval
    collapses onto the difference and p is 1.0 for equal means, 0.0 otherwise (the limit of t).
    """
    (n1, t1, q1), (n2, t2, q2) = current, previous
    if n1 < 2 or n2 < 2:
        return NO_COMPARISON
    difference = t1 / n1 - t2 / n2
    a = _sample_variance(n=n1, total=t1, total_sq=q1) / n1
    b = _sample_variance(n=n2, total=t2, total_sq=q2) / n2
    se = math.sqrt(a + b)
    if se == 0:
        return Comparison(difference, Interval(difference, difference), 1.0 if difference == 0 else 0.0)
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    half = float(stdtrit(df, level)) * se
    p_value = float(2 * stdtr(df, -abs(difference) / se))
    return Comparison(difference, Interval(difference - half, difference + half), p_value)
