"""Triage rules: first match wins, one case per feedback and kind, routing, and the shipped defaults."""

from decimal import Decimal

import pytest

from cxloop.notifications.models import Notification
from feedback.services.processing import feedback_mark_processed
from innerloop.models import Case, CaseEvent, CaseRule
from innerloop.services.triage import case_open_for_feedback, rule_matches, triage_feedback_batch
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    FeedbackFactory,
    MembershipFactory,
    SourceFactory,
    TouchpointFactory,
)

from .factories import CaseKindFactory, CaseRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_default_rules(db):
    # The shipped defaults are tested on their own below; other tests bring their own rules.
    CaseRule.objects.all().delete()


def test_first_matching_rule_wins(org):
    # given
    vip = CaseRuleFactory(
        position=1, name="VIP", scales=["nps"], score_max=6, value_tiers=["top"], priority="urgent"
    )
    CaseRuleFactory(position=2, name="Detractors", scales=["nps"], score_max=6, priority="high")
    item = FeedbackFactory(team=org["team_a1"], score=2, customer=CustomerFactory(value_tier="top"))
    # when
    (outcome,) = triage_feedback_batch(feedback_ids=[item.pk])
    # then
    case = Case.objects.get()
    assert outcome.rule_id == vip.pk
    assert (case.priority, case.team, case.rule) == ("urgent", org["team_a1"], vip)
    assert CaseEvent.objects.get(case=case).kind == "opened"


def test_triage_is_idempotent(org):
    CaseRuleFactory(scales=["nps"], score_max=6)
    item = FeedbackFactory(team=org["team_a1"], score=0)
    triage_feedback_batch(feedback_ids=[item.pk])
    triage_feedback_batch(feedback_ids=[item.pk])
    assert Case.objects.count() == 1


def test_a_nothing_rule_stops_later_rules(org):
    CaseRuleFactory(position=1, action=CaseRule.Action.NOTHING, case_kind=None, source_kinds=["employee"])
    CaseRuleFactory(position=2)
    item = FeedbackFactory(team=org["team_a1"], source=SourceFactory(slug="staff", kind="employee"))
    (outcome,) = triage_feedback_batch(feedback_ids=[item.pk])
    assert outcome.case_id is None
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("conditions", "matches"),
    [
        ({"scales": ["csat"]}, False),
        ({"score_min": 0, "score_max": 6}, True),
        ({"score_min": 7}, False),
        ({"segments": ["enterprise"]}, False),
        ({"segments": ["consumer"]}, True),
        ({"min_annual_value": Decimal("500")}, True),
        ({"min_annual_value": Decimal("5000")}, False),
        ({"sentiment_max": -0.3}, True),
        ({"sentiment_max": -0.9}, False),
        ({"keywords": ["REFUND"]}, True),
        ({"keywords": ["courier"]}, False),
        ({"source_kinds": ["survey"]}, True),
        ({"source_kinds": ["social"]}, False),
    ],
)
def test_each_condition(org, conditions, matches):
    item = FeedbackFactory(
        team=org["team_a1"],
        score=4,
        comment="Still no refund",
        sentiment=-0.5,
        customer=CustomerFactory(segment="consumer", annual_value=Decimal("1200")),
    )
    rule = CaseRuleFactory(**conditions)
    assert rule_matches(rule, item) is matches


def test_category_conditions_cover_children_and_prefer_confirmed(org):
    delivery = CategoryFactory(slug="delivery")
    late = CategoryFactory(slug="late", parent=delivery)
    billing = CategoryFactory(slug="billing")
    rule = CaseRuleFactory()
    rule.categories.set([delivery])
    assert rule_matches(rule, FeedbackFactory(team=org["team_a1"], suggested_category=late))
    assert not rule_matches(
        rule, FeedbackFactory(team=org["team_a1"], suggested_category=late, confirmed_category=billing)
    )


def test_routing_by_touchpoint_falls_back_to_the_rules_team(org):
    rule = CaseRuleFactory(routing=CaseRule.Routing.TOUCHPOINT, team=org["team_b1"])
    owned = FeedbackFactory(team=org["team_a1"], touchpoint=TouchpointFactory(owning_team=org["team_a2"]))
    orphan = FeedbackFactory(team=org["team_a1"], touchpoint=None)
    assert case_open_for_feedback(feedback=owned, rule=rule).team == org["team_a2"]
    assert case_open_for_feedback(feedback=orphan, rule=rule).team == org["team_b1"]


def test_feedback_without_a_team_joins_the_team_its_case_was_routed_to(org, people):
    # given: no team hint, a touchpoint team A1 owns
    from rest_framework.test import APIClient

    rule = CaseRuleFactory(routing=CaseRule.Routing.TOUCHPOINT)
    item = FeedbackFactory(team=None, touchpoint=TouchpointFactory(owning_team=org["team_a1"]))
    hinted = FeedbackFactory(team=org["team_b1"], touchpoint=TouchpointFactory(owning_team=org["team_a1"]))
    # when
    case_open_for_feedback(feedback=item, rule=rule)
    case_open_for_feedback(feedback=hinted, rule=rule)
    # then: the agent who works the case reads its feedback; a team hint is kept as it was
    item.refresh_from_db()
    hinted.refresh_from_db()
    assert (item.team, hinted.team) == (org["team_a1"], org["team_b1"])
    api = APIClient()
    api.force_authenticate(people["agent"])
    assert api.get(f"/api/v1/feedback/{item.pk}/").status_code == 200


def test_high_priority_cases_alert_the_team_once(org, people):
    rule = CaseRuleFactory(priority="high")
    item = FeedbackFactory(team=org["team_a1"])
    case_open_for_feedback(feedback=item, rule=rule)
    case_open_for_feedback(feedback=item, rule=rule)
    alerted = set(Notification.objects.filter(kind="case_opened").values_list("user__username", flat=True))
    assert alerted == {"agent-a1", "lead-a1"}


def test_processing_triages_with_the_shipped_defaults(org):
    # given: the rules the migration ships (restored here)
    from innerloop.demo import ensure_defaults

    ensure_defaults()
    MembershipFactory(team=org["team_a1"])
    top = CustomerFactory(annual_value=Decimal("50000"), value_tier="top")
    detractor = FeedbackFactory(team=org["team_a1"], score=3, customer=top, comment="Awful")
    promoter = FeedbackFactory(team=org["team_a1"], score=10, comment="Great")
    csat = FeedbackFactory(team=org["team_a1"], scale="csat", score=1, comment="Bad")
    # when
    for item in (detractor, promoter, csat):
        feedback_mark_processed(feedback_id=item.pk)
    # then: the top-value detractor gets the 4-hour SLA, the promoter nothing
    urgent = Case.objects.get(feedback=detractor)
    assert urgent.priority == "urgent"
    assert (urgent.first_contact_due_at - detractor.received_at).total_seconds() == 4 * 3600
    assert not Case.objects.filter(feedback=promoter).exists()
    assert Case.objects.get(feedback=csat).kind.slug == "detractor_recovery"


def test_dry_run_shows_matches_of_an_unsaved_rule_and_saves_nothing(admin_client, org):
    # given: two detractors and a promoter, processed in the last 30 days
    from django.utils import timezone

    from feedback.models import Feedback

    for score in (2, 5, 10):
        FeedbackFactory(team=org["team_a1"], score=score)
    Feedback.objects.update(processed_at=timezone.now())
    CaseRuleFactory(position=1, scales=["nps"], score_max=3, name="Earlier")
    kind = CaseKindFactory()
    form = {
        "position": 5, "name": "New detractor rule", "active": "on", "scales": "nps", "score_max": 6,
        "action": "open_case", "case_kind": kind.pk, "priority": "high", "routing": "feedback",
    }  # fmt: skip
    # when
    response = admin_client.post("/admin/innerloop/caserule/dry-run/", form)
    # then
    result = response.context["result"]
    assert (result["matched"], result["taken_by_earlier_rules"], result["would_open"]) == (2, 1, 1)
    assert CaseRule.objects.count() == 1
    assert not Case.objects.exists()


def test_demo_history_has_closed_coded_cases(db):
    # given / when
    from django.core.management import call_command

    call_command("seed_demo", customers=200, feedback=3000, verbosity=0)
    # then: closed cases, each with the root cause people coded on its feedback
    cases = Case.objects.select_related("feedback")
    assert cases.count() > 50
    assert all(
        case.status == "closed" and case.root_cause_id == case.feedback.confirmed_category_id
        for case in cases
    )
    assert cases.filter(recovery_score__isnull=False).exists()
