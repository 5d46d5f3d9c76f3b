"""The metric formulas (cxloop/core/stats.py) against worked examples computed by hand.

NPS intervals are adjusted Wald (Rocks 2016; Sauro & Lewis): n' = n + 3, p' = (P + 0.75) / n',
d' = (D + 0.75) / n', NPS' = p' - d', var = p' + d' - NPS'^2, CI = NPS' +/- 1.96 sqrt(var / n').
"""

import math

import pytest
from scipy import stats as scipy_stats

from cxloop.core import stats

APPROX = {"abs": 0.005}


@pytest.mark.parametrize(
    ("counts", "nps", "low", "high"),
    [
        # n = 10: n' = 13, p' = 5.75/13 = .44231, d' = 2.75/13 = .21154, NPS' = .23077,
        # var = .65385 - .05325 = .60059, se = sqrt(.60059/13) = .21494, 1.96 se = .42128
        ((5, 3, 2), 30.0, -19.05, 65.21),
        # all promoters: p' = 10.75/13, d' = .75/13, NPS' = .76923, var = .29290, se = .15010;
        # the upper end, 106.34, is clamped to 100
        ((10, 0, 0), 100.0, 47.50, 100.0),
        # all detractors: the mirror image
        ((0, 0, 10), -100.0, -100.0, -47.50),
        # one promoter: n' = 4, p' = .4375, d' = .1875, NPS' = .25, var = .5625, se = .375
        ((1, 0, 0), 100.0, -48.5, 98.5),
        # one passive: p' = d' = .1875, NPS' = 0, var = .375, se = .30619
        ((0, 1, 0), 0.0, -60.01, 60.01),
    ],
)
def test_nps_and_its_adjusted_wald_interval(counts, nps, low, high):
    # given
    promoters, passives, detractors = counts
    # when
    point = stats.nps_point(promoters=promoters, passives=passives, detractors=detractors)
    interval = stats.nps_interval(promoters=promoters, passives=passives, detractors=detractors)
    # then: the point is the plain (P - D) / n, the interval the adjusted one
    assert point == pytest.approx(nps)
    assert (interval.low, interval.high) == (pytest.approx(low, **APPROX), pytest.approx(high, **APPROX))


def test_no_responses_give_no_score_and_no_interval():
    # when
    point = stats.nps_point(promoters=0, passives=0, detractors=0)
    interval = stats.nps_interval(promoters=0, passives=0, detractors=0)
    # then
    assert (point, interval) == (None, None)


def test_nps_difference_is_a_z_test_on_two_adjusted_estimates():
    # given: 50/30/20 now, 40/30/30 before (NPS 30 and 10)
    # n' = 103 for both; now: p' = .49272, d' = .20146, NPS' = .29126, var = .60934, var/n' = .0059159;
    # before: p' = .39563, d' = .29854, NPS' = .09709, var = .68475, var/n' = .0066480;
    # se = sqrt(.0125639) = .11209; z = .19417 / .11209 = 1.7323; p = 2 (1 - Phi(1.7323)) = .0832;
    # CI = 100 (.19417 +/- 1.96 x .11209) = (-2.55, 41.39)
    # when
    comparison = stats.nps_compare(current=(50, 30, 20), previous=(40, 30, 30))
    # then
    assert comparison.difference == pytest.approx(20.0)
    assert comparison.ci.low == pytest.approx(-2.55, **APPROX)
    assert comparison.ci.high == pytest.approx(41.39, **APPROX)
    assert comparison.p_value == pytest.approx(0.0832, abs=0.0005)


@pytest.mark.parametrize(("current", "previous"), [((0, 0, 0), (4, 1, 1)), ((4, 1, 1), (0, 0, 0))])
def test_nothing_to_compare_when_a_period_has_no_responses(current, previous):
    # when
    comparison = stats.nps_compare(current=current, previous=previous)
    # then
    assert comparison == stats.Comparison(None, None, None)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, Table II, method 3 (Wilson score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe(successes, n, low, high):
    # when
    interval = stats.wilson_interval(successes=successes, n=n)
    # then
    assert (interval.low, interval.high) == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_csat_is_the_percentage_of_fours_and_fives_with_its_wilson_interval():
    # given: 81 of 263 satisfied
    # when
    percent = stats.csat_percent(satisfied=81, n=263)
    interval = stats.csat_interval(satisfied=81, n=263)
    # then
    assert percent == pytest.approx(30.80, **APPROX)
    assert (interval.low, interval.high) == (pytest.approx(25.53, **APPROX), pytest.approx(36.62, **APPROX))


def test_csat_without_responses_is_none():
    # when / then
    assert (stats.csat_percent(satisfied=0, n=0), stats.csat_interval(satisfied=0, n=0)) == (None, None)


def test_csat_difference_matches_newcombe_method_10():
    # given: Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 against 48/80,
    # hybrid score interval (method 10) 0.0524 to 0.3339; pooled z-test by hand: pooled = 104/150,
    # se0 = sqrt(.69333 x .30667 x (1/70 + 1/80)) = .075461, z = .2 / .075461 = 2.6504, p = .00804
    # when
    comparison = stats.csat_compare(current=(56, 70), previous=(48, 80))
    # then
    assert comparison.difference == pytest.approx(20.0)
    assert comparison.ci.low == pytest.approx(5.24, **APPROX)
    assert comparison.ci.high == pytest.approx(33.39, **APPROX)
    assert comparison.p_value == pytest.approx(0.00804, abs=5e-5)


def test_csat_difference_when_everyone_is_satisfied_both_times():
    # when
    comparison = stats.csat_compare(current=(10, 10), previous=(20, 20))
    # then: no difference is possible, so p is 1
    assert (comparison.difference, comparison.p_value) == (0.0, 1.0)


def test_ces_mean_and_its_t_interval():
    # given: scores 3, 4, 5, 6, 7 -> n 5, sum 25, sum of squares 135; mean 5, s^2 = (135 - 125) / 4 = 2.5,
    # se = sqrt(2.5 / 5) = .70711, t(.975, 4) = 2.77645, half width 1.96324
    # when
    mean = stats.mean_of(n=5, total=25)
    interval = stats.mean_interval(n=5, total=25, total_sq=135)
    # then
    assert mean == 5.0
    assert (interval.low, interval.high) == (pytest.approx(3.0368, abs=1e-4), pytest.approx(6.9632, abs=1e-4))


@pytest.mark.parametrize(("n", "total", "total_sq"), [(0, 0, 0), (1, 6, 36)])
def test_ces_interval_needs_two_responses(n, total, total_sq):
    # when / then
    assert stats.mean_interval(n=n, total=total, total_sq=total_sq) is None


def test_ces_mean_of_no_responses_is_none():
    # when / then
    assert stats.mean_of(n=0, total=0) is None


def test_ces_difference_is_welch_t_test():
    # given: 3, 4, 5, 6, 7 against 2, 3, 3, 4 (n 4, sum 12, sum of squares 38): means 5 and 3;
    # se^2 = 2.5/5 + (2/3)/4 = .66667, df = .44444 / (.0625 + .0092593) = 6.1935, t = 2 / .8165 = 2.4495
    # when
    comparison = stats.mean_compare(current=(5, 25, 135), previous=(4, 12, 38))
    # then: the same as scipy's Welch test on the raw scores
    reference = scipy_stats.ttest_ind([3, 4, 5, 6, 7], [2, 3, 3, 4], equal_var=False)
    reference_ci = reference.confidence_interval(0.95)
    assert comparison.difference == 2.0
    assert comparison.p_value == pytest.approx(float(reference.pvalue), rel=1e-9)
    assert comparison.p_value == pytest.approx(0.0486, abs=5e-5)
    assert (comparison.ci.low, comparison.ci.high) == (
        pytest.approx(float(reference_ci.low), rel=1e-9),
        pytest.approx(float(reference_ci.high), rel=1e-9),
    )


def test_ces_difference_without_any_spread():
    # given: every score 6 now, every score 4 before
    # when
    comparison = stats.mean_compare(current=(3, 18, 108), previous=(2, 8, 32))
    # then: the interval collapses on the difference and the t statistic is infinite
    assert (comparison.difference, comparison.ci, comparison.p_value) == (2.0, stats.Interval(2.0, 2.0), 0.0)


def test_ces_difference_needs_two_responses_per_period():
    # when / then
    assert stats.mean_compare(current=(1, 5, 25), previous=(3, 12, 50)) == stats.Comparison(None, None, None)


def test_variance_from_large_integer_sums_does_not_cancel():
    # given: a million responses, half 6 and half 7: variance 0.25 x n / (n - 1)
    n = 1_000_000
    # when
    interval = stats.mean_interval(n=n, total=6_500_000, total_sq=42_500_000)
    # then
    half = interval.high - 6.5
    assert half == pytest.approx(1.96 * math.sqrt(0.25 * n / (n - 1) / n), rel=1e-3)
