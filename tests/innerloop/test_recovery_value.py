"""Customers as assets (#18 item 8): recovered against unrecovered detractors of the same value tier,
on later NPS, revenue and churn, with intervals; scoped, and shown beside rules and SLA targets."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from feedback.models import Source
from innerloop.recovery_value.analysis import Estimate, Outcome, compare
from innerloop.recovery_value.selectors import recovery_outcomes, recovery_value_for
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    CustomerTransactionFactory,
    FeedbackFactory,
    SourceFactory,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RESOLVED = NOW - timedelta(days=200)


# --- hand-computed comparison -------------------------------------------------------------------


def _outcomes() -> list[Outcome]:
    """Top tier: 2 recovered (revenue 100, 300; scores 10, 9; none churned), 2 not (revenue 0, 100;
    scores 3, 8; one churned). Standard tier: 1 recovered (revenue 50, no answer), 1 not (revenue
    10, score 2, churned)."""
    return [
        Outcome("top", True, 10, 100.0, False),
        Outcome("top", True, 9, 300.0, False),
        Outcome("top", False, 3, 0.0, True),
        Outcome("top", False, 8, 100.0, False),
        Outcome("standard", True, None, 50.0, False),
        Outcome("standard", False, 2, 10.0, True),
    ]


def test_the_comparison_matches_a_hand_computed_example():
    # when
    tiers, overall = compare(_outcomes(), tiers=["top", "high", "standard"])
    top, standard = tiers
    # then: top tier
    assert [t.label for t in tiers] == ["top", "standard"]
    assert (top.recovered.n, top.unrecovered.n) == (2, 2)
    assert top.recovered.nps.value == 100.0  # two promoters
    assert top.unrecovered.nps.value == -50.0  # one detractor, one passive
    # the difference shown is the adjusted-Wald one, the centre of its interval (Rocks 2016):
    # recovered (2.75 - 0.75) / 5 = 0.40, not recovered (0.75 - 1.75) / 5 = -0.20, so 60 points
    assert top.nps.value == pytest.approx(60.0)
    assert _holds(top.nps)
    assert top.revenue.value == pytest.approx(200.0 - 50.0)
    # Welch: s1^2 = 20000, s2^2 = 5000, se = sqrt(10000 + 2500) = 111.80, df = 12500^2 / (10000^2 + 2500^2)
    # = 1.4706, t(0.975; 1.4706) = 6.188, half = 691.85; scipy.stats.ttest_ind(equal_var=False) agrees.
    assert top.revenue.low == pytest.approx(-541.85, abs=0.01)
    assert top.revenue.high == pytest.approx(841.85, abs=0.01)
    assert top.unrecovered.churn.value == 50.0
    assert top.churn.value == -50.0
    # Wilson for 1 of 2: 9.45 % to 90.55 %
    assert top.unrecovered.churn.low == pytest.approx(9.45, abs=0.01)
    assert top.unrecovered.churn.high == pytest.approx(90.55, abs=0.01)
    # standard tier: one customer each, revenue cannot be compared, churn can (-100 points)
    assert standard.revenue.value is None
    assert standard.churn.value == -100.0
    assert standard.nps.value is None  # the recovered customer never answered
    # overall churn: the tiers' Agresti-Caffo differences, the centres of the se combined, weighted
    # 4/6 top ((0+1)/4 - (1+1)/4 = -25) and 2/6 standard ((0+1)/3 - (1+1)/3 = -33.3) = -27.8 points
    assert overall.churn.value == pytest.approx(4 / 6 * -25 + 2 / 6 * -100 / 3)
    # revenue and NPS: only the top tier is comparable, so the overall is the top tier's own
    assert overall.revenue == top.revenue
    assert overall.nps == top.nps
    assert overall.low_sample
    assert top.low_sample


def test_the_stratified_churn_interval_adds_the_tiers_variances_with_their_weights():
    # given: Agresti-Caffo p~ for top: recovered (0+1)/4, not (1+1)/4; standard: (0+1)/3, (1+1)/3
    se_top = 100 * ((0.25 * 0.75 / 4) + (0.5 * 0.5 / 4)) ** 0.5
    se_std = 100 * ((1 / 3 * 2 / 3 / 3) + (2 / 3 * 1 / 3 / 3)) ** 0.5
    se = ((4 / 6) ** 2 * se_top**2 + (2 / 6) ** 2 * se_std**2) ** 0.5
    # when
    _, overall = compare(_outcomes(), tiers=["top", "high", "standard"])
    # then
    assert overall.churn.low == pytest.approx(overall.churn.value - 1.96 * se)
    assert overall.churn.high == pytest.approx(overall.churn.value + 1.96 * se)


def _holds(estimate: Estimate, bound: float = math.inf) -> bool:
    """The estimate lies inside its interval, and the interval inside [-bound, bound]."""
    low, value, high = estimate.low, estimate.value, estimate.high
    if low is None or value is None or high is None:
        return False
    return -bound <= low <= value <= high <= bound


def test_one_comparable_tier_gives_the_overall_its_own_estimate_and_interval_within_range():
    # given: one customer each, the recovered promoter who churned, the other a detractor who stayed
    outcomes = [Outcome("top", True, 10, 0.0, True), Outcome("top", False, 0, 0.0, False)]
    # when
    (top,), overall = compare(outcomes, tiers=["top"])
    # then: the overall row is the tier's, never an interval beyond the possible range
    assert overall.churn == top.churn
    assert overall.nps == top.nps
    assert top.churn.value == 100.0
    assert _holds(top.churn, 100)
    # the NPS difference shown is the centre of its interval (0.25 - -0.25 = 50 points), inside it
    assert top.nps.value == pytest.approx(50.0)
    assert _holds(top.nps, 200)


def test_combined_intervals_are_clipped_to_the_possible_range_and_hold_their_point():
    # given: in each tier every recovered customer (a promoter) churned and no other (detractors)
    # did; one customer a group in the top tier, ten in the standard one
    outcomes = [
        Outcome(tier, recovered, 10 if recovered else 0, 0.0, recovered)
        for tier, n in (("top", 1), ("standard", 10))
        for recovered in (True, False)
        for _ in range(n)
    ]
    # when
    tiers, overall = compare(outcomes, tiers=["top", "standard"])
    # then
    assert _holds(overall.churn, 100)
    assert _holds(overall.nps, 200)
    assert all(_holds(row.nps, 200) and _holds(row.churn, 100) for row in tiers)
    # Agresti-Caffo: top 2/3 - 1/3, standard 11/12 - 1/12, weighted 2/22 and 20/22
    se2_top, se2_std = 2 * (2 / 3 * 1 / 3) / 3, 2 * (11 / 12 * 1 / 12) / 12
    value = 2 / 22 * 100 / 3 + 20 / 22 * 1000 / 12
    se = 100 * ((2 / 22) ** 2 * se2_top + (20 / 22) ** 2 * se2_std) ** 0.5
    assert overall.churn.value == pytest.approx(value)
    assert overall.churn.low == pytest.approx(value - 1.96 * se)
    assert value + 1.96 * se > 100
    assert overall.churn.high == 100.0  # clipped


# --- the query ---------------------------------------------------------------------------------


@pytest.fixture
def cases(org, people):
    """Two top-value detractors resolved 200 days ago: one recovered (customer said 9), one not
    (agent scored 3). Each with later feedback, orders, a refund and, for the unrecovered, a churn."""
    from tests.innerloop.factories import CaseFactory

    source = SourceFactory(slug="survey", kind=Source.Kind.SURVEY)
    cause = CategoryFactory()
    made = {}
    for key, recovery in (("saved", {"customer_recovery_at": RESOLVED, "customer_recovery_score": 9}),
                          ("lost", {"recovery_score": 3})):  # fmt: skip
        customer = CustomerFactory(external_id=f"C-{key}", value_tier="top")
        detraction = FeedbackFactory(source=source, customer=customer, team=org["team_a1"], score=2,
                                     occurred_at=RESOLVED - timedelta(days=3))  # fmt: skip
        made[key] = CaseFactory(
            feedback=detraction, customer=customer, team=org["team_a1"], status="closed",
            resolved_at=RESOLVED, root_cause=cause, resolution_note="Refunded.", **recovery,
        )  # fmt: skip
        made[f"{key}_customer"] = customer
    later = RESOLVED + timedelta(days=30)
    FeedbackFactory(
        source=source, customer=made["saved_customer"], team=org["team_a1"], score=10, occurred_at=later
    )
    # The recovery answer is feedback too; it must not count as later feedback.
    FeedbackFactory(
        source=source, customer=made["lost_customer"], team=org["team_a1"], score=9,
        occurred_at=RESOLVED + timedelta(days=1), metadata={"recovery_for_case": made["lost"].pk},
    )  # fmt: skip
    FeedbackFactory(
        source=source, customer=made["lost_customer"], team=org["team_a1"], score=4, occurred_at=later
    )
    CustomerTransactionFactory(customer=made["saved_customer"], amount="500.00", occurred_at=later)
    CustomerTransactionFactory(
        customer=made["saved_customer"], kind="refund", amount="120.00", occurred_at=later
    )
    CustomerTransactionFactory(
        customer=made["saved_customer"], amount="999.00", occurred_at=RESOLVED + timedelta(days=181)
    )
    CustomerTransactionFactory(
        customer=made["lost_customer"], amount="80.00", occurred_at=RESOLVED - timedelta(days=1)
    )
    CustomerTransactionFactory(customer=made["lost_customer"], kind="churn", amount=None, occurred_at=later)
    return made


@pytest.mark.django_db
def test_outcomes_read_later_feedback_net_revenue_and_churn_within_the_window(people, cases):
    # when
    outcomes = recovery_outcomes(user=people["manager"], window_days=180, now=NOW)
    # then
    by_recovery = {outcome.recovered: outcome for outcome in outcomes}
    assert by_recovery[True] == Outcome("top", True, 10, 380.0, False)
    assert by_recovery[False] == Outcome("top", False, 4, 0.0, True)


@pytest.mark.django_db
def test_outcomes_leave_out_cases_not_yet_followed_for_the_whole_window(people, cases):
    assert recovery_outcomes(user=people["manager"], window_days=365, now=NOW) == []


@pytest.mark.django_db
def test_outcomes_are_scoped_to_the_departments_the_reader_may_see(people, org, cases):
    # given: department B's manager
    from tests.factories import MembershipFactory, UserFactory

    other = UserFactory(username="manager-b")
    MembershipFactory(user=other, role="manager", team=None, department=org["dept_b"])
    # when / then
    assert recovery_outcomes(user=other, window_days=180, now=NOW) == []
    assert len(recovery_outcomes(user=people["committee"], window_days=180, now=NOW)) == 2


@pytest.mark.django_db
def test_the_comparison_of_stored_cases_is_one_query_after_the_readers_scope(
    people, cases, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the reader's memberships, then the comparison
        result = recovery_value_for(user=people["admin"], now=NOW)
    assert result.overall.churn.value == -100.0
    assert result.overall.revenue.value is None  # one customer a group: no spread to compare
    assert Decimal(str(result.overall.recovered.revenue.value)) == Decimal("380.0")


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "code"), [("agent", 403), ("lead", 403), ("manager", 200), ("committee", 200)]
)
def test_the_page_is_for_managers_the_committee_and_administrators(client, people, role, code):
    client.force_login(people[role])
    assert client.get("/insights/recovery-value/").status_code == code


@pytest.mark.django_db
def test_the_page_shows_words_and_intervals_within_a_query_budget(
    client, people, cases, django_assert_max_num_queries
):
    # given
    client.force_login(people["manager"])
    # when
    with django_assert_max_num_queries(10):
        response = client.get("/insights/recovery-value/", {"window": "180"})
    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert "Top value" in text
    assert "small sample" in text
    assert "95 % interval" in text
    assert ">top<" not in text


@pytest.mark.django_db
def test_a_department_the_reader_may_not_see_is_refused_with_the_field_named(client, people, org):
    client.force_login(people["manager"])
    response = client.get("/insights/recovery-value/", {"department": "dept-b", "window": "7"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"department", "window"}


@pytest.mark.django_db
def test_the_triage_rules_page_and_the_sla_targets_show_the_comparison(client, people, cases):
    # given
    client.force_login(people["admin"])
    # when
    rules = client.get("/settings/triage-rules/")
    sla = client.get("/admin/innerloop/slapolicy/")
    # then
    for response in (rules, sla):
        assert response.status_code == 200
        assert "What recovering a detractor is worth" in response.content.decode()


@pytest.mark.django_db
def test_the_pages_show_words_not_codes(client, people, cases):
    # given
    from tests.visible_words import offences, visible_text, vocabulary

    client.force_login(people["admin"])
    words = vocabulary()
    # when
    pages = [client.get(path) for path in ("/insights/recovery-value/", "/settings/triage-rules/")]
    # then
    for response in pages:
        assert offences(visible_text(response.content.decode()), words) == []
