"""Empirical-Bayes shrinkage of team and agent NPS (feedback/metrics/shrinkage.py): pure functions,
checked on a hand-computed department and on simulated ones whose true NPS is known."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from feedback.metrics.shrinkage import Shrunk, Unit, pooled, probability_beats, ranking, shrink

# A department of three teams, worked by hand (scores +1 / 0 / -1):
#   A: 4 answers, 4 promoters            raw m = 1
#   B: 16 answers, 8 promoters, 4 detr.  raw m = 0.25
#   C: 20 answers, 6 promoters, 10 detr. raw m = -0.2
# each with the adjusted-Wald pseudo-answers (3 more answers: 3/4 promoter, 3/4 detractor):
#   n' = 7, 19, 23; m' = (P - D) / n' = 4/7, 4/19, -4/23; N' = 49, k = 3, M = (18 - 14) / 49 = 4/49
# within sums of squares P' + D' - n' m'^2: A 5.5 - 16/7, B 13.5 - 16/19, C 17.5 - 16/23,
#   together 32.676529; s^2 = 32.676529 / (49 - 3) = 0.710359
# Q = sum n' (m' - M)^2 / s^2 = (1.679300 + 0.315656 + 1.501996) / s^2 = 3.496952 / s^2
# c = (49 - (49 + 361 + 529) / 49) / s^2 = 29.836735 / s^2
# tau^2 = (Q - 2) / c = (3.496952 - 2 s^2) / 29.836735 = 0.069586
# A: v = s^2 / 7 = 0.101480, w = 0.069586 / 0.171066 = 0.406779, est = w 4/7 + (1 - w) 4/49 = 0.280871
S2 = (5.5 - 16 / 7 + 13.5 - 16 / 19 + 17.5 - 16 / 23) / 46
Q = (7 * (4 / 7 - 4 / 49) ** 2 + 19 * (4 / 19 - 4 / 49) ** 2 + 23 * (-4 / 23 - 4 / 49) ** 2) / S2
TAU2 = (Q - 2) / ((49 - 939 / 49) / S2)
HAND = [Unit("a", "d", 4, 4, 0), Unit("b", "d", 16, 8, 4), Unit("c", "d", 20, 6, 10)]


def test_department_mean_within_and_between_variance_match_the_hand_computation():
    # when
    shared = pooled(HAND)
    # then
    assert shared is not None
    assert shared.mean == pytest.approx(4 / 49)
    assert shared.within_variance == pytest.approx(S2)
    assert shared.within_variance == pytest.approx(0.710359, abs=1e-6)
    assert shared.tau2 == pytest.approx(0.069586, abs=1e-6)
    assert shared.tau2 == pytest.approx(TAU2)


def test_small_team_is_pulled_toward_its_department_by_the_hand_computed_weight():
    # when
    shrunk = shrink(HAND)
    # then
    a = shrunk["a"]
    assert a.weight == pytest.approx(0.406779, abs=1e-6)
    assert a.estimate == pytest.approx(28.0871, abs=1e-3)
    assert a.raw == pytest.approx(100.0)
    assert a.group_nps == pytest.approx(100 * 4 / 49)
    # the posterior variance w v plus (1 - w)^2 Var(M), Var(M) = sum n'^2 (tau^2 + v) / N'^2 (k = 3:
    # no allowance for estimating tau^2, which needs k > 3)
    var_m = sum(n * n * (TAU2 + S2 / n) for n in (7, 19, 23)) / 49**2
    v = S2 / 7
    w = TAU2 / (TAU2 + v)
    assert a.sd == pytest.approx(100 * (w * v + (1 - w) ** 2 * var_m) ** 0.5)
    assert a.ci_low == pytest.approx(a.estimate - 1.96 * a.sd)


def test_the_larger_team_keeps_more_of_its_own_nps():
    # when
    shrunk = shrink(HAND)
    # then: C, with 20 answers, keeps more of its own figure than A with 4
    assert shrunk["c"].weight > shrunk["b"].weight > shrunk["a"].weight
    assert shrunk["c"].estimate == pytest.approx(
        100 * (shrunk["c"].weight * -4 / 23 + (1 - shrunk["c"].weight) * 4 / 49)
    )


def test_units_that_differ_no_more_than_chance_are_all_shrunk_to_the_department():
    # given: two teams whose difference is well within chance
    units = [Unit("a", "d", 10, 5, 2), Unit("b", "d", 12, 5, 3)]
    # when
    shrunk = shrink(units)
    # then
    assert pooled(units).tau2 == 0.0
    assert shrunk["a"].estimate == pytest.approx(shrunk["b"].estimate)
    assert shrunk["a"].estimate == pytest.approx(100 * (10 - 5) / (22 + 2 * 3))
    assert probability_beats(shrunk["a"], shrunk["b"]) == pytest.approx(0.5)


def test_each_unit_is_shrunk_toward_its_own_department():
    # given: the same counts in two departments with very different NPS
    units = [
        Unit("low-small", "low", 3, 0, 3),
        *[Unit(f"low-{i}", "low", 100, 10 + i, 60 - i) for i in range(4)],
        Unit("high-small", "high", 3, 0, 3),
        *[Unit(f"high-{i}", "high", 100, 60 + 3 * i, 10) for i in range(4)],
    ]
    # when
    shrunk = shrink(units)
    # then: the small team of the good department lands above the small one of the poor department
    assert shrunk["high-small"].estimate > shrunk["low-small"].estimate
    assert shrunk["high-small"].group_nps > 40 > shrunk["low-small"].group_nps


def test_a_department_of_all_promoters_and_all_detractors_is_not_certain_on_four_answers():
    # given: every answer alike within each team, so the answers' own spread within a team is 0
    shrunk = shrink([Unit("A", 1, 2, 2, 0), Unit("B", 1, 2, 0, 2)])
    # when
    first, second = ranking(shrunk.values())
    # then: by hand with the pseudo-answers (n' = 5, m' = +-0.4, s^2 = 0.675, v = 0.135, tau^2 =
    # 0.185, w = 0.578): A at +23, B at -23, each with a wide interval, and A only probably better
    # (P = 0.84; it was 1.0 with intervals [100, 100] and [-100, -100] before the pseudo-answers)
    assert first.shrunk.key == "A"
    assert first.shrunk.estimate == pytest.approx(23.125)
    assert second.shrunk.estimate == pytest.approx(-23.125)
    for item in (first, second):
        sd, low, high = item.shrunk.sd, item.shrunk.ci_low, item.shrunk.ci_high
        assert sd is not None
        assert low is not None
        assert high is not None
        assert sd > 30
        assert -100 <= low < 0 < high <= 100
    assert first.beats_next is not None
    assert 0.65 < first.beats_next < 0.95


def test_a_single_promoter_gets_at_least_the_adjusted_wald_uncertainty():
    # given: a department of one team with one answer, a promoter
    solo = shrink([Unit("solo", 1, 1, 1, 0)])["solo"]
    # then: no longer [100, 100]; at least as wide as its adjusted-Wald interval (sd 0.375 x 100)
    assert solo.sd is not None
    assert solo.ci_low is not None
    assert solo.sd >= 37.5
    assert solo.ci_low < 0
    assert solo.ci_high == 100
    assert solo.raw == 100


def test_a_unit_without_answers_has_no_estimate_and_is_ranked_last():
    # when
    ranked = ranking(shrink([*HAND, Unit("none", "d", 0, 0, 0)]).values())
    # then
    assert [item.shrunk.key for item in ranked] == ["a", "b", "c", "none"]
    assert [item.rank for item in ranked] == [1, 2, 3, None]
    assert ranked[-1].shrunk.estimate is None
    assert ranked[-2].beats_next is None


def test_probability_beats_is_phi_of_the_difference_over_the_combined_sd():
    # given: 10 (sd 3) against 6 (sd 4): z = 4 / 5 = 0.8, Phi(0.8) = 0.788145
    a = Shrunk("a", "d", 50, 12.0, 10.0, 3.0, 4.1, 15.9, 0.5, 0.0, 5.0)
    b = Shrunk("b", "d", 40, 5.0, 6.0, 4.0, -1.8, 13.8, 0.5, 0.0, 5.0)
    # when / then
    assert probability_beats(a, b) == pytest.approx(0.788145, abs=1e-6)
    assert probability_beats(b, a) == pytest.approx(1 - 0.788145, abs=1e-6)


def test_ranking_says_how_likely_each_unit_beats_the_next():
    # when
    ranked = ranking(shrink(HAND).values())
    # then
    first, second, _ = ranked
    assert first.beats_next == pytest.approx(probability_beats(first.shrunk, second.shrunk))
    assert 0.5 < first.beats_next < 1


# --- simulation: units of very unequal size drawn from known true NPS ---

SIZES = (2, 3, 5, 8, 12, 20, 40, 80, 200, 600)
DEPARTMENTS = 4
PASSIVE_SHARE = 0.3


def _simulated_department(rng: np.random.Generator, name: int) -> tuple[list[Unit], list[float]]:
    """One department's units: true NPS around the department's, answers drawn from it."""
    centre = rng.uniform(-0.3, 0.4)
    units, truth = [], []
    for index, size in enumerate(SIZES):
        true_nps = float(np.clip(rng.normal(centre, 0.12), -0.65, 0.65))
        promoter = (1 - PASSIVE_SHARE + true_nps) / 2
        detractor = (1 - PASSIVE_SHARE - true_nps) / 2
        p, _, d = rng.multinomial(size, [promoter, PASSIVE_SHARE, detractor])
        units.append(Unit((name, index), name, size, int(p), int(d)))
        truth.append(true_nps)
    return units, truth


def _one_run(rng: np.random.Generator) -> tuple[float, float]:
    """Spearman correlation of the raw and of the shrunken ranking with the true one."""
    units, truth = [], []
    for name in range(DEPARTMENTS):
        more, true = _simulated_department(rng, name)
        units += more
        truth += true
    shrunk = shrink(units)
    raw = [unit.raw for unit in units]
    estimates = [shrunk[unit.key].estimate for unit in units]
    return spearmanr(truth, raw).statistic, spearmanr(truth, estimates).statistic


def test_shrunken_ranking_is_closer_to_the_true_ranking_than_raw_in_90_percent_of_runs():
    # given: 200 organisations of 4 departments x 10 teams with 2 to 600 answers each (fixed seed)
    rng = np.random.default_rng(18)
    # when
    runs = [_one_run(rng) for _ in range(200)]
    # then
    raw, shrunk = np.array(runs).T
    assert np.mean(shrunk > raw) >= 0.9
    assert np.mean(shrunk - raw) >= 0.05


def test_shrunken_95_percent_interval_covers_the_true_nps_of_90_to_98_percent_of_units():
    # given: 300 departments of 10 teams with 2 to 600 answers each (fixed seed)
    rng = np.random.default_rng(5)
    covered = total = 0
    # when
    for _ in range(300):
        units, truth = _simulated_department(rng, 0)
        shrunk = shrink(units)
        for unit, true in zip(units, truth, strict=True):
            covered += shrunk[unit.key].ci_low <= 100 * true <= shrunk[unit.key].ci_high
            total += 1
    # then
    assert 0.9 <= covered / total <= 0.98
