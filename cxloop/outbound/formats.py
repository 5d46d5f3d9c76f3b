"""The request for one attempt, by the endpoint's format.

- Standard Webhooks: the JSON body {"type", "timestamp", "data"} with the signature headers
  (signing.py). The body is the same on every attempt; the timestamp header is the attempt's.
- Slack incoming webhook: {"text": <fallback for notifications>, "blocks": [...]} in Block Kit
  (https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/block-kit/blocks): a
  header block, a section of fields, and a button to the page.
- Microsoft Teams: the message the Workflows app's "Send webhook alerts to a channel" template (the
  replacement for the retired Office 365 connectors and their MessageCard) posts: {"type": "message",
  "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": <Adaptive
  Card 1.4>}]} with a title TextBlock, a FactSet and an Action.OpenUrl.
Chat messages carry no signature: their URL is the secret, so it is stored and shown masked.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .models import EndpointFormat, EventType, OutboundEvent
from .signing import signature_headers

ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
SLACK_HEADER_MAX = 150
SLACK_FIELDS_MAX = 10


def standard_body(event: OutboundEvent) -> bytes:
    body = {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.payload}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def request_for(*, endpoint: Any, event: OutboundEvent, now: datetime) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of one attempt to `endpoint`."""
    headers = {"Content-Type": "application/json"}
    if endpoint.format == EndpointFormat.SLACK:
        return json.dumps(slack_message(event)).encode(), headers
    if endpoint.format == EndpointFormat.TEAMS:
        return json.dumps(teams_message(event)).encode(), headers
    body = standard_body(event)
    return body, {
        **headers,
        **signature_headers(secret=endpoint.secret, msg_id=event.id, timestamp=now, body=body),
    }


@dataclass(frozen=True)
class Summary:
    title: str
    facts: list[tuple[str, str]]
    link_text: str
    url: str


def _fact(label: str, value: Any) -> tuple[str, str] | None:
    return (label, str(value)) if value not in (None, "") else None


def _case_summary(event_type: str, data: dict[str, Any]) -> Summary:
    case = data.get("case") or {}
    kind, team = (case.get("kind") or {}).get("name"), (case.get("team") or {}).get("name")
    titles = {
        EventType.CASE_OPENED: _("New %(priority)s case: %(kind)s"),
        EventType.CASE_ESCALATED: _("Overdue %(priority)s case: %(kind)s"),
        EventType.CASE_RESOLVED: _("Case resolved: %(kind)s"),
    }
    title = titles[EventType(event_type)] % {
        "priority": (case.get("priority_label") or "").lower(),
        "kind": kind,
    }
    level: int = (data.get("escalation") or {}).get("level", 0)
    facts = [
        _fact(_("Case"), f"#{case.get('id')}"),
        _fact(_("Priority"), case.get("priority_label")),
        _fact(_("Team"), team),
        _fact(_("Escalated to"), {1: _("the team lead"), 2: _("the manager")}.get(level)),
    ]
    return Summary(title, [f for f in facts if f], _("Open the case"), case.get("url", ""))


def _outer_summary(event_type: str, data: dict[str, Any]) -> Summary:
    if event_type == EventType.SIGNAL_RAISED:
        signal = data.get("signal") or {}
        title = _("New signal: %(title)s") % {"title": signal.get("title") or signal.get("kind_label")}
        facts = [_fact(_("Kind"), signal.get("kind_label")), _fact(_("Mentions"), signal.get("recent_count")),
                 _fact(_("Teams"), signal.get("teams"))]  # fmt: skip
        return Summary(title, [f for f in facts if f], _("Open the signal"), signal.get("url", ""))
    initiative = data.get("initiative") or {}
    if event_type == EventType.DECISION_TAKEN:
        decision = data.get("decision") or {}
        title = _("Committee decision: %(title)s") % {"title": initiative.get("title")}
        facts = [
            _fact(_("Decision"), initiative.get("stage_label")),
            _fact(_("Initiative"), initiative.get("title")),
        ]
        return Summary(title, [f for f in facts if f], _("Open the meeting"), decision.get("url", ""))
    title = _("Initiative moved to %(stage)s: %(title)s") % {
        "stage": initiative.get("stage_label"), "title": initiative.get("title")
    }  # fmt: skip
    facts = [_fact(_("From"), data.get("from_stage_label")), _fact(_("To"), initiative.get("stage_label"))]
    return Summary(title, [f for f in facts if f], _("Open the initiative"), initiative.get("url", ""))


def _feedback_summary(data: dict[str, Any]) -> Summary:
    feedback = data.get("feedback") or {}
    facts = [
        _fact(_("Scale"), (feedback.get("scale") or "").upper()),
        _fact(_("Score"), feedback.get("score")),
    ]
    return Summary(
        _("Feedback received"), [f for f in facts if f], _("Open the feedback"), feedback.get("url", "")
    )


def summary(event: OutboundEvent) -> Summary:
    """A short title, a few facts and a link, in the site's language."""
    data = event.payload
    with translation.override(settings.LANGUAGE_CODE):
        if data.get("test"):
            return Summary(
                _("Test message from cxloop"), [], _("Open cxloop"), settings.CXLOOP_BASE_URL + "/"
            )
        if event.type in (EventType.CASE_OPENED, EventType.CASE_ESCALATED, EventType.CASE_RESOLVED):
            return _case_summary(event.type, data)
        if event.type == EventType.FEEDBACK_RECEIVED:
            return _feedback_summary(data)
        return _outer_summary(event.type, data)


def _slack_escape(text: str) -> str:
    # mrkdwn's three control characters (https://api.slack.com/reference/surfaces/formatting#escaping)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(event: OutboundEvent) -> dict[str, Any]:
    said = summary(event)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": said.title[:SLACK_HEADER_MAX], "emoji": False},
        }
    ]
    if said.facts:
        fields = [
            {"type": "mrkdwn", "text": f"*{_slack_escape(label)}*\n{_slack_escape(value)}"}
            for label, value in said.facts[:SLACK_FIELDS_MAX]
        ]
        blocks.append({"type": "section", "fields": fields})
    if said.url:
        button = {"type": "button", "text": {"type": "plain_text", "text": said.link_text}, "url": said.url}
        blocks.append({"type": "actions", "elements": [button]})
    return {"text": said.title, "blocks": blocks}


def teams_message(event: OutboundEvent) -> dict[str, Any]:
    said = summary(event)
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": said.title, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if said.facts:
        body.append(
            {"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in said.facts]}
        )
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if said.url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": said.link_text, "url": said.url}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }
