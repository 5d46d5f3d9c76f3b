"""Impact reviews (closing the loop with customers and staff: test_close_loop.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outerloop.models import Stage
from outerloop.services.impact import impact_review_compute, impact_reviews_due_ids
from outerloop.tasks import impact_reviews_due
from tests.factories import CategoryFactory, FeedbackFactory, TouchpointFactory

from .factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db


def _nps(*, touchpoint, when, promoters, passives, detractors, category=None):
    for score, count in ((10, promoters), (7, passives), (2, detractors)):
        for _ in range(count):
            FeedbackFactory(touchpoint=touchpoint, occurred_at=when, score=score,
                            confirmed_category=category if score == 2 else None)  # fmt: skip


def test_impact_review_numbers(people):
    # given: before the roll-out 20 promoters, 20 passives, 60 detractors (NPS -40), after 50/30/20 (+30)
    rolled_out = timezone.now() - timedelta(weeks=8)
    touchpoint = TouchpointFactory()
    category = CategoryFactory(slug="late")
    initiative = InitiativeFactory(
        stage=Stage.ROLLED_OUT, rolled_out_at=rolled_out, target_touchpoint=touchpoint,
        signals=[SignalFactory(category=category)],
    )  # fmt: skip
    before = rolled_out - timedelta(days=10)
    _nps(touchpoint=touchpoint, when=before, promoters=20, passives=20, detractors=60, category=category)
    _nps(
        touchpoint=touchpoint, when=rolled_out + timedelta(days=10), promoters=50, passives=30, detractors=20
    )
    _nps(
        touchpoint=TouchpointFactory(),
        when=rolled_out + timedelta(days=10),
        promoters=0,
        passives=0,
        detractors=9,
    )
    # when
    review = impact_review_compute(initiative=initiative)
    # then
    assert (review.n_before, review.n_after) == (100, 100)
    assert (review.nps_before, review.nps_after, review.nps_difference) == (-40, 30, 70)
    # adjusted Wald (Rocks 2016): z = 0.6796 / 0.1102 = 6.17
    assert review.nps_p_value == pytest.approx(6.8437e-10, rel=1e-3)
    # the difference's interval: 100 * (0.6796 -/+ 1.96 * 0.1102)
    assert (review.nps_difference_low, review.nps_difference_high) == (
        pytest.approx(46.37, abs=0.01),
        pytest.approx(89.55, abs=0.01),
    )
    assert review.nps_before_low < -40 < review.nps_before_high
    assert review.nps_after_low < 30 < review.nps_after_high
    assert (review.mentions_before, review.mentions_after) == (60, 0)
    assert (review.recurrence_before, review.recurrence_after) == (600.0, 0.0)
    assert review.split_at == rolled_out


def test_reviews_come_due_eight_weeks_after_roll_out():
    # given
    due = InitiativeFactory(stage=Stage.ROLLED_OUT, rolled_out_at=timezone.now() - timedelta(weeks=9))
    InitiativeFactory(stage=Stage.ROLLED_OUT, rolled_out_at=timezone.now() - timedelta(weeks=2))
    # when
    assert impact_reviews_due_ids() == [due.pk]
    reviewed = impact_reviews_due()
    # then
    assert reviewed == 1
    assert impact_reviews_due_ids() == []
