"""Typeform: a `form_response` per submitted typeform.

Payload (https://www.typeform.com/developers/webhooks/example-payload/): `event_type`,
`form_response` with `form_id`, `token` (the response id), `submitted_at`, `hidden` (hidden
fields passed in the form's URL), and `answers`, each with a `field` (`id`, `ref`, `type`) and
a value under the key its `type` names (`number`, `text`, `email`...).

Mapping: `token` is the external id; `submitted_at` the time; the first opinion_scale, nps or
rating answer is the score, on the scale from config (an `nps` field is always NPS); the first
long_text answer is the comment, else the first short_text; hidden fields give the customer.

field_mapping options (all optional):
    {"adapter": "typeform", "scale": "csat",           # scale of opinion_scale/rating answers (default nps)
     "score_field": "<field ref or id>",               # pick the score question explicitly
     "comment_field": "<field ref or id>",             # pick the comment question explicitly
     "hidden_fields": {"external_id": "customer_id", "email": "email", "name": "name"}}
"""

from typing import Any

from feedback.intake.webhooks.signatures import verify_typeform as verify

from .base import SCALES, Ignored, config_error, customer_of, text

__all__ = ["NAME", "to_contract", "verify"]

NAME = "typeform"
SCORE_TYPES = ("opinion_scale", "nps", "rating")
COMMENT_TYPES = ("long_text", "short_text")
HIDDEN_FIELDS = {"external_id": "customer_id", "email": "email", "name": "name", "phone": "phone"}


def _field(answer: dict) -> dict:
    field = answer.get("field")
    return field if isinstance(field, dict) else {}


def _named(answers: list[dict], name: str | None) -> dict | None:
    if not name:
        return None
    return next((a for a in answers if name in (_field(a).get("ref"), _field(a).get("id"))), None)


def _first_of(answers: list[dict], field_type: str) -> dict | None:
    return next((a for a in answers if _field(a).get("type") == field_type), None)


def _score(answers: list[dict], config: dict) -> tuple[Any, str | None]:
    answer = _named(answers, config.get("score_field")) or next(
        (a for a in answers if _field(a).get("type") in SCORE_TYPES), None
    )
    if answer is None:
        return None, None
    scale = "nps" if _field(answer).get("type") == "nps" else config.get("scale", "nps")
    return answer.get("number"), scale


def _comment(answers: list[dict], config: dict) -> str | None:
    answer = _named(answers, config.get("comment_field"))
    for field_type in COMMENT_TYPES:
        answer = answer or _first_of(answers, field_type)
    return text(answer.get("text")) if answer else None


def to_contract(*, payload: dict, headers, config: dict) -> dict | Ignored:
    """A contract item from a `form_response`; any other event type is ignored."""
    if payload.get("event_type") != "form_response":
        return Ignored(f"Typeform event {str(payload.get('event_type'))[:60]!r} is not a form response")
    response = payload.get("form_response")
    if not isinstance(response, dict):
        return Ignored("no form_response in the payload")
    if config.get("scale", "nps") not in SCALES:
        raise config_error(f"scale must be one of {', '.join(sorted(SCALES))}")
    custom_names = config.get("hidden_fields") or {}
    if not isinstance(custom_names, dict) or not all(isinstance(v, str) for v in custom_names.values()):
        raise config_error("hidden_fields maps customer keys to hidden field names (strings)")

    answers = [a for a in response.get("answers") or [] if isinstance(a, dict)]
    item: dict[str, Any] = {"external_id": response.get("token")}
    score, scale = _score(answers, config)
    if score is not None:
        item.update(score=score, scale=scale)
    if comment := _comment(answers, config):
        item["comment"] = comment
    if response.get("submitted_at"):
        item["occurred_at"] = response["submitted_at"]

    hidden = response.get("hidden")
    hidden = hidden if isinstance(hidden, dict) else {}
    names = {**HIDDEN_FIELDS, **custom_names}
    email_answer = _first_of(answers, "email")
    customer = customer_of(
        own_id=hidden.get(names["external_id"]),
        email=hidden.get(names["email"]) or (email_answer or {}).get("email"),
        name=hidden.get(names["name"]),
        phone=hidden.get(names["phone"]),
    )
    if customer:
        item["customer"] = customer
    item["metadata"] = {"form_id": response.get("form_id")}
    return item
