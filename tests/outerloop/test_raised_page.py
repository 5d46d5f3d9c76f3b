"""What happened to what I raised: each person's own items with their outcome in words, and the
employee feedback shown as evidence on a signal's page."""

import re
import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from innerloop.huddles.services import obstacle_create
from innerloop.models.huddles import Huddle
from outerloop import events
from outerloop.models import SignalStatus, Stage
from outerloop.services.signals import signal_dismiss, signal_merge
from tests.factories import CategoryFactory, FeedbackFactory
from tests.visible_words import offences, visible_text, vocabulary

from .factories import InitiativeFactory, SignalFactory
from .outcome_world import escalated_obstacle, staff_item, staff_source, survey_answer

pytestmark = pytest.mark.django_db

URL = "/raised/"


def page_text(client, user, url=URL) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_agent_reads_that_the_obstacle_was_dismissed_with_the_reason(client, org, people):
    # given
    _, signal = escalated_obstacle(
        team=org["team_a1"], raiser=people["agent"], lead=people["lead"], text="Refund limit too low"
    )
    signal_dismiss(signal=signal, actor=people["committee"], reason="Covered by the new refunds policy")
    # when
    text = page_text(client, people["agent"])
    # then
    assert reverse("outerloop:raised") == URL
    assert "Refund limit too low" in text
    assert "Dismissed" in text
    assert "Covered by the new refunds policy" in text
    # an agent cannot open the signals board: the signal is named, not linked
    assert f'href="/signals/{signal.pk}/"' not in text


def test_a_person_never_sees_what_someone_else_raised(client, org, people):
    # given
    escalated_obstacle(
        team=org["team_a1"], raiser=people["agent"], lead=people["lead"], text="Refund limit too low"
    )
    staff_item(
        source=staff_source(), author=people["agent"], category=CategoryFactory(), comment="Scanner broken"
    )
    # when
    text = page_text(client, people["agent_b"])
    # then
    assert "Refund limit too low" not in text
    assert "Scanner broken" not in text
    assert "You have not raised anything yet." in text


def test_an_anonymous_survey_answer_is_never_on_anyones_page(client, people):
    # given: even an answer whose metadata carries a username
    survey_answer(source=staff_source(), category=CategoryFactory(), comment="My manager is unfair",
                  raised_by=people["agent_b"].username)  # fmt: skip
    # when
    text = page_text(client, people["agent_b"])
    # then
    assert "My manager is unfair" not in text


def test_obstacles_kept_escalated_and_merged_say_so(client, org, people):
    # given
    _, merged = escalated_obstacle(
        team=org["team_a1"], raiser=people["agent"], lead=people["lead"], text="Slow tills"
    )
    huddle = Huddle.objects.get()
    obstacle_create(huddle=huddle, actor=people["agent"], text="Printer jams")
    into = SignalFactory(title="Tills / Checkout")
    signal_merge(signal=merged, into=into, actor=people["committee"])
    # when
    text = page_text(client, people["agent"])
    # then
    assert "With the team" in text
    assert "Printer jams" in text
    assert "Merged into “Tills / Checkout”." in text
    assert "A signal for the committee, not decided yet." in text


def test_promoted_signals_show_the_initiative_stage_and_its_reason(client, people):
    # given: three signals the manager raised, promoted to initiatives at three stages
    owner = people["manager"]
    deferred = InitiativeFactory(title="Courier slots", stage=Stage.DEFERRED, owner=owner,
        signals=[SignalFactory(raised_by=owner, status=SignalStatus.PROMOTED)])  # fmt: skip
    events.initiative_decided(initiative=deferred, actor=owner, decision_id=1, outcome=Stage.DEFERRED,
                              rationale="Wait for the new carrier contract", votes={})  # fmt: skip
    InitiativeFactory(title="Refund limit", stage=Stage.ROLLED_OUT, owner=owner,
        what_changed="Agents refund up to 200 EUR",
        signals=[SignalFactory(raised_by=owner, status=SignalStatus.PROMOTED)])  # fmt: skip
    InitiativeFactory(title="Call-backs", stage=Stage.DESIGN, owner=owner,
        signals=[SignalFactory(raised_by=owner, status=SignalStatus.PROMOTED)])  # fmt: skip
    # when
    text = page_text(client, owner)
    # then
    assert "Deferred" in text
    assert "Wait for the new carrier contract" in text
    assert "Rolled out" in text
    assert "Agents refund up to 200 EUR" in text
    assert "now at the stage “Design”" in text
    assert f'href="/initiatives/{deferred.pk}/"' in text  # the manager may open it


def test_staff_feedback_links_to_the_signal_it_fed(client, org, people):
    # given
    category = CategoryFactory(name="Returns form")
    source = staff_source()
    staff_item(source=source, author=people["manager"], category=category,
               comment="Returns form loses orders", team=org["team_a1"])  # fmt: skip
    staff_item(source=source, author=people["manager"], category=CategoryFactory(name="Parking"),
               comment="No parking for couriers")  # fmt: skip
    signal = SignalFactory(category=category, journey_stage=None, title="Returns form", department_ids=[])
    signal_dismiss(signal=signal, actor=people["committee"], reason="The form is replaced in May")
    # when
    text = page_text(client, people["manager"])
    # then: the first item names its signal and its outcome; the other has fed none
    assert "Returns form loses orders" in text
    assert "The form is replaced in May" in text
    assert "Recorded. It has not fed a signal yet" in text


def test_the_page_is_paginated_newest_first(client, org, people):
    # given
    source = staff_source()
    for n in range(25):
        staff_item(
            source=source, author=people["agent"], category=CategoryFactory(), comment=f"Item number {n:02d}"
        )
    # when
    first, second = page_text(client, people["agent"]), page_text(client, people["agent"], f"{URL}?page=2")
    # then
    assert "Item number 24" in first
    assert "Item number 04" not in first
    assert "Item number 04" in second
    assert "Item number 24" not in second
    assert "Page 2 of 2 · 25 items" in second


@pytest.mark.parametrize("items", [2, 30])
def test_the_page_costs_the_same_few_queries_however_many_items(client, org, people, items,
                                                                django_assert_max_num_queries):  # fmt: skip
    # given: obstacles (dismissed), signals promoted to initiatives, staff feedback behind a signal
    agent = people["agent"]
    category = CategoryFactory()
    source = staff_source()
    SignalFactory(category=category, journey_stage=None)
    for n in range(items // 2):
        _, signal = escalated_obstacle(
            team=org["team_a1"], raiser=agent, lead=people["lead"], text=f"Obstacle {n}"
        )
        signal_dismiss(signal=signal, actor=people["committee"], reason="No budget")
        staff_item(source=source, author=agent, category=category, comment=f"Feedback {n}")
    client.force_login(agent)
    # then
    with django_assert_max_num_queries(14):
        assert client.get(URL).status_code == 200


@pytest.mark.parametrize(
    ("answers", "said"),
    [
        (1, "Fewer than 5 anonymous answers from employee surveys count towards this signal"),
        (5, "5 anonymous answers from employee surveys count towards this signal"),
    ],
)
def test_the_signal_page_lists_signed_staff_feedback_and_only_counts_anonymous_answers(
    client, org, people, answers, said
):
    # given
    category = CategoryFactory(name="Returns form")
    source = staff_source()
    staff_item(source=source, author=people["agent"], category=category, comment="Returns form loses orders",
               team=org["team_a1"])  # fmt: skip
    for _ in range(answers):
        survey_answer(source=source, category=category, comment="Returns are a nightmare here")
    signal = SignalFactory(category=category, journey_stage=None)
    # when
    text = page_text(client, people["committee"], f"/signals/{signal.pk}/")
    # then
    assert "What colleagues said" in text
    assert "Returns form loses orders" in text
    assert said in text
    assert "Returns are a nightmare here" not in text
    assert people["agent"].username not in text


def test_the_page_says_words_not_codes(client, org, people):
    # given: a kept obstacle, a dismissed one, a promoted signal at a stage, and staff feedback
    manager = people["manager"]
    _, dismissed = escalated_obstacle(
        team=org["team_a1"], raiser=manager, lead=people["lead"], text="Slow tills"
    )
    signal_dismiss(signal=dismissed, actor=people["committee"], reason="New tills arrive in May")
    obstacle_create(huddle=Huddle.objects.get(), actor=manager, text="Printer jams")
    InitiativeFactory(title="Call-backs", stage=Stage.CUSTOMER_TEST, owner=manager,
        signals=[SignalFactory(raised_by=manager, status=SignalStatus.PROMOTED)])  # fmt: skip
    staff_item(source=staff_source(), author=manager, category=CategoryFactory(name="Parking"))
    client.force_login(manager)
    # when
    html = client.get(URL).content.decode()
    # then
    assert offences(visible_text(html), vocabulary()) == []
    assert "Customer test" in html
    assert "With the team" in html


def test_feedback_signed_with_someone_elses_name_is_not_theirs(client, org, people):
    # given: items another team's agent signed "agent-a1" before the API refused the key (the
    # security review's repro), one even with the staff form's kind of external id
    source = staff_source()
    for external_id in ("forged-1", f"staff-{uuid.uuid4()}"):
        FeedbackFactory(source=source, external_id=external_id, comment=f"Forged words {external_id}",
                        team=org["team_b1"], metadata={"raised_by": people["agent"].username})  # fmt: skip
    # when
    text = page_text(client, people["agent"])
    # then: neither shows as the agent's (nor is the other team's feedback read there)
    assert "Forged words" not in text
    assert "You have not raised anything yet." in text


def test_staff_feedback_changed_by_a_later_delivery_is_no_longer_attributed(client, org, people):
    # given: the agent's item, then the same source and external id sent again with other words
    item = staff_item(source=staff_source(), author=people["agent"], category=CategoryFactory(),
                      comment="Scanner broken")  # fmt: skip
    api = APIClient()
    api.force_authenticate(people["lead"])
    again = {"source": item.source.slug, "external_id": item.external_id, "comment": "Words put in a mouth"}
    assert api.post("/api/v1/feedback/", again, format="json").json()["status"] == "updated"
    # when
    text = page_text(client, people["agent"])
    # then
    assert "Words put in a mouth" not in text
    assert "You have not raised anything yet." in text
