"""Standard Webhooks (https://www.standardwebhooks.com/) with a per-source field mapping.

Any tool that signs the open Standard Webhooks way can be wired without code: the source's
field_mapping names, for each contract key, a JSON path into the payload (see jsonpath.py):

    {"adapter": "standard",
     "fields": {"external_id": "$.data.response_id",
                "score": "$.data.answers.nps",
                "comment": "$.data.text",
                "occurred_at": "$.timestamp",
                "customer.email": "$.data.email",
                "customer.external_id": "$.data.customer.id",
                "metadata.plan": "$.data.plan"},
     "defaults": {"scale": "nps", "touchpoint": "checkout"},
     "event_types": ["survey.response.completed"]}       # optional: other $.type values are ignored

Targets are the contract keys, `customer.<key>` and `metadata.<key>`. A path that finds nothing
leaves the key out (a default may fill it). With no external id found, the `webhook-id` header
is used: Standard Webhooks keeps it the same across retries, so a retry stays a duplicate.
Unix-second numbers for occurred_at become ISO 8601, numeric ids become strings; everything else
is passed on as found, for the contract validator to judge.
"""

from typing import Any

from feedback.webhooks import jsonpath
from feedback.webhooks.signatures import verify_standard as verify

from .base import Ignored, check_target, config_error, iso_from_unix, put, text

__all__ = ["NAME", "to_contract", "verify"]

NAME = "standard"
STRING_TARGETS = ("external_id", "customer.external_id")


def _fields(config: dict) -> dict[str, str]:
    fields = config.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise config_error('the standard adapter needs "fields": {contract key: JSON path}')
    try:
        for target, path in fields.items():
            check_target(target)
            jsonpath.parse(path)
    except ValueError as exc:
        raise config_error(f"fields: {exc}") from exc
    return fields


def _event_type_ignored(payload: dict, config: dict) -> Ignored | None:
    wanted = config.get("event_types")
    if not wanted:
        return None
    if not isinstance(wanted, list):
        raise config_error("event_types is a list of event type names")
    try:
        event_type = jsonpath.resolve(payload, config.get("event_type_path", "$.type"))
    except ValueError as exc:
        raise config_error(f"event_type_path: {exc}") from exc
    if event_type in wanted:
        return None
    return Ignored(f"event type {str(event_type)[:60]!r} is not one of the configured event_types")


def _convert(target: str, value: Any) -> Any:
    if target in STRING_TARGETS and isinstance(value, int | str) and not isinstance(value, bool):
        return str(value)
    if target == "occurred_at" and (iso := iso_from_unix(value)):
        return iso
    return value


def to_contract(*, payload: dict, headers, config: dict) -> dict | Ignored:
    """A contract item read from the payload through the source's JSON paths."""
    fields = _fields(config)
    if ignored := _event_type_ignored(payload, config):
        return ignored
    item: dict[str, Any] = {}
    for target, path in fields.items():
        value = jsonpath.resolve(payload, path)
        if value is not None:
            put(item, target, _convert(target, value))
    if not text(item.get("external_id")):
        item["external_id"] = headers.get("webhook-id")
    return item
