"""Simulation (#18 item 8): with a known true difference between recovered and unrecovered
detractors, the same in every value tier, the stratified 95 % intervals of churn, revenue and later
NPS cover it close to 95 % of the time. Fixed seed, pure numpy, no database."""

import numpy as np
import pytest

from innerloop.recovery_value.analysis import Outcome, compare

TIERS = {  # customers, share recovered, churn if not recovered, mean revenue if not recovered
    "top": (60, 0.5, 0.30, 2000.0),
    "high": (120, 0.4, 0.25, 800.0),
    "standard": (300, 0.6, 0.20, 200.0),
}
TRUE_CHURN_POINTS = -10.0  # recovered churn 10 points less, in every tier
TRUE_REVENUE = 150.0  # and bring 150 more per customer
# Later NPS answers: not recovered (promoter, passive, detractor) 20/30/50 %, recovered 40/30/30 %,
# so the true NPS difference is (40 - 30) - (20 - 50) = 40 points in every tier.
MIX = {False: (0.2, 0.3, 0.5), True: (0.4, 0.3, 0.3)}
TRUE_NPS_POINTS = 40.0
ANSWER_RATE = 0.6
RUNS = 500


def _score(rng, recovered: bool) -> int | None:
    if rng.random() > ANSWER_RATE:
        return None
    bucket = rng.choice(3, p=MIX[recovered])
    return (10, 7, 3)[bucket]


def _simulate(rng) -> list[Outcome]:
    outcomes = []
    for tier, (n, share, churn, revenue) in TIERS.items():
        recovered = rng.random(n) < share
        churned = rng.random(n) < np.where(recovered, churn + TRUE_CHURN_POINTS / 100, churn)
        # Skewed spending (gamma, coefficient of variation 0.7), shifted for the recovered.
        spent = rng.gamma(2.0, revenue / 2.0, n) + np.where(recovered, TRUE_REVENUE, 0.0)
        outcomes += [
            Outcome(tier, bool(r), _score(rng, bool(r)), float(s), bool(c))
            for r, s, c in zip(recovered, spent, churned, strict=True)
        ]
    return outcomes


@pytest.fixture(scope="module")
def coverage() -> dict[str, float]:
    rng = np.random.default_rng(20261207)
    covered = {"churn": 0, "revenue": 0, "nps": 0}
    truth = {"churn": TRUE_CHURN_POINTS, "revenue": TRUE_REVENUE, "nps": TRUE_NPS_POINTS}
    for _ in range(RUNS):
        _, overall = compare(_simulate(rng), tiers=list(TIERS))
        for name in covered:
            estimate = getattr(overall, name)
            covered[name] += estimate.low <= truth[name] <= estimate.high
    return {name: hits / RUNS for name, hits in covered.items()}


def test_the_stratified_churn_interval_covers_the_true_difference_about_95_percent(coverage):
    assert 0.925 <= coverage["churn"] <= 0.975


def test_the_stratified_revenue_interval_covers_the_true_difference_about_95_percent(coverage):
    assert 0.925 <= coverage["revenue"] <= 0.975


def test_the_stratified_later_nps_interval_covers_the_true_difference_about_95_percent(coverage):
    assert 0.925 <= coverage["nps"] <= 0.975
