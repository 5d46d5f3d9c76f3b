"""Events are recorded with the change they report, one delivery per subscribed endpoint, and sent
after commit; nobody subscribed costs no write, and bulk feedback no query per item."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from cxloop.outbound.models import OutboundDelivery, OutboundEvent
from cxloop.outbound.services import event_emit, feedback_received_emit
from cxloop.outbound.subscriptions import subscribers_forget
from innerloop.models import CaseStatus, Priority
from innerloop.services.cases import case_resolve
from innerloop.services.escalation import cases_escalate_overdue
from innerloop.services.triage import triage_pending
from tests.factories import (
    CategoryFactory,
    FeedbackFactory,
    OutboundEndpointFactory,
    SourceFactory,
    TeamFactory,
)
from tests.innerloop.factories import CaseFactory

pytestmark = pytest.mark.django_db

EMAIL_OR_NAME = ("@", "Lovelace", "comment")


def events_of(type_: str) -> list[OutboundEvent]:
    return list(OutboundEvent.objects.filter(type=type_).order_by("created_at"))


def test_an_event_goes_to_each_active_endpoint_that_subscribes_and_is_sent_after_commit(
    django_capture_on_commit_callbacks,
):
    # given
    first = OutboundEndpointFactory(event_types=["decision.taken", "case.resolved"])
    second = OutboundEndpointFactory(event_types=["case.resolved"])
    OutboundEndpointFactory(event_types=["case.opened"])
    OutboundEndpointFactory(event_types=["case.resolved"], active=False)
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        event = event_emit(type="case.resolved", payload={"case": {"id": 7}})
    # then
    assert event is not None
    assert event.id.startswith("msg_")
    assert len(event.id) == 30
    deliveries = OutboundDelivery.objects.filter(event=event)
    assert {d.endpoint_id for d in deliveries} == {first.pk, second.pk}
    assert {d.state for d in deliveries} == {OutboundDelivery.State.PENDING}
    assert len(callbacks) == 2  # one `outbound.deliver` per delivery, after commit


def test_an_event_nobody_wants_writes_nothing(django_assert_num_queries):
    OutboundEndpointFactory(event_types=["case.opened"])
    with django_assert_num_queries(1):  # the endpoints, read afresh in tests
        assert event_emit(type="decision.taken", payload={"decision": {"id": 1}}) is None
    assert not OutboundEvent.objects.exists()


def _resolve_then_fail() -> None:
    with transaction.atomic():
        event_emit(type="case.resolved", payload={"case": {"id": 7}})
        raise RuntimeError("the change failed")


def test_a_rolled_back_change_sends_nothing():
    OutboundEndpointFactory(event_types=["case.resolved"])
    with pytest.raises(RuntimeError):
        _resolve_then_fail()
    assert not OutboundEvent.objects.exists()
    assert not OutboundDelivery.objects.exists()


def test_bulk_feedback_costs_no_query_while_nobody_subscribes_and_two_inserts_when_someone_does(
    settings, django_assert_num_queries
):
    # given: the endpoint list kept for a few seconds, as in production
    settings.CXLOOP_OUTBOUND_SUBSCRIBERS_CACHE_SECONDS = 60
    subscribers_forget()
    OutboundEndpointFactory(event_types=["case.opened"])
    rows = [{"source_id": 1, "external_id": f"r{n}", "scale": "nps", "score": n % 11} for n in range(500)]
    inserted = [(n + 1, 1, f"r{n}") for n in range(500)]
    feedback_received_emit(rows=rows[:1], inserted=[])  # nothing inserted: nothing read
    with django_assert_num_queries(1):
        feedback_received_emit(rows=rows, inserted=inserted)  # reads the endpoints once
    with django_assert_num_queries(0):
        feedback_received_emit(rows=rows, inserted=inserted)
    # when someone subscribes: the events and deliveries in one INSERT each
    OutboundEndpointFactory(event_types=["feedback.received"], feedback_filter={"max_score": 6})
    subscribers_forget()
    feedback_received_emit(rows=rows[:1], inserted=inserted[:1])  # warms the list
    with django_assert_num_queries(2):
        feedback_received_emit(rows=rows, inserted=inserted)
    subscribers_forget()
    assert OutboundDelivery.objects.count() == 1 + sum(1 for row in rows if row["score"] <= 6)


def test_feedback_received_through_the_api_is_filtered_by_score_scale_and_source(people):
    # given
    survey, calls = SourceFactory(slug="survey"), SourceFactory(slug="calls")
    detractors = OutboundEndpointFactory(
        event_types=["feedback.received"],
        feedback_filter={"max_score": 6, "scales": ["nps"], "sources": [survey.pk]},
    )
    everything = OutboundEndpointFactory(event_types=["feedback.received"])
    client = APIClient()
    client.force_authenticate(people["admin"])
    customer = {"external_id": "c1", "name": "Ada Lovelace", "email": "ada@example.test"}
    items = [
        {
            "source": "survey",
            "external_id": "a",
            "scale": "nps",
            "score": 3,
            "comment": "awful",
            "customer": customer,
        },
        {"source": "survey", "external_id": "b", "scale": "nps", "score": 9},
        {"source": "survey", "external_id": "c", "scale": "csat", "score": 1},
        {"source": "calls", "external_id": "d", "scale": "nps", "score": 2},
    ]
    # when
    response = client.post("/api/v1/feedback/", data=json.dumps(items), content_type="application/json")
    again = client.post("/api/v1/feedback/", data=json.dumps(items), content_type="application/json")
    # then: one event per item created (not for the duplicates), each where its filter lets it
    assert response.status_code == 201, response.content
    assert again.status_code in (200, 207), again.content
    events = events_of("feedback.received")
    assert len(events) == 4
    to_detractors = OutboundDelivery.objects.filter(endpoint=detractors).select_related("event")
    assert [d.event.payload["feedback"]["score"] for d in to_detractors] == [3]
    assert OutboundDelivery.objects.filter(endpoint=everything).count() == 4
    sent = json.dumps([event.payload for event in events])
    assert not any(word in sent for word in EMAIL_OR_NAME), sent
    assert events[0].payload["feedback"]["url"].endswith(f"/feedback/{events[0].payload['feedback']['id']}/")
    assert calls.pk in {event.payload["feedback"]["source_id"] for event in events}


def test_triage_reports_each_case_it_opens_and_chat_channels_hear_only_high_priority(org):
    # given: detractors no rule matches, which the triage team owns at high priority
    TeamFactory(slug="triage", name="Triage", is_triage_team=True)
    standard = OutboundEndpointFactory(event_types=["case.opened"])
    slack = OutboundEndpointFactory(
        event_types=["case.opened"], format="slack", url="https://hooks.slack.test/x"
    )
    quiet = OutboundEndpointFactory(
        event_types=["case.opened"], feedback_filter={"case_priorities": ["urgent"]}
    )
    items = FeedbackFactory.create_batch(3, score=2, processed_at=timezone.now())
    # when
    run = triage_pending(feedback_ids=[item.pk for item in items])
    # then
    assert run.cases == 3
    events = events_of("case.opened")
    assert len(events) == 3
    case = events[0].payload["case"]
    assert (case["priority"], case["priority_label"], case["status"]) == (
        Priority.HIGH,
        "High",
        CaseStatus.NEW,
    )
    assert set(case["team"]) == {"id", "slug", "name"}
    assert case["kind"]["name"]
    assert OutboundDelivery.objects.filter(endpoint=standard).count() == 3
    assert OutboundDelivery.objects.filter(endpoint=slack).count() == 3
    assert not OutboundDelivery.objects.filter(endpoint=quiet).exists()


def test_a_normal_priority_case_reaches_signed_webhooks_but_not_chat(org):
    standard = OutboundEndpointFactory(event_types=["case.opened"])
    teams = OutboundEndpointFactory(event_types=["case.opened"], format="teams", url="https://teams.test/x")
    case = CaseFactory(team=org["team_a1"], priority=Priority.NORMAL)
    from cxloop.outbound.services import case_event_emit

    case_event_emit(type="case.opened", case=case)
    assert OutboundDelivery.objects.filter(endpoint=standard).count() == 1
    assert not OutboundDelivery.objects.filter(endpoint=teams).exists()


def test_escalation_and_resolution_are_reported(org, people):
    # given
    OutboundEndpointFactory(event_types=["case.escalated", "case.resolved"])
    case = CaseFactory(team=org["team_a1"], due_at=timezone.now() - timedelta(minutes=5))
    # when
    cases_escalate_overdue()
    case_resolve(
        case=case, actor=people["agent"], root_cause=CategoryFactory(slug="late"), resolution_note="Refunded"
    )
    # then
    escalated, resolved = events_of("case.escalated"), events_of("case.resolved")
    assert [e.payload["escalation"] for e in escalated] == [{"level": 1, "clock": "first_contact"}]
    assert [e.payload["case"]["id"] for e in resolved] == [case.pk]
    assert resolved[0].payload["case"]["status"] == CaseStatus.RESOLVED
    assert "Refunded" not in json.dumps(resolved[0].payload)
