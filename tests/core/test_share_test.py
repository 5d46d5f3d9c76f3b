"""The stratified share test and Benjamini-Hochberg, against hand computations and a simulation."""

from math import comb

import numpy as np
import pytest
from scipy import stats

from cxloop.core import share_test
from cxloop.core.share_test import benjamini_hochberg, share_rise


def _rise(*strata):
    """strata: (recent mentions, baseline mentions, recent volume, baseline volume) each."""
    a, b, n1, n0 = (np.array(column) for column in zip(*strata, strict=True))
    return share_rise(recent=a, baseline=b, recent_volume=n1, baseline_volume=n0)


@pytest.mark.parametrize(
    ("a", "b", "n1", "n0"), [(32, 24, 96, 288), (5, 5, 50, 50), (0, 7, 40, 90), (12, 0, 30, 300)]
)
def test_one_stratum_is_fishers_exact_test_one_sided(a, b, n1, n0):
    # when
    result = _rise((a, b, n1, n0))
    # then
    fisher = stats.fisher_exact([[a, n1 - a], [b, n0 - b]], alternative="greater").pvalue
    assert result.p_value == pytest.approx(fisher, rel=1e-9)


def test_two_strata_match_the_exact_conditional_distribution_enumerated_by_hand():
    # given: P(T >= t) summed over every (a1, a2) with the stratum margins fixed, from binomial coefficients
    strata = [(4, 2, 10, 20), (3, 1, 6, 30)]
    observed = sum(s[0] for s in strata)

    def pmf(a, m, n1, n0):
        return comb(m, a) * comb(n1 + n0 - m, n1 - a) / comb(n1 + n0, n1)

    (a1, b1, n11, n01), (a2, b2, n12, n02) = strata
    by_hand = sum(
        pmf(x, a1 + b1, n11, n01) * pmf(y, a2 + b2, n12, n02)
        for x in range(a1 + b1 + 1)
        for y in range(a2 + b2 + 1)
        if x + y >= observed
    )
    # when
    result = _rise(*strata)
    # then
    assert result.p_value == pytest.approx(by_hand, rel=1e-12)
    assert result.expected == pytest.approx(2 * 10 / 20 + 1 * 6 / 30)
    assert result.observed == 7
    assert result.ratio == pytest.approx(7 / 1.2)


def test_volume_alone_gives_no_rise_and_a_doubled_share_does():
    # given: twice the feedback and twice the mentions, against twice the mentions in the same feedback
    louder = _rise((40, 60, 320, 480))
    worse = _rise((40, 60, 160, 480))
    # then
    assert louder.ratio == pytest.approx(1.0)
    assert louder.p_value > 0.4
    assert worse.ratio == pytest.approx(2.0)
    assert worse.p_value < 1e-3


def test_a_stratum_with_no_feedback_in_one_period_adds_nothing():
    # given
    base = _rise((10, 6, 50, 100))
    # when: a new channel with mentions only in the window, and one that stopped
    with_new = _rise((10, 6, 50, 100), (9, 0, 20, 0), (0, 4, 0, 30))
    # then
    assert with_new.p_value == base.p_value
    assert (with_new.observed, with_new.expected) == (base.observed, base.expected)


def test_the_pmf_is_scipys_hypergeometric():
    # given
    support = np.arange(0, 41)
    # then
    assert share_test._hypergeometric_pmf(0, 40, 40, 300, 12_000) == pytest.approx(
        stats.hypergeom.pmf(support, 12_000, 40, 300), rel=1e-9, abs=1e-300
    )


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError, match="cannot exceed"):
        _rise((11, 0, 10, 10))


def test_the_normal_approximation_agrees_with_the_exact_test_at_large_counts(monkeypatch):
    # given: 30 strata with about 150 mentions each and a modest rise (p around 1e-3)
    rng = np.random.default_rng(7)
    n1 = rng.integers(800, 1200, 30)
    n0 = 3 * n1
    b = rng.binomial(n0, 0.05)
    a = rng.binomial(n1, 0.052)
    exact = share_rise(recent=a, baseline=b, recent_volume=n1, baseline_volume=n0)
    # when
    monkeypatch.setattr(share_test, "EXACT_SUPPORT", 10)
    normal = share_rise(recent=a, baseline=b, recent_volume=n1, baseline_volume=n0)
    # then
    assert 1e-6 < exact.p_value < 0.05
    assert normal.p_value == pytest.approx(exact.p_value, rel=0.15)


def test_benjamini_hochberg_by_hand():
    # given: sorted 0.005, 0.01, 0.03, 0.04 of m = 4 -> 0.02, 0.02, 0.04, 0.04 after the step-up minimum
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # when
    q = benjamini_hochberg(p)
    # then
    assert q == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg(np.array([0.2, 0.9])) == pytest.approx([0.4, 0.9])
    assert benjamini_hochberg(np.array([])).size == 0


def test_false_discovery_rate_stays_under_one_percent_across_many_categories_in_simulation():
    """400 runs of 60 cells each (50 flat, 10 whose share doubles), flagged at q <= 0.01: the mean
    share of flat cells among the flagged stays under 1 % (+ simulation error), and the doubled are
    found. Without the adjustment, p <= 0.01 flags about one flat cell in every three runs."""
    rng = np.random.default_rng(2026)
    runs, flat, doubled = 400, 50, 10
    proportions, found, unadjusted = [], 0, 0
    for _ in range(runs):
        n0 = rng.integers(1500, 3000, flat + doubled)
        n1 = rng.integers(500, 1000, flat + doubled)
        share = rng.uniform(0.02, 0.08, flat + doubled)
        b = rng.binomial(n0, share)
        a = rng.binomial(n1, np.where(np.arange(flat + doubled) < flat, share, 2 * share))
        tests = (
            share_rise(recent=a[c], baseline=b[c], recent_volume=n1[c], baseline_volume=n0[c])
            for c in (slice(i, i + 1) for i in range(flat + doubled))
        )
        p = np.array([test.p_value for test in tests])
        flagged = benjamini_hochberg(p) <= 0.01
        false = int(flagged[:flat].sum())
        proportions.append(false / max(1, int(flagged.sum())))
        found += int(flagged[flat:].sum())
        unadjusted += int((p[:flat] <= 0.01).sum())
    assert np.mean(proportions) < 0.01 + 0.005
    assert found / (runs * doubled) > 0.5
    assert unadjusted / runs > 0.25
