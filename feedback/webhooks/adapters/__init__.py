"""One adapter per vendor: how it signs (`verify`) and how its payload becomes a contract item.

A source picks its adapter in `Source.field_mapping["adapter"]` (typeform, delighted, zendesk
or standard; standard when absent, since a generic source is wired by field mapping alone).
`field_mapping["defaults"]` fills contract keys the payload did not give, for any adapter,
e.g. {"touchpoint": "checkout", "team": "team-a1"}.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from feedback.models import Source

from . import delighted, standard, typeform, zendesk
from .base import Ignored, MappingError, check_target, config_error, has, put

__all__ = ["ADAPTERS", "Adapter", "Ignored", "MappingError", "adapter_for", "map_delivery", "signing_secrets"]

DEFAULT_ADAPTER = standard.NAME


class Adapter(Protocol):
    NAME: str

    def verify(
        self, *, body: bytes, headers: Mapping[str, str], secrets: Sequence[str], now: datetime
    ) -> None: ...

    def to_contract(self, *, payload: dict, headers: Mapping[str, str], config: dict) -> dict | Ignored: ...


ADAPTERS: dict[str, Adapter] = {module.NAME: module for module in (typeform, delighted, zendesk, standard)}


def source_config(source: Source) -> dict:
    return source.field_mapping if isinstance(source.field_mapping, dict) else {}


def adapter_for(source: Source) -> Adapter | None:
    """The source's adapter, or None when its field_mapping names one we do not have."""
    name = source_config(source).get("adapter") or DEFAULT_ADAPTER
    return ADAPTERS.get(name) if isinstance(name, str) else None


def signing_secrets(source: Source) -> list[str]:
    """Both secrets, so deliveries signed with the previous one still verify during a rotation."""
    return [secret for secret in (source.signing_secret, source.previous_signing_secret) if secret]


def _apply_defaults(item: dict, defaults: Any) -> dict:
    if not isinstance(defaults, dict):
        raise config_error("defaults maps contract keys to values")
    for key, value in defaults.items():
        try:
            check_target(key)
        except ValueError as exc:
            raise config_error(f"defaults: {exc}") from exc
        if not has(item, key):
            put(item, key, value)
    return item


def map_delivery(
    adapter: Adapter, *, source: Source, payload: dict, headers: Mapping[str, str]
) -> dict | Ignored:
    """The contract item for a verified payload (with the source's defaults), or Ignored.

    Raises MappingError when the payload, or the source's field_mapping, cannot give one.
    """
    config = source_config(source)
    item = adapter.to_contract(payload=payload, headers=headers, config=config)
    if isinstance(item, Ignored):
        return item
    item = _apply_defaults(item, config.get("defaults") or {})
    return {**item, "source": source.slug}
