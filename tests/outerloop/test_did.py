"""Difference-in-differences of NPS and forecast scoring (outerloop.did): pure functions, no database."""

import numpy as np
import pytest

from cxloop.core.stats import nps_compare
from outerloop.did import MET, MISSED, UNCERTAIN, did_estimate, forecast_score, is_real, nps_variance


def test_did_on_a_hand_computed_example():
    # given: (promoters, passives, detractors) per arm and period, n = 100 each
    #   pilot   before 40/30/30 -> NPS 10, after 60/20/20 -> NPS 40: +30
    #   control before 40/30/30 -> NPS 10, after 45/30/25 -> NPS 20: +10
    #   effect = 30 - 10 = 20 points
    # Variance per cell (adjusted Wald, n' = 103, p' = (P + .75)/103, d' = (D + .75)/103):
    #   40/30/30: p' = .395631, d' = .298544, (p'+d') - (p'-d')^2 = .694175 - .009426 = .684749,
    #             / 103 = .0066480 -> 66.480 points^2
    #   60/20/20: p' = .589806, d' = .201456, .791262 - .150816 = .640446 / 103 -> 62.179
    #   45/30/25: p' = .444175, d' = .250000, .694175 - .037704 = .656471 / 103 -> 63.735
    #   se = sqrt(66.480 + 62.179 + 66.480 + 63.735) = sqrt(258.874) = 16.0896
    #   interval 20 +/- 1.96 x 16.0896 = 20 +/- 31.536 -> (-11.54, 51.54); z = 1.2430, p = 0.2139
    # when
    estimate = did_estimate(
        pilot_before=(40, 30, 30), pilot_after=(60, 20, 20),
        control_before=(40, 30, 30), control_after=(45, 30, 25),
    )  # fmt: skip
    # then
    assert estimate is not None
    assert nps_variance((40, 30, 30)) == pytest.approx(66.480, abs=0.001)
    assert nps_variance((60, 20, 20)) == pytest.approx(62.179, abs=0.001)
    assert nps_variance((45, 30, 25)) == pytest.approx(63.735, abs=0.001)
    assert estimate.effect == pytest.approx(20.0)
    assert estimate.se == pytest.approx(16.0896, abs=0.0001)
    assert estimate.low == pytest.approx(-11.536, abs=0.001)
    assert estimate.high == pytest.approx(51.536, abs=0.001)
    assert estimate.p_value == pytest.approx(0.2139, abs=0.0001)
    assert not is_real(estimate.low, estimate.high)


def test_did_with_five_times_the_sample_excludes_zero():
    # given the same proportions with n = 500 per cell: se shrinks by about sqrt(5) (7.2956 here,
    # the pseudo-observations weigh less), interval 20 +/- 14.30 -> (5.70, 34.30)
    estimate = did_estimate(
        pilot_before=(200, 150, 150), pilot_after=(300, 100, 100),
        control_before=(200, 150, 150), control_after=(225, 150, 125),
    )  # fmt: skip
    assert estimate is not None
    assert estimate.low == pytest.approx(5.70, abs=0.01)
    assert estimate.high == pytest.approx(34.30, abs=0.01)
    assert estimate.p_value == pytest.approx(0.0061, abs=0.0001)
    assert is_real(estimate.low, estimate.high)


def test_did_is_none_when_a_cell_has_no_responses():
    assert (
        did_estimate(
            pilot_before=(1, 1, 1), pilot_after=(0, 0, 0), control_before=(1, 1, 1), control_after=(1, 1, 1)
        )
        is None
    )


def test_before_after_alone_is_fooled_by_seasonality_where_did_is_not():
    # given: a season lifts every unit by 20 points (NPS 10 -> 30); the pilot changed nothing
    before, after = (160, 120, 120), (200, 120, 80)  # n = 400: NPS 10, then 30
    # when
    before_after = nps_compare(current=after, previous=before)
    did = did_estimate(pilot_before=before, pilot_after=after, control_before=before, control_after=after)
    # then before/after calls the season an effect; the controls' change cancels it
    assert before_after.difference == pytest.approx(20.0)
    assert before_after.p_value is not None
    assert before_after.p_value < 0.001
    assert did is not None
    assert did.effect == pytest.approx(0.0)
    assert did.low < 0 < did.high
    assert not is_real(did.low, did.high)


def test_did_interval_covers_the_true_effect_about_95_percent():
    # given: true (promoter, passive, detractor) probabilities per cell; the season adds 7 points to
    # both arms and the pilot 8 more: true effect = (0.50 - 0.25 - 0.10) - (0.45 - 0.28 - 0.10) = 8
    rng = np.random.default_rng(18)
    probabilities = {
        "pilot_before": (0.40, 0.30, 0.30),
        "pilot_after": (0.50, 0.25, 0.25),
        "control_before": (0.40, 0.30, 0.30),
        "control_after": (0.45, 0.27, 0.28),
    }
    true_effect = 100 * ((0.50 - 0.25) - (0.40 - 0.30)) - 100 * ((0.45 - 0.28) - (0.40 - 0.30))
    replications, n = 4000, 250
    draws = {cell: rng.multinomial(n, p, size=replications) for cell, p in probabilities.items()}
    # when
    covered = 0
    for i in range(replications):
        estimate = did_estimate(**{cell: tuple(int(x) for x in draws[cell][i]) for cell in draws})
        assert estimate is not None
        covered += estimate.low <= true_effect <= estimate.high
    # then
    assert true_effect == pytest.approx(8.0)
    assert 0.935 <= covered / replications <= 0.965


@pytest.mark.parametrize(
    ("forecast", "estimate", "low", "high", "outcome", "achieved"),
    [
        # forecast +5 NPS points
        (5, 6.0, 2.0, 10.0, MET, 1.2),  # real (low > 0) and reaches 5 (high >= 5)
        (5, 12.0, 9.0, 15.0, MET, 2.4),  # beat it: still met
        (5, 2.0, 0.5, 3.5, MISSED, 0.4),  # real but the whole interval short of 5
        (5, -2.0, -5.0, 1.0, MISSED, -0.4),  # the other way
        (5, 4.0, -3.0, 11.0, UNCERTAIN, 0.8),  # holds both 0 and 5
        (5, 1.0, -1.0, 5.0, UNCERTAIN, 0.2),  # the far end touches the forecast
        # forecast a fall of 2 mentions per 1,000 (mirrored)
        (-2, -4.0, -5.0, -3.0, MET, 2.0),
        (-2, -0.5, -1.0, -0.1, MISSED, 0.25),  # real fall, but short of 2
        (-2, -1.5, -3.5, 0.5, UNCERTAIN, 0.75),
    ],
)
def test_forecast_score_on_hand_computed_examples(forecast, estimate, low, high, outcome, achieved):
    score = forecast_score(forecast=forecast, estimate=estimate, low=low, high=high)
    assert score.outcome == outcome
    assert score.achieved == pytest.approx(achieved)


def test_forecast_of_no_change_is_refused():
    with pytest.raises(ValueError, match="cannot be 0"):
        forecast_score(forecast=0, estimate=1, low=0, high=2)
