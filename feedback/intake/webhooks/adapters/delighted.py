"""Delighted: `survey_response.created` when a score is given, `survey_response.updated` when it changes.

Payload (https://app.delighted.com/docs/api/webhooks): `event_type`, `event_id`, and
`event_data`, the survey response: `id`, `person` (`id`, `email`, `name`), `survey_type`,
`score`, `comment`, `created_at` (Unix seconds), `person_properties`.

The comment usually arrives only in the `.updated` event: both events carry the same response
id, so the second one updates the row the first created. An event without a comment leaves a
stored comment alone, so a late re-delivery of `.created` cannot blank it.

Delighted's survey types map to our scales: nps and enps stay 0-10 (eNPS only when configured,
it is an employee metric), csat is 1-5 and ces 1-7, Delighted's default scales. Delighted also
offers a 3-point CSAT and a 5-point CES whose scores the payload cannot tell apart: for such a
project set `"survey_types": {"ces": null}` to keep the verbatim without the score. Any other
type (smileys, thumbs, stars, pmf) is refused with a 400 unless configured.

field_mapping options (all optional):
    {"adapter": "delighted",
     "survey_types": {"enps": "nps", "ces": null},     # extra or changed type -> scale (null: no score)
     "customer_id_property": "Customer ID"}            # person property holding your own customer id
"""

from typing import Any

from feedback.intake.webhooks.signatures import verify_delighted as verify

from .base import SCALES, Ignored, MappingError, config_error, customer_of, iso_from_unix, text

__all__ = ["NAME", "to_contract", "verify"]

NAME = "delighted"
EVENTS = ("survey_response.created", "survey_response.updated")
SURVEY_TYPES: dict[str, str | None] = {"nps": "nps", "csat": "csat", "ces": "ces"}


def _survey_types(config: dict) -> dict[str, str | None]:
    custom = config.get("survey_types") or {}
    if not isinstance(custom, dict) or any(v is not None and v not in SCALES for v in custom.values()):
        raise config_error("survey_types maps Delighted survey types to nps, csat, ces or null")
    return {**SURVEY_TYPES, **custom}


def to_contract(*, payload: dict, headers, config: dict) -> dict | Ignored:
    """A contract item from a survey response event; unsubscribes and other events are ignored."""
    event_type = payload.get("event_type")
    if event_type not in EVENTS:
        return Ignored(f"Delighted event {str(event_type)[:60]!r} is not a survey response")
    response = payload.get("event_data")
    if not isinstance(response, dict):
        raise MappingError({"event_data": ["a survey response object is required."]})

    survey_type = response.get("survey_type")
    types = _survey_types(config)
    if not isinstance(survey_type, str) or survey_type not in types:
        raise MappingError(
            {
                "scale": [
                    f'Delighted survey type "{str(survey_type)[:40]}" has no scale here (nps, csat, ces).'
                ]
            }
        )
    item: dict[str, Any] = {"external_id": text(response.get("id"))}
    if (scale := types[survey_type]) is not None and response.get("score") is not None:
        item.update(scale=scale, score=response["score"])
    if text(response.get("comment")):
        item["comment"] = response["comment"]  # verbatim, as the customer wrote it
    if occurred_at := iso_from_unix(response.get("created_at")):
        item["occurred_at"] = occurred_at

    person = response.get("person")
    person = person if isinstance(person, dict) else {}
    properties = response.get("person_properties")
    properties = properties if isinstance(properties, dict) else {}
    id_property = config.get("customer_id_property")
    customer = customer_of(
        own_id=properties.get(id_property) if isinstance(id_property, str) else None,
        email=person.get("email"),
        vendor_key=f"delighted:{person['id']}" if text(person.get("id")) else None,
        name=person.get("name"),
        phone=person.get("phone_number"),
    )
    if customer:
        item["customer"] = customer
    # Only what stays the same across the response's events, so a re-delivery is a duplicate.
    metadata = {
        "survey_type": survey_type,
        "delighted_person_id": text(person.get("id")),
        "permalink": text(response.get("permalink")),
    }
    item["metadata"] = {key: value for key, value in metadata.items() if value}
    return item
