"""Triage rules: first match wins, one case per feedback and kind, routing, and the shipped defaults."""

from decimal import Decimal

import pytest
from django.utils import timezone

from cxloop.notifications.models import Notification
from feedback.models import Feedback
from feedback.services.processing import feedback_mark_processed
from innerloop.models import Case, CaseEvent, CaseRule
from innerloop.services.triage import triage_pending
from innerloop.services.triage_rules import rule_matches
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    FeedbackFactory,
    MembershipFactory,
    SourceFactory,
    TeamFactory,
    TouchpointFactory,
)

from .factories import CaseKindFactory, CaseRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_default_rules(db):
    # The shipped defaults are tested on their own below; other tests bring their own rules.
    CaseRule.objects.all().delete()


def triage(*items) -> list[dict]:
    """Mark the items enriched (as the step before does) and triage them; their triage results."""
    Feedback.objects.filter(pk__in=[item.pk for item in items], processed_at__isnull=True).update(
        processed_at=timezone.now()
    )
    triage_pending(feedback_ids=[item.pk for item in items])
    results = dict(Feedback.objects.filter(pk__in=[i.pk for i in items]).values_list("pk", "triage_result"))
    return [results[item.pk] for item in items]


def test_first_matching_rule_wins(org):
    # given
    vip = CaseRuleFactory(
        position=1, name="VIP", scales=["nps"], score_max=6, value_tiers=["top"], priority="urgent"
    )
    CaseRuleFactory(position=2, name="Detractors", scales=["nps"], score_max=6, priority="high")
    item = FeedbackFactory(team=org["team_a1"], score=2, customer=CustomerFactory(value_tier="top"))
    # when
    (result,) = triage(item)
    # then
    case = Case.objects.get()
    assert result == {"case": case.pk, "team": "team-a1", "rule": "VIP"}
    assert (case.priority, case.team, case.rule) == ("urgent", org["team_a1"], vip)
    assert CaseEvent.objects.get(case=case).kind == "opened"


def test_triage_is_idempotent(org):
    CaseRuleFactory(scales=["nps"], score_max=6)
    item = FeedbackFactory(team=org["team_a1"], score=0)
    triage(item)
    triage(item)
    # even when an update sends it through triage again
    Feedback.objects.filter(pk=item.pk).update(triaged_at=None)
    (again,) = triage(item)
    assert Case.objects.count() == 1
    assert again["reason"] == "it already had this case"


def test_a_nothing_rule_stops_later_rules(org):
    CaseRuleFactory(position=1, action=CaseRule.Action.NOTHING, case_kind=None, source_kinds=["employee"])
    CaseRuleFactory(position=2)
    item = FeedbackFactory(team=org["team_a1"], source=SourceFactory(slug="staff", kind="employee"))
    (result,) = triage(item)
    assert result == {"case": None, "reason": f"rule “{CaseRule.objects.first().name}” opens no case"}
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
    sure = {"suggested_category": late, "suggested_confidence": 0.9}
    assert rule_matches(rule, FeedbackFactory(team=org["team_a1"], **sure))
    assert not rule_matches(rule, FeedbackFactory(team=org["team_a1"], confirmed_category=billing, **sure))


def test_a_rule_acts_on_a_suggested_category_only_as_sure_as_it_asks(org):
    # given: a rule on the delivery category that asks for 70 % (a confirmed category always counts)
    delivery = CategoryFactory(slug="delivery")
    rule = CaseRuleFactory(min_confidence=0.7)
    rule.categories.set([delivery])
    # then
    assert not rule_matches(rule, FeedbackFactory(suggested_category=delivery, suggested_confidence=0.69))
    assert rule_matches(rule, FeedbackFactory(suggested_category=delivery, suggested_confidence=0.7))
    assert rule_matches(rule, FeedbackFactory(confirmed_category=delivery, suggested_confidence=None))


def test_routing_by_touchpoint_falls_back_to_the_rules_team(org):
    CaseRuleFactory(routing=CaseRule.Routing.TOUCHPOINT, team=org["team_b1"])
    owned = FeedbackFactory(team=org["team_a1"], touchpoint=TouchpointFactory(owning_team=org["team_a2"]))
    orphan = FeedbackFactory(team=org["team_a1"], touchpoint=None)
    triage(owned, orphan)
    assert Case.objects.get(feedback=owned).team == org["team_a2"]
    assert Case.objects.get(feedback=orphan).team == org["team_b1"]


def test_feedback_without_a_team_joins_the_team_its_case_was_routed_to(org, people):
    # given: no team hint, a touchpoint team A1 owns
    from rest_framework.test import APIClient

    CaseRuleFactory(routing=CaseRule.Routing.TOUCHPOINT)
    item = FeedbackFactory(team=None, touchpoint=TouchpointFactory(owning_team=org["team_a1"]))
    hinted = FeedbackFactory(team=org["team_b1"], touchpoint=TouchpointFactory(owning_team=org["team_a1"]))
    # when
    triage(item, hinted)
    # then: the agent who works the case reads its feedback; a team hint is kept as it was
    item.refresh_from_db()
    hinted.refresh_from_db()
    assert (item.team, hinted.team) == (org["team_a1"], org["team_b1"])
    api = APIClient()
    api.force_authenticate(people["agent"])
    assert api.get(f"/api/v1/feedback/{item.pk}/").status_code == 200


def test_a_high_priority_case_alerts_who_is_working_else_the_lead_once(org, people):
    # given: nobody of team A1 in the app; then the agent is
    from cxloop.org.presence import presence_record

    CaseRuleFactory(priority="high")
    quiet, busy = FeedbackFactory(team=org["team_a1"]), FeedbackFactory(team=org["team_a1"])
    # when
    triage(quiet)
    Feedback.objects.filter(pk=quiet.pk).update(triaged_at=None)
    triage(quiet)
    presence_record(user_id=people["agent"].pk)
    triage(busy)
    # then: one alert per person and case, no email yet (the summary sends those)
    alerts = Notification.objects.filter(kind="case_opened")
    assert {(n.url, n.user.username) for n in alerts} == {
        (f"/cases/{Case.objects.get(feedback=quiet).pk}/", "lead-a1"),
        (f"/cases/{Case.objects.get(feedback=busy).pk}/", "agent-a1"),
    }
    assert not alerts.filter(emailed=True).exists()


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
    triage_pending()
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
        "min_confidence": 0.6, "action": "open_case", "case_kind": kind.pk, "priority": "high",
        "routing": "feedback",
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


# --- every detractor gets an owner ------------------------------------------------------------


@pytest.fixture
def triage_team(org):
    team = org["team_b1"]
    team.is_triage_team = True
    team.save(update_fields=["is_triage_team"])
    return team


def test_a_detractor_with_nothing_to_route_by_lands_in_the_triage_teams_queue(org, triage_team):
    # given: a rule routing by touchpoint, and a detractor with no touchpoint, team hint or customer
    CaseRuleFactory(routing=CaseRule.Routing.TOUCHPOINT, scales=["nps"], score_max=6, priority="high")
    nowhere = FeedbackFactory(team=None, touchpoint=None, customer=None, score=2)
    # when
    (result,) = triage(nowhere)
    # then
    case = Case.objects.get(feedback=nowhere)
    assert case.team == triage_team
    assert result["case"] == case.pk
    assert result["reason"] == "the rule found no team to route to: the triage team owns it"
    nowhere.refresh_from_db()
    assert nowhere.team == triage_team


def test_a_detractor_no_rule_matched_gets_a_needs_owner_case_and_a_promoter_nothing(org, triage_team):
    # given: no rules at all
    detractor = FeedbackFactory(team=org["team_a1"], score=1)
    angry_note = FeedbackFactory(team=org["team_a1"], scale=None, score=None, sentiment=-0.8)
    promoter = FeedbackFactory(team=org["team_a1"], score=10)
    # when
    results = triage(detractor, angry_note, promoter)
    # then
    owned = Case.objects.filter(team=triage_team, kind__slug="needs_owner")
    assert set(owned.values_list("feedback", flat=True)) == {detractor.pk, angry_note.pk}
    assert results[0]["reason"] == "no rule matched this detractor: the triage team owns it"
    assert results[2] == {"case": None, "reason": "no rule matched"}


def test_without_a_triage_team_the_reason_is_recorded_and_logged(org, caplog):
    # given
    CaseRuleFactory(routing=CaseRule.Routing.TOUCHPOINT)
    nowhere = FeedbackFactory(team=None, touchpoint=None, customer=None, score=2)
    # when
    (result,) = triage(nowhere)
    # then: no silent drop: the item says why, and the log says it has no owner
    assert result == {
        "case": None,
        "reason": "the rule found no team to route to, and no triage team is set",
        "unowned": True,
    }
    assert f"feedback {nowhere.pk} has no owner" in caplog.text


def test_managers_see_the_triage_teams_queue_or_how_many_went_unowned(client, people, org, caplog):
    # given: no triage team yet, and two detractors nothing can place (one no rule matched, one a
    # rule could route nowhere); a promoter that needs nobody
    CaseRuleFactory(routing=CaseRule.Routing.TOUCHPOINT, score_min=2, score_max=2)
    unmatched = FeedbackFactory(team=None, touchpoint=None, customer=None, score=1)
    unrouted = FeedbackFactory(team=None, touchpoint=None, customer=None, score=2)
    triage(unmatched, unrouted, FeedbackFactory(team=None, score=10))
    client.force_login(people["manager"])
    # when
    before = client.get("/dashboards/").content.decode()
    TeamFactory(slug="triage", name="Triage", department=org["dept_a"], is_triage_team=True)
    triage(FeedbackFactory(team=None, touchpoint=None, customer=None, score=0))
    after = client.get("/dashboards/").content.decode()
    # then: both are counted and logged while no team is set; then the team's queue is shown
    assert "No triage team is set: 2 detractors in the last 30 days found no owner" in before
    assert f"feedback {unmatched.pk} has no owner" in caplog.text
    assert "<strong>1</strong> open case in the triage team" in after


def test_the_api_answer_tells_where_an_item_went(people, org, triage_team):
    # given
    from rest_framework.test import APIClient

    CaseRuleFactory(scales=["nps"], score_max=6)
    item = FeedbackFactory(team=org["team_a1"], score=3)
    api = APIClient()
    api.force_authenticate(people["agent"])
    before = api.get(f"/api/v1/feedback/{item.pk}/").json()["triage"]
    # when
    triage(item)
    after = api.get(f"/api/v1/feedback/{item.pk}/").json()["triage"]
    # then
    assert before == {"status": "pending"}
    case = Case.objects.get()
    assert after == {"status": "case", "case": case.pk, "team": "team-a1", "rule": case.rule.name}


def test_a_batch_is_triaged_in_a_few_statements(org, people, django_assert_max_num_queries):
    # given: 200 detractors, of which each opens a high-priority case
    CaseRuleFactory(scales=["nps"], score_max=6, priority="high")
    items = FeedbackFactory.create_batch(200, team=org["team_a1"], score=2)
    Feedback.objects.update(processed_at=timezone.now())
    # when / then: claim, context, cases, events, marker, alerts: not a statement or three per item
    with django_assert_max_num_queries(30):
        run = triage_pending(feedback_ids=[item.pk for item in items])
    assert (run.triaged, run.cases) == (200, 200)
    assert Notification.objects.filter(kind="case_opened").count() == 200  # the lead, once per case
