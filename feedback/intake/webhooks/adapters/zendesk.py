"""Zendesk: a customer's satisfaction rating (good or bad) on a solved ticket.

Zendesk's event subscriptions (`"type": "zen:event-type:..."`) carry no satisfaction ratings,
so they are ignored. Ratings come from a webhook connected to a trigger such as "Satisfaction
changed", whose JSON body the admin writes with placeholders, e.g.:

    {"satisfaction": {"current_rating": "{{satisfaction.current_rating}}",
                      "current_comment": "{{satisfaction.current_comment}}"},
     "ticket": {"id": "{{ticket.id}}", "updated_at": "{{ticket.updated_at_with_timestamp}}"},
     "requester": {"id": "{{ticket.requester.id}}", "external_id": "{{ticket.requester.external_id}}",
                   "email": "{{ticket.requester.email}}", "name": "{{ticket.requester.name}}"}}

A Satisfaction Ratings API object (`id`, `ticket_id`, `score`, `comment`, `created_at`,
`updated_at`, `reason`), at the top level or under `satisfaction_rating`, is accepted too.
https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/

Mapping: the rating id, else `ticket-<ticket id>`, is the external id, so a customer who
changes a rating updates the same row. Good is CSAT 5 and bad CSAT 1 (configurable);
offered-but-unrated is ignored. The requester's own external id, else email, is the customer.

field_mapping options (all optional):
    {"adapter": "zendesk", "ratings": {"good": 5, "bad": 1}}
"""

from typing import Any

from feedback.intake.webhooks.signatures import verify_zendesk as verify

from .base import Ignored, MappingError, config_error, customer_of, text

__all__ = ["NAME", "to_contract", "verify"]

NAME = "zendesk"
RATINGS = {"good": 5, "bad": 1}
NOT_RATED = ("", "offered", "unoffered", "not")


def _object(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _ratings(config: dict) -> dict[str, int]:
    custom = config.get("ratings") or {}
    if not isinstance(custom, dict) or not set(custom) <= set(RATINGS):
        raise config_error('ratings maps "good" and "bad" to CSAT scores (1-5)')
    return {**RATINGS, **custom}


def _verdict(rating: Any) -> str:
    """good, bad or not rated, from an API score (good_with_comment) or a placeholder ("Good")."""
    words = (text(rating) or "").lower().replace("_", " ").replace(",", " ").split()
    return words[0] if words else ""


def to_contract(*, payload: dict, headers, config: dict) -> dict | Ignored:
    """A contract item from a satisfaction rating; Zendesk event subscriptions are ignored."""
    event_type = text(payload.get("type")) or ""
    if event_type.startswith("zen:event-type:"):
        return Ignored(f"Zendesk event {event_type[:80]!r} is not a satisfaction rating")
    ratings = _ratings(config)
    rating = _object(payload.get("satisfaction_rating")) or _object(payload.get("satisfaction")) or payload
    ticket = _object(payload.get("ticket"))

    verdict = _verdict(rating.get("score", rating.get("current_rating")))
    if verdict in NOT_RATED:
        return Ignored("the satisfaction survey was offered but not answered")
    if verdict not in ratings:
        raise MappingError({"score": [f'unknown Zendesk rating "{verdict[:40]}": expected good or bad.']})

    ticket_id = text(rating.get("ticket_id")) or text(ticket.get("id")) or text(payload.get("ticket_id"))
    # At the top level an "id" is the rating's only when the payload is a rating object (has a score).
    is_rating_object = rating is not payload or "score" in payload
    rating_id = text(rating.get("id")) if is_rating_object else None
    if not rating_id and not ticket_id:
        raise MappingError({"external_id": ["a satisfaction rating id or a ticket id is required."]})

    item: dict[str, Any] = {
        "external_id": rating_id or f"ticket-{ticket_id}",
        "scale": "csat",
        "score": ratings[verdict],
    }
    comment = rating.get("comment", rating.get("current_comment"))
    if text(comment):
        item["comment"] = comment
    occurred_at = rating.get("updated_at") or rating.get("created_at") or ticket.get("updated_at")
    if text(occurred_at):
        item["occurred_at"] = occurred_at

    requester = _object(payload.get("requester")) or _object(ticket.get("requester"))
    customer = customer_of(
        own_id=requester.get("external_id"),
        email=requester.get("email"),
        vendor_key=f"zendesk:{requester['id']}" if text(requester.get("id")) else None,
        name=requester.get("name"),
    )
    if customer:
        item["customer"] = customer
    metadata = {
        "ticket_id": ticket_id,
        "zendesk_requester_id": text(requester.get("id")) or text(rating.get("requester_id")),
        "reason": text(rating.get("reason")),
    }
    item["metadata"] = {key: value for key, value in metadata.items() if value}
    return item
