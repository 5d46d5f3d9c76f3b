"""Triage rules inside the product (/settings/triage-rules/): admins only, a form of names with
errors per field, a dry run of the unsaved form that stores nothing, enabling and disabling, and an
audit row for every change."""

import pytest
from django.utils import timezone

from cxloop.core.models import AuditEvent
from feedback.models import Feedback
from innerloop.models import Case, CaseRule
from tests.factories import CustomerFactory, FeedbackFactory, SourceFactory, TouchpointFactory

from .factories import CaseKindFactory, CaseRuleFactory, SlaPolicyFactory

pytestmark = pytest.mark.django_db

LIST = "/settings/triage-rules/"
NEW = "/settings/triage-rules/new/"


@pytest.fixture(autouse=True)
def no_default_rules(db):
    CaseRule.objects.all().delete()


def rule_form(**changes) -> dict:
    kind = CaseKindFactory()
    form = {
        "name": "Detractors on the website",
        "position": 5,
        "active": "on",
        "scales": ["nps"],
        "score_max": 6,
        "min_confidence": 0.6,
        "action": "open_case",
        "case_kind": kind.pk,
        "priority": "high",
        "sla_policy": SlaPolicyFactory().pk,
        "routing": "feedback",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


@pytest.mark.parametrize("role", ["agent", "lead", "manager", "committee"])
@pytest.mark.parametrize("path", [LIST, NEW])
def test_only_admins_reach_the_rules(client, people, role, path):
    # given
    client.force_login(people[role])
    # when
    get = client.get(path)
    post = client.post(NEW, rule_form())
    # then
    assert (get.status_code, post.status_code) == (403, 403)
    assert not CaseRule.objects.exists()


def test_the_list_shows_rules_in_order_in_words(client, people, org):
    # given
    CaseRuleFactory(position=2, name="Second", source_kinds=["call_centre"], value_tiers=["top"])
    CaseRuleFactory(position=1, name="First", segments=["small_business"], active=False)
    client.force_login(people["admin"])
    # when
    page = client.get(LIST).content.decode()
    # then
    assert page.index("First") < page.index("Second")
    assert "Call centre" in page
    assert "Top value" in page
    assert "Small business" in page
    assert "call_centre" not in page
    assert "small_business" not in page
    assert 'href="/settings/triage-rules/"' in page
    assert 'href="/settings/sources/"' in page


def test_an_admin_creates_a_rule_with_names_and_it_is_audited(client, people, org):
    # given
    touchpoint = TouchpointFactory(name="Checkout")
    client.force_login(people["admin"])
    # when
    response = client.post(
        NEW,
        rule_form(
            touchpoints=[touchpoint.pk],
            keywords="refund, late delivery",
            routing="fixed",
            team=org["team_a2"].pk,
            value_tiers=["high", "top"],
        ),
    )
    # then
    assert response.status_code == 302
    rule = CaseRule.objects.get()
    assert (rule.name, rule.scales, rule.score_max, rule.keywords) == (
        "Detractors on the website",
        ["nps"],
        6,
        ["refund", "late delivery"],
    )
    assert list(rule.touchpoints.all()) == [touchpoint]
    assert (rule.team, rule.value_tiers) == (org["team_a2"], ["high", "top"])
    event = AuditEvent.objects.get(verb="rule.created")
    assert event.target_id == str(rule.pk)
    assert "Detractors" not in str(event.data)  # field names only, never staff's words
    assert "touchpoints" in event.data["fields"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"case_kind": None}, "case_kind", "kind of case"),
        ({"routing": "fixed"}, "team", "Choose the team"),
        ({"score_min": 8, "score_max": 3}, "score_max", "at least the lowest score"),
        ({"score_max": 12}, "score_max", "No chosen scale has this score"),
        ({"sentiment_max": 3}, "sentiment_max", "Sentiment runs from -1"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_a_wrong_rule_gets_an_error_on_its_field_and_is_not_saved(client, people, changes, field, words):
    # given
    client.force_login(people["admin"])
    # when
    response = client.post(NEW, rule_form(**changes))
    # then
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert words in " ".join(errors[field])
    assert not CaseRule.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="rule.").exists()


def test_the_dry_run_counts_routes_and_samples_the_unsaved_form_and_stores_nothing(client, people, org):
    # given: two detractors and a promoter of the last days; an earlier rule takes the worst one
    for score in (2, 5, 10):
        FeedbackFactory(team=org["team_a1"], score=score, comment=f"Score {score}, call me on 07700 900123")
    Feedback.objects.update(processed_at=timezone.now())
    CaseRuleFactory(position=1, scales=["nps"], score_max=3, name="Earlier")
    client.force_login(people["admin"])
    # when
    response = client.post(NEW, {**rule_form(), "dry_run": "1"})
    # then
    result = response.context["dry_run"]
    assert (result["matched"], result["taken_by_earlier_rules"], result["would_open"]) == (2, 1, 1)
    assert result["teams"] == [("Team A1", 1)]
    page = response.content.decode()
    assert "Score 5" in page
    assert "Team A1" in page
    assert CaseRule.objects.count() == 1
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="rule.").exists()


def test_the_dry_run_of_an_edited_rule_uses_the_form_not_the_saved_rule(client, people, org):
    # given: the saved rule matches everything from one source; the form narrows it to another
    wanted, other = SourceFactory(name="Survey tool"), SourceFactory(name="Reviews")
    FeedbackFactory(source=wanted, score=3, team=org["team_a1"])
    FeedbackFactory(source=other, score=3, team=org["team_a1"])
    Feedback.objects.update(processed_at=timezone.now())
    rule = CaseRuleFactory(position=1, name="Any")
    rule.sources.set([other])
    client.force_login(people["admin"])
    # when
    response = client.post(f"{LIST}{rule.pk}/", {**rule_form(sources=[wanted.pk]), "dry_run": "1"})
    # then
    assert response.context["dry_run"]["matched"] == 1
    assert response.context["dry_run"]["samples"][0]["item"].source == wanted
    assert list(CaseRule.objects.get().sources.all()) == [other]


def test_an_admin_edits_a_rule_and_only_changed_fields_are_audited(client, people):
    # given
    rule = CaseRuleFactory(position=1, name="Detractors", scales=["nps"], score_max=6, priority="normal")
    client.force_login(people["admin"])
    form = rule_form(name="Detractors", position=1, case_kind=rule.case_kind.pk, priority="urgent")
    # when
    response = client.post(f"{LIST}{rule.pk}/", form)
    # then
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.priority == "urgent"
    event = AuditEvent.objects.get(verb="rule.changed")
    assert "priority" in event.data["fields"]
    assert "name" not in event.data["fields"]


def test_disabling_and_enabling_a_rule_is_audited(client, people):
    # given
    rule = CaseRuleFactory(position=1, name="Detractors")
    client.force_login(people["admin"])
    # when
    client.post(f"{LIST}{rule.pk}/active/", {"active": "0"})
    disabled = CaseRule.objects.get().active
    client.post(f"{LIST}{rule.pk}/active/", {"active": "1"})
    # then
    assert (disabled, CaseRule.objects.get().active) == (False, True)
    assert AuditEvent.objects.filter(verb="rule.changed", data__fields=["active"]).count() == 2


def test_agents_cannot_switch_rules(client, people):
    # given
    rule = CaseRuleFactory(position=1, name="Detractors")
    client.force_login(people["agent"])
    # when
    response = client.post(f"{LIST}{rule.pk}/active/", {"active": "0"})
    # then
    assert response.status_code == 403
    assert CaseRule.objects.get().active is True


def test_the_form_offers_segments_by_name(client, people):
    # given
    CustomerFactory(segment="small_business")
    client.force_login(people["admin"])
    # when
    page = client.get(NEW).content.decode()
    # then
    assert 'value="small_business"' in page
    assert "Small business" in page


def test_saving_an_unchanged_rule_records_nothing(client, people):
    # given
    rule = CaseRuleFactory(position=1, name="Detractors", scales=["nps"], score_max=6, priority="high")
    client.force_login(people["admin"])
    form = rule_form(
        name="Detractors", position=1, case_kind=rule.case_kind.pk, sla_policy=rule.sla_policy.pk
    )
    # when
    response = client.post(f"{LIST}{rule.pk}/", form)
    # then
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(verb__startswith="rule.").exists()
