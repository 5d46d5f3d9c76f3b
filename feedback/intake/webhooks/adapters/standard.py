"""Standard Webhooks (https://www.standardwebhooks.com/) with a per-source field mapping.

Any tool that signs the open Standard Webhooks way can be wired without code: the source's
field_mapping names, for each contract key, a JSON path into the payload (see jsonpath.py):

    {"adapter": "standard",
     "items": "$.events[*]",                             # optional: each element is one feedback
     "fields": {"external_id": "$.id",
                "score": "$.answers.nps",
                "comment": "$.text",
                "occurred_at": "$.submitted_at",
                "customer.email": "$.respondent.email",
                "metadata.plan": "$$.account.plan"},     # $$: from the whole delivery, not the item
     "parse_json": ["$.MSG"],                            # optional: fields holding JSON text
     "timezone": "Europe/Paris",                         # optional: for times without an offset
     "defaults": {"scale": "nps", "touchpoint": "checkout"},
     "event_types": ["survey.response.completed"]}       # optional: other $.type values are ignored

Targets are the contract keys, `customer.<key>` and `metadata.<key>`. A path that finds nothing
leaves the key out (a default may fill it). `parse_json` names values (wildcards allowed) that
hold JSON text, parsed before anything else, so that paths read into them. `event_types` are
matched against `event_type_path` (default `$.type`), per item, with `*` as a wildcard.

With no external id found, the `webhook-id` header is used (with the item's position after it
when the delivery has items): Standard Webhooks keeps it the same across retries, so a retry stays
a duplicate. Unix-second numbers for occurred_at become ISO 8601, numeric ids strings, and a score
sent as the text of a whole number (a form can carry nothing else) an integer; everything else is
passed on as found, for the contract validator to judge.

The vendor presets (trustpilot, appstore, qualtrics) are this mapping with ready `PRESET` paths;
a source's own `fields` add to or replace (null: remove) a preset's.
"""

import re
from fnmatch import fnmatchcase
from typing import Any

from feedback.intake.webhooks import jsonpath
from feedback.intake.webhooks.bodies import json_value
from feedback.intake.webhooks.signatures import verify_standard as verify

from .base import Ignored, Items, MappingError, check_target, config_error, iso_from_unix, put, text

__all__ = ["NAME", "check_config", "to_contract", "verify"]

NAME = "standard"
STRING_TARGETS = ("external_id", "customer.external_id")
WHOLE_NUMBER = re.compile(r"[+-]?\d{1,9}")


def _checked(key: str, check, paths: list) -> None:
    try:
        for path in paths:
            check(path)
    except ValueError as exc:
        raise config_error(f"{key}: {exc}") from exc


def check_config(config: dict) -> dict[str, str]:
    """The fields of a JSON-path mapping, once it is checked whole; MappingError naming what is wrong."""
    fields = config.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise config_error('the mapping needs "fields": {contract key: JSON path}')
    for key in ("parse_json", "event_types"):
        if not isinstance(config.get(key) or [], list):
            raise config_error(f"{key} is a list")
    _checked("fields", check_target, list(fields))
    _checked("fields", jsonpath.field_path, list(fields.values()))
    _checked("parse_json", jsonpath.parse, config.get("parse_json") or [])
    for key, check in (("items", jsonpath.items_path), ("event_type_path", jsonpath.field_path)):
        _checked(key, check, [config[key]] if config.get(key) is not None else [])
    return fields


def _json_parsed(document: Any, config: dict) -> Any:
    for path in config.get("parse_json") or ():

        def parsed(value, path=path):
            if not isinstance(value, str):
                return value
            try:
                return json_value(value)
            except ValueError as exc:
                raise MappingError({"parse_json": [f"{path} does not hold JSON text."]}) from exc

        jsonpath.transform(document, path, parsed)
    return document


def _event_type_ignored(item: Any, envelope: Any, config: dict) -> Ignored | None:
    wanted = config.get("event_types")
    if not wanted:
        return None
    event_type = jsonpath.resolve(item, config.get("event_type_path", "$.type"), envelope=envelope)
    if isinstance(event_type, str) and any(fnmatchcase(event_type, str(pattern)) for pattern in wanted):
        return None
    return Ignored(f"event type {str(event_type)[:60]!r} is not one of the configured event_types")


def _convert(target: str, value: Any) -> Any:
    if target in STRING_TARGETS and isinstance(value, int | str) and not isinstance(value, bool):
        return str(value)
    if target == "occurred_at" and (iso := iso_from_unix(value)):
        return iso
    if target == "score" and isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value)
    return value


def _item(
    item: Any, *, envelope: Any, headers, config: dict, fields: dict, position: int | None
) -> dict | Ignored:
    if ignored := _event_type_ignored(item, envelope, config):
        return ignored
    mapped: dict[str, Any] = {}
    for target, path in fields.items():
        value = jsonpath.resolve(item, path, envelope=envelope)
        if value is not None:
            put(mapped, target, _convert(target, value))
    delivery_id = text(headers.get("webhook-id"))
    if not text(mapped.get("external_id")) and delivery_id:
        mapped["external_id"] = delivery_id if position is None else f"{delivery_id}:{position + 1}"
    return mapped


def to_contract(*, payload: Any, headers, config: dict) -> dict | Ignored | Items:
    """The contract item, or with an items path one per item, read through the source's JSON paths."""
    fields = check_config(config)
    document = _json_parsed(payload, config)
    if config.get("items") is None:
        if not isinstance(document, dict):
            raise MappingError(
                {"non_field_errors": ['The delivery is a JSON array: name its items, e.g. "items": "$[*]".']}
            )
        return _item(
            document, envelope=document, headers=headers, config=config, fields=fields, position=None
        )
    found = jsonpath.items(document, config["items"])
    if found is None:
        raise MappingError({"items": [f"the delivery has no list at {config['items']}."]}, unmapped=True)
    return Items(
        [
            _item(item, envelope=document, headers=headers, config=config, fields=fields, position=position)
            for position, item in enumerate(found)
        ]
    )
