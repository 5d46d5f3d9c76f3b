"""Did a category's share of feedback rise? A stratified exact test, and false-discovery control.

Pure functions on counts, so they can be checked against hand-computed examples.

The share test compares a recent window with a baseline in strata (for signal detection: journey
stage x touchpoint x source). In stratum k there are n1_k feedback rows in the window and n0_k in
the baseline, of which a_k and b_k mention the category. Under "no change in share" (the same
chance of a mention in the window as in the baseline, stratum by stratum), given the stratum's
m_k = a_k + b_k mentions, a_k is hypergeometric: m_k mentions among n1_k + n0_k rows, n1_k of
them drawn for the window. The statistic is T = sum(a_k), whose exact distribution is the
convolution of those hypergeometric laws: the exact conditional test of Mantel and Haenszel
(R's `mantelhaen.test(exact = TRUE)`, one-sided "greater"). Because every stratum's volume is
given, more feedback alone (a seasonal peak, a campaign, a busier channel) never raises T above
what it expects: only a higher share does. A stratum without feedback in one of the two periods
has no comparison to offer and adds nothing. Above EXACT_SUPPORT the convolution is replaced by
the Cochran-Mantel-Haenszel normal approximation with a continuity correction, which is accurate
at those counts.

`benjamini_hochberg` turns the p-values of all cells tested in one run into q-values (Benjamini &
Hochberg 1995, step-up): flagging the cells with q <= 0.01 keeps the expected share of false
discoveries among the flagged at 1 % or below, however many categories are tested.
"""

from typing import NamedTuple

import numpy as np
from scipy import special, stats

# Above this many possible values of T, the normal approximation (the exact convolution costs the
# square of it; at these counts the two agree to well within the thresholds used).
EXACT_SUPPORT = 4000
# The smallest p-value reported: probabilities below it underflow and all mean "certain".
P_FLOOR = 1e-300


class ShareRise(NamedTuple):
    """A window's mentions against what the baseline's share predicts at the window's volume.

    `observed` counts mentions in strata that had baseline feedback (the comparable ones);
    `expected` is sum(b_k * n1_k / n0_k) over those strata; `ratio` is observed / expected
    (None when the baseline had no mention at all: a new theme).
    """

    observed: int
    expected: float
    ratio: float | None
    p_value: float


def share_rise(
    *,
    recent: np.ndarray,
    baseline: np.ndarray,
    recent_volume: np.ndarray,
    baseline_volume: np.ndarray,
) -> ShareRise:
    """One-sided test that the share of mentions rose from the baseline to the window (see module doc)."""
    a, b = np.asarray(recent, dtype=np.int64), np.asarray(baseline, dtype=np.int64)
    n1, n0 = np.asarray(recent_volume, dtype=np.int64), np.asarray(baseline_volume, dtype=np.int64)
    if np.any(a > n1) or np.any(b > n0) or np.any(a < 0) or np.any(b < 0):
        raise ValueError("mentions cannot exceed the feedback they are counted in")
    comparable = (n1 > 0) & (n0 > 0)
    observed = int(a[comparable].sum())
    expected = float((b[comparable] * n1[comparable] / n0[comparable]).sum())
    ratio = observed / expected if expected > 0 else None
    informative = comparable & (a + b > 0)
    p_value = _p_value(a[informative], a[informative] + b[informative], n1[informative], n0[informative])
    return ShareRise(observed=observed, expected=expected, ratio=ratio, p_value=p_value)


def _p_value(a: np.ndarray, m: np.ndarray, n1: np.ndarray, n0: np.ndarray) -> float:
    if a.size == 0:
        return 1.0
    low = np.maximum(0, m - n0)
    high = np.minimum(m, n1)
    observed = int(a.sum())
    if int((high - low).sum()) > EXACT_SUPPORT:
        return _p_normal(observed, m, n1, n0)
    distribution = np.ones(1)
    for lo, hi, mentions, window, total in zip(low, high, m, n1, n1 + n0, strict=True):
        distribution = np.convolve(distribution, _hypergeometric_pmf(lo, hi, mentions, window, total))
    # distribution[i] is P(T = low.sum() + i); all terms are positive, so tiny tails keep their precision.
    index = observed - int(low.sum())
    return float(min(1.0, max(P_FLOOR, distribution[index:].sum())))


def _log_comb(n: np.ndarray | int, k: np.ndarray | int) -> np.ndarray:
    """log C(n, k), from the log of the beta function (accurate where differences of lgamma are not)."""
    return -np.log1p(n) - special.betaln(n - k + 1, k + 1)


def _hypergeometric_pmf(low: int, high: int, mentions: int, window: int, total: int) -> np.ndarray:
    """P(a) for a in low..high: `mentions` among `total` rows, `window` rows drawn for the window.

    The same numbers as scipy.stats.hypergeom.pmf, without its per-call overhead (this runs once per
    stratum of every cell).
    """
    a = np.arange(low, high + 1)
    log_pmf = _log_comb(mentions, a) + _log_comb(total - mentions, window - a) - _log_comb(total, window)
    return np.exp(log_pmf)


def _p_normal(observed: int, m: np.ndarray, n1: np.ndarray, n0: np.ndarray) -> float:
    total = (n1 + n0).astype(np.float64)
    mean = float((m * n1 / total).sum())
    variance = float((m * (total - m) * n1 * n0 / (total * total * np.maximum(total - 1, 1))).sum())
    if variance <= 0:
        return 1.0
    z = (observed - mean - 0.5) / variance**0.5
    return float(max(P_FLOOR, stats.norm.sf(z)))


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """q-values (Benjamini-Hochberg adjusted p-values), in the order given."""
    p = np.asarray(p_values, dtype=np.float64)
    count = p.size
    if count == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * count / np.arange(1, count + 1)
    # q_(i) = min over j >= i of p_(j) * m / j, never above 1.
    adjusted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    q = np.empty(count)
    q[order] = adjusted
    return q
