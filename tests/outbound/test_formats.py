"""Slack and Teams alerts in their documented incoming-webhook shapes; chat messages are unsigned."""

from datetime import UTC, datetime

import pytest

from cxloop.outbound.formats import request_for, slack_message, teams_message
from cxloop.outbound.models import OutboundEvent
from tests.factories import OutboundEndpointFactory

CASE = {
    "case": {
        "id": 42, "url": "http://cx.test/cases/42/", "kind": {"id": 1, "slug": "k", "name": "Refund <late>"},
        "priority": "urgent", "priority_label": "Urgent", "status": "new", "status_label": "New",
        "team": {"id": 3, "slug": "lisbon", "name": "Lisbon & Porto"}, "feedback_id": 9,
    }
}  # fmt: skip
DECISION = {
    "decision": {"id": 5, "url": "http://cx.test/committee/meetings/2/", "outcome": "approved",
                 "outcome_label": "Approve", "decided_at": "2026-01-01T10:00:00+00:00", "meeting_id": 2},
    "initiative": {"id": 8, "url": "http://cx.test/initiatives/8/", "title": "Faster refunds",
                   "stage": "approved", "stage_label": "Approved"},
}  # fmt: skip
SIGNAL = {
    "signal": {"id": 1, "url": "http://cx.test/signals/1/", "kind": "root_cause",
               "kind_label": "Recurring root cause", "title": "Late delivery", "recent_count": 12, "teams": 3}
}  # fmt: skip
EVENTS = [
    ("case.opened", CASE),
    ("case.escalated", {**CASE, "escalation": {"level": 2, "clock": "resolution"}}),
    ("decision.taken", DECISION),
    ("case.resolved", CASE),
    ("signal.raised", SIGNAL),
]


def event(type_, payload):
    return OutboundEvent(id="msg_x", type=type_, payload=payload, created_at=datetime(2026, 1, 1, tzinfo=UTC))


def assert_text_object(obj, *, kinds=("plain_text", "mrkdwn")):
    assert obj["type"] in kinds
    assert isinstance(obj["text"], str)
    assert obj["text"]


@pytest.mark.parametrize(("type_", "payload"), EVENTS)
def test_slack_messages_are_block_kit_with_a_fallback_text(type_, payload):
    message = slack_message(event(type_, payload))
    assert set(message) == {"text", "blocks"}
    assert isinstance(message["text"], str)
    assert message["text"]
    header, *rest = message["blocks"]
    assert header["type"] == "header"
    assert_text_object(header["text"], kinds=("plain_text",))
    assert len(header["text"]["text"]) <= 150
    for block in rest:
        assert block["type"] in ("section", "actions")
        if block["type"] == "section":
            assert 1 <= len(block["fields"]) <= 10
            for item in block["fields"]:
                assert_text_object(item)
                assert len(item["text"]) <= 2000
        else:
            [button] = block["elements"]
            assert button["type"] == "button"
            assert_text_object(button["text"], kinds=("plain_text",))
            assert button["url"].startswith("http://cx.test/")


def test_slack_escapes_its_control_characters_and_says_what_happened():
    message = slack_message(event("case.opened", CASE))
    assert message["text"] == "New urgent case: Refund <late>"  # plain_text header and fallback: as is
    fields = " ".join(item["text"] for item in message["blocks"][1]["fields"])
    assert "Lisbon &amp; Porto" in fields
    assert "*Priority*\nUrgent" in fields


@pytest.mark.parametrize(("type_", "payload"), EVENTS)
def test_teams_messages_carry_an_adaptive_card(type_, payload):
    message = teams_message(event(type_, payload))
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    title, *rest = card["body"]
    assert title["type"] == "TextBlock"
    assert title["text"]
    assert title["wrap"] is True
    for element in rest:
        assert element["type"] == "FactSet"
        for fact in element["facts"]:
            assert set(fact) == {"title", "value"}
            assert all(isinstance(v, str) and v for v in fact.values())
    [action] = card["actions"]
    assert action["type"] == "Action.OpenUrl"
    assert action["url"].startswith("http://cx.test/")
    assert action["title"]


def test_a_committee_decision_reads_as_one(db):
    card = teams_message(event("decision.taken", DECISION))["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Committee decision: Faster refunds"
    assert {"title": "Decision", "value": "Approved"} in card["body"][1]["facts"]


@pytest.mark.django_db
@pytest.mark.parametrize("format_", ["slack", "teams"])
def test_chat_messages_are_not_signed(format_):
    endpoint = OutboundEndpointFactory(format=format_, url="https://chat.test/x")
    body, headers = request_for(endpoint=endpoint, event=event("case.opened", CASE), now=datetime.now(UTC))
    assert headers == {"Content-Type": "application/json"}
    assert body.startswith(b"{")
