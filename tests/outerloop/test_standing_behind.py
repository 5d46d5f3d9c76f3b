"""Both sides of the story in the outer loop (#18, item 9): cases judged "customer not a fit" are
left out of detection and impact reviews, and a proposal shows the cases and customers behind it,
with the 95 % Wilson interval of the customers' share, on hand-computed examples."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Feedback, Source
from innerloop.models import Disposition
from outerloop.models import Stage
from outerloop.services.detection import cells_count
from outerloop.services.impact import impact_review_compute
from outerloop.standing import standing_behind_of
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    FeedbackFactory,
    SourceFactory,
    TouchpointFactory,
)
from tests.innerloop.factories import CaseFactory

from .factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db

NOT_A_FIT = {"disposition": Disposition.CUSTOMER_WRONG, "disposition_justification": "Video shows otherwise"}


def _rows(*, source, team, now, days_ago, category=None) -> list[Feedback]:
    """One feedback row per entry of `days_ago` (days before `now`), all with `category` when given."""
    return [
        FeedbackFactory(
            source=source,
            team=team,
            customer=None,
            confirmed_category=category,
            occurred_at=now - timedelta(days=day, hours=1),
        )
        for day in days_ago
    ]


def test_detection_leaves_out_the_feedback_of_not_a_fit_cases(org):
    """One stratum. Baseline (84 days): 12 of 120 rows mention `late` (share 10 %). Window (28 days):
    20 of 40 rows mention it, and 6 other rows are coded `late` on their cases. "Customer not a fit":
    4 of the mentioning rows and 2 of the coded ones. By hand: 20 - 4 + 6 - 2 = 20 mentions."""
    # given
    now, source, team = timezone.now(), SourceFactory(), org["team_a1"]
    late = CategoryFactory(slug="late")
    common = {"source": source, "team": team, "now": now}
    for week in range(12):  # 10 rows a week, on days 28 to 111 before now, 1 of them `late`
        start = 28 + 7 * week
        _rows(days_ago=[start], category=late, **common)
        _rows(days_ago=[start + 1 + i % 6 for i in range(9)], **common)
    mentioning = _rows(days_ago=range(20), category=late, **common)
    plain = _rows(days_ago=[*range(20, 28), *range(12)], **common)
    for feedback in mentioning[:4]:
        CaseFactory(feedback=feedback, team=team, **NOT_A_FIT)
    for feedback in mentioning[4:7]:
        CaseFactory(feedback=feedback, team=team, root_cause=late)
    for feedback in plain[:4]:
        CaseFactory(feedback=feedback, team=team, root_cause=late)
    for feedback in plain[4:6]:
        CaseFactory(feedback=feedback, team=team, root_cause=late, **NOT_A_FIT)
    # when
    cell = next(cell for cell in cells_count(end=now) if cell.category_id == late.pk)
    # then
    assert cell.recent == 20
    # coded cases that still count: 3 on mentioning rows, 4 on the others
    assert cell.case_count == 7
    assert cell.baseline == 12
    # the not-a-fit rows stay in the volume (40 rows in the window): expected 12/120 x 40 = 4
    assert cell.expected == pytest.approx(4.0)
    assert cell.ratio == pytest.approx(5.0)


def test_impact_recurrence_leaves_out_not_a_fit_cases(people):
    # given: after the roll-out 3 rows mention `late`, one of them on a not-a-fit case
    rolled_out = timezone.now() - timedelta(weeks=8)
    touchpoint, late = TouchpointFactory(), CategoryFactory(slug="late")
    initiative = InitiativeFactory(
        stage=Stage.ROLLED_OUT, rolled_out_at=rolled_out, target_touchpoint=touchpoint,
        signals=[SignalFactory(category=late)],
    )  # fmt: skip
    after = [
        FeedbackFactory(
            touchpoint=touchpoint, occurred_at=rolled_out + timedelta(days=3), confirmed_category=late
        )
        for _ in range(3)
    ]
    FeedbackFactory(touchpoint=touchpoint, occurred_at=rolled_out + timedelta(days=3))
    CaseFactory(feedback=after[0], **NOT_A_FIT)
    # when
    review = impact_review_compute(initiative=initiative)
    # then: 2 mentions of 4 rows: 500 per 1,000
    assert review.mentions_after == 2
    assert review.recurrence_after == pytest.approx(500.0)


@pytest.fixture
def behind(org):
    """A signal's window with 10 customers giving feedback. Six rows mention `late`: customer A twice,
    B, C and D once, and E, whose case is "customer not a fit". A, B and C have cases (A's first row).
    Left out of the denominator: an anonymous row, an employee's row, a row before the window."""
    now = timezone.now()
    late = CategoryFactory(slug="late", name="Late delivery")
    signal = SignalFactory(category=late, window_start=now - timedelta(days=28), window_end=now)
    inside = now - timedelta(days=3)
    a, b, c, d, e, *others = CustomerFactory.create_batch(10)
    rows = {
        name: FeedbackFactory(customer=customer, confirmed_category=late, occurred_at=inside)
        for name, customer in (("a1", a), ("a2", a), ("b", b), ("c", c), ("d", d), ("e", e))
    }
    for customer in others:
        FeedbackFactory(customer=customer, occurred_at=inside)
    FeedbackFactory(customer=None, confirmed_category=late, occurred_at=inside)
    employee = SourceFactory(slug="staff", kind=Source.Kind.EMPLOYEE)
    FeedbackFactory(source=employee, customer=CustomerFactory(), occurred_at=inside)
    FeedbackFactory(customer=CustomerFactory(), confirmed_category=late, occurred_at=now - timedelta(days=40))
    for name in ("a1", "b", "c"):
        CaseFactory(feedback=rows[name], team=org["team_a1"])
    CaseFactory(feedback=rows["e"], team=org["team_a1"], **NOT_A_FIT)
    return signal


def test_standing_behind_counts_cases_customers_and_the_wilson_interval_by_hand(behind):
    # when
    standing = standing_behind_of(behind)
    # then: 3 cases (1 left out); customers A-D = 4 of the 10 with feedback in the window
    assert (standing.cases, standing.not_a_fit) == (3, 1)
    assert (standing.customers, standing.customers_with_feedback) == (4, 10)
    assert standing.share == pytest.approx(40.0)
    # Wilson, z = 1.96, 4 of 10: (0.4 + 1.9208) / 1.38416 -+ 1.96 sqrt(0.024 + 0.009604) / 1.38416
    low, high = standing.interval
    assert low == pytest.approx(16.82, abs=0.01)
    assert high == pytest.approx(68.73, abs=0.01)
    assert standing.few is True


def test_an_initiative_counts_the_customers_behind_its_signals(behind):
    initiative = InitiativeFactory(signals=[behind])
    standing = standing_behind_of(initiative)
    assert (standing.cases, standing.not_a_fit, standing.customers) == (3, 1, 4)


def test_an_initiative_without_a_root_cause_says_so(people):
    assert standing_behind_of(InitiativeFactory()).counted is False


def test_the_signal_page_says_who_stands_behind_it_in_words(behind, people, client):
    # given
    client.force_login(people["committee"])
    # when
    html = client.get(f"/signals/{behind.pk}/").content.decode()
    # then
    section = html[
        html.index('id="standing-behind"') : html.index("</section>", html.index('id="standing-behind"'))
    ]
    assert "1 more left out as “customer not a fit”" in section
    assert "4 customers of 10 with feedback in the window: 40.0 % (95 % interval 16.8 to 68.7 %)" in section
    assert "This rests on few cases: 3, fewer than 30." in section


def test_the_initiative_page_says_who_stands_behind_it(behind, people, client):
    initiative = InitiativeFactory(signals=[behind], owner=people["committee"])
    client.force_login(people["committee"])
    html = client.get(f"/initiatives/{initiative.pk}/").content.decode()
    assert 'id="standing-behind"' in html
    assert "4 customers of 10 with feedback in the window" in html
