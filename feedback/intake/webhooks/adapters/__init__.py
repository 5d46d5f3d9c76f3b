"""One adapter per vendor: how it signs (`verify`) and how its payload becomes contract items.

A source picks its adapter in `Source.field_mapping["adapter"]` (typeform, delighted, zendesk,
trustpilot, appstore, qualtrics or standard; standard when absent, since a generic source is wired
by field mapping alone). For any adapter, `field_mapping["defaults"]` fills contract keys the
payload did not give, e.g. {"touchpoint": "checkout", "team": "team-a1"}, and
`field_mapping["timezone"]` (an IANA name, default UTC) is the zone of times sent without a UTC
offset. The JSON-path adapters (standard and the vendor presets built on it) also take an items
path, `parse_json` and `$$` paths: see standard.py.

Every item that comes out is checked for what feedback cannot do without: an external id, and a
score or a comment. An item lacking them is refused (`Refused`, unmapped), never stored empty.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedback.intake.webhooks.signatures import Signed
from feedback.models import Source

from . import appstore, delighted, qualtrics, standard, trustpilot, typeform, zendesk
from .base import Ignored, Items, MappingError, Refused, check_target, config_error, has, put, text

__all__ = [
    "ADAPTERS",
    "Adapter",
    "Ignored",
    "Mapped",
    "MappingError",
    "Refused",
    "adapter_for",
    "map_delivery",
    "mapping_problems",
    "signing_secrets",
]

DEFAULT_ADAPTER = standard.NAME
# Keys only a JSON-path mapping understands.
JSON_PATH_KEYS = ("items", "parse_json")


class Adapter(Protocol):
    NAME: str

    def verify(self, delivery: Signed, secrets: Sequence[str]) -> None: ...

    def to_contract(
        self, *, payload: Any, headers: Mapping[str, str], config: dict
    ) -> dict | Ignored | Items: ...


class JsonPathAdapter(Adapter, Protocol):
    """The standard adapter and the vendor presets built on it, which check their mapping's paths."""

    def check_config(self, config: dict) -> dict[str, str]: ...


ADAPTERS: dict[str, Adapter] = {
    module.NAME: module
    for module in (typeform, delighted, zendesk, standard, trustpilot, appstore, qualtrics)
}


@dataclass(frozen=True)
class Mapped:
    """What a delivery holds: one outcome per item, in order (a contract item, Ignored or Refused).

    `many` when the mapping has an items path: the answer is then a list, as for an API array.
    """

    many: bool
    outcomes: list


def source_config(source: Source) -> dict:
    return source.field_mapping if isinstance(source.field_mapping, dict) else {}


def adapter_for(source: Source) -> Adapter | None:
    """The source's adapter, or None when its field_mapping names one we do not have."""
    name = source_config(source).get("adapter") or DEFAULT_ADAPTER
    return ADAPTERS.get(name) if isinstance(name, str) else None


def signing_secrets(source: Source) -> list[str]:
    """Both secrets, so deliveries signed with the previous one still verify during a rotation."""
    return [secret for secret in (source.signing_secret, source.previous_signing_secret) if secret]


def _uses_json_paths(adapter: Adapter) -> TypeGuard[JsonPathAdapter]:
    return hasattr(adapter, "check_config")


def with_preset(adapter: Adapter, own: dict) -> dict:
    """The mapping an adapter reads: a vendor preset's, with the source's own keys over it.

    The source's `fields` and `defaults` add to the preset's key by key; a field set to null
    removes the preset's path.
    """
    preset = getattr(adapter, "PRESET", None)
    if not preset:
        return own
    merged = {**preset, **own}
    for key in ("fields", "defaults"):
        if isinstance(own.get(key) or {}, dict):
            combined = {**preset.get(key, {}), **(own.get(key) or {})}
            merged[key] = {name: value for name, value in combined.items() if value is not None}
    return merged


def _zone(config: dict) -> ZoneInfo:
    name = config.get("timezone") or "UTC"
    try:
        if not isinstance(name, str):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise config_error(
            f'timezone {str(name)[:60]!r} is not a time zone name such as "Europe/Paris"'
        ) from exc


def _in_zone(value: Any, zone: ZoneInfo) -> Any:
    """A time without a UTC offset, read in the source's zone; anything else as it came."""
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    return value if parsed.tzinfo is not None else parsed.replace(tzinfo=zone).isoformat()


def _check_defaults(defaults: Any) -> dict:
    if not isinstance(defaults, dict):
        raise config_error("defaults maps contract keys to values")
    try:
        for key in defaults:
            check_target(key)
    except ValueError as exc:
        raise config_error(f"defaults: {exc}") from exc
    return defaults


def _check(adapter: Adapter, config: dict) -> ZoneInfo:
    """The source's zone, once the parts of the mapping every adapter reads are checked."""
    _check_defaults(config.get("defaults") or {})
    if _uses_json_paths(adapter):
        adapter.check_config(config)
    elif any(key in config for key in JSON_PATH_KEYS):
        raise config_error(f"items and parse_json are for the JSON-path adapters, not {adapter.NAME}")
    return _zone(config)


def mapping_problems(mapping: Any) -> list[str]:
    """What is wrong with a field_mapping, as sentences for the admin; empty when it can be used."""
    if not isinstance(mapping, dict):
        return ["The field mapping is a JSON object."]
    if not mapping:
        return []  # no webhooks for this source (a call centre, a store): nothing to check
    name = mapping.get("adapter") or DEFAULT_ADAPTER
    adapter = ADAPTERS.get(name) if isinstance(name, str) else None
    if adapter is None:
        return [f"Unknown adapter {name!r}; one of: {', '.join(sorted(ADAPTERS))}."]
    try:
        _check(adapter, with_preset(adapter, mapping))
    except MappingError as exc:
        return [message for messages in exc.errors.values() for message in messages]
    return []


def _missing(item: dict, config: dict) -> dict[str, list[str]]:
    """What an item cannot do without and does not have: an external id, and a score or a comment."""
    fields = config.get("fields") if isinstance(config.get("fields"), dict) else None

    def why(key: str) -> list[str]:
        if fields is None:
            return ["the delivery has none."]
        if fields.get(key):
            return [f"nothing found at {fields[key]}."]
        return ["the mapping names no path for it."]

    missing = {}
    if not text(item.get("external_id")):
        missing["external_id"] = why("external_id")
    if item.get("score") is None and not text(item.get("comment")):
        missing["score"] = why("score")
        missing["comment"] = [*why("comment"), "Neither a score nor a comment: nothing to store as feedback."]
    return missing


def _finish(outcome: Any, *, source: Source, config: dict, zone: ZoneInfo) -> dict | Ignored | Refused:
    if isinstance(outcome, Ignored | Refused):
        return outcome
    item = dict(outcome)
    for key, value in (config.get("defaults") or {}).items():
        if not has(item, key):
            put(item, key, value)
    if "occurred_at" in item:
        item["occurred_at"] = _in_zone(item["occurred_at"], zone)
    if missing := _missing(item, config):
        return Refused(missing, external_id=text(item.get("external_id")), unmapped=True)
    return {**item, "source": source.slug}


def map_delivery(adapter: Adapter, *, source: Source, payload: Any, headers: Mapping[str, str]) -> Mapped:
    """The items of a verified delivery as contract items (with the source's defaults and zone),
    Ignored or Refused, in order. A mapping that cannot be applied at all is one Refused outcome."""
    config = with_preset(adapter, source_config(source))
    try:
        zone = _check(adapter, config)
        if not _uses_json_paths(adapter) and not isinstance(payload, dict):
            raise MappingError({"non_field_errors": ["The body must be a JSON object."]})
        mapped = adapter.to_contract(payload=payload, headers=headers, config=config)
    except MappingError as exc:
        return Mapped(many=False, outcomes=[Refused(exc.errors, unmapped=exc.unmapped)])
    many = isinstance(mapped, Items)
    outcomes = mapped.outcomes if isinstance(mapped, Items) else [mapped]
    return Mapped(
        many=many,
        outcomes=[_finish(outcome, source=source, config=config, zone=zone) for outcome in outcomes],
    )
