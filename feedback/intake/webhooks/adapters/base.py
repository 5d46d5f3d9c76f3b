"""What every adapter shares: the outcomes of mapping a delivery and helpers to build a contract item.

An adapter turns a verified vendor payload into items of the ingestion contract (DESIGN.md
section 5) without the `source` key, which map_delivery adds: one item, or with an items path
(adapters/standard.py) one per element. It never validates what the contract validator already
checks (types, ranges, slugs); it only reshapes.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CONTRACT_KEYS = frozenset(
    {
        "external_id",
        "scale",
        "score",
        "comment",
        "occurred_at",
        "touchpoint",
        "journey_stage",
        "team",
        "metadata",
    }
)
CUSTOMER_KEYS = frozenset({"external_id", "name", "email", "phone", "segment", "annual_value"})
SCALES = frozenset({"nps", "csat", "ces"})


@dataclass(frozen=True)
class Ignored:
    """A verified delivery that is not feedback (a ping, an unrelated event): answered 200, nothing stored."""

    reason: str


@dataclass(frozen=True)
class Items:
    """A delivery holding several items (an items path): one outcome per item, in order."""

    outcomes: list  # of contract items (dict) and Ignored


@dataclass(frozen=True)
class Refused:
    """An item that cannot become feedback, with its errors by field: answered, and kept as a dead letter.

    `unmapped` when the mapping found no id, or neither a score nor a comment (answered 422);
    otherwise the payload or the mapping is wrong (400).
    """

    errors: dict[str, list[str]]
    external_id: str | None = None
    unmapped: bool = False


class MappingError(Exception):
    """A verified delivery that cannot become contract items: answered with the errors, nothing stored.

    `unmapped` when the mapping found nothing to read (422), otherwise the payload or the mapping
    is wrong (400); either way the delivery is kept as a dead letter.
    """

    def __init__(self, errors: dict[str, list[str]], *, unmapped: bool = False):
        super().__init__(errors)
        self.errors = errors
        self.unmapped = unmapped


def config_error(message: str) -> MappingError:
    """A source whose field_mapping is wrong: the vendor's dashboard shows it, and so does our log."""
    return MappingError({"field_mapping": [message]})


def check_target(key: Any) -> str:
    """`key` as a contract target (`score`, `customer.email`, `metadata.plan`); ValueError otherwise."""
    if not isinstance(key, str):
        raise ValueError(f"a target must be a string, got {key!r}")
    head, _, rest = key.partition(".")
    if (
        (not rest and head in CONTRACT_KEYS)
        or (head == "customer" and rest in CUSTOMER_KEYS)
        or (head == "metadata" and rest)
    ):
        return key
    raise ValueError(f'unknown target "{key}"')


def put(item: dict, key: str, value: Any) -> None:
    """Set a contract key, creating the customer or metadata object for a dotted key."""
    head, _, rest = key.partition(".")
    if rest:
        nested = item.setdefault(head, {})
        if isinstance(nested, dict):
            nested[rest] = value
    else:
        item[head] = value


def has(item: dict, key: str) -> bool:
    head, _, rest = key.partition(".")
    if not rest:
        return head in item
    nested = item.get(head)
    return isinstance(nested, dict) and rest in nested


def text(value: Any) -> str | None:
    """A non-blank string form of a scalar, or None."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    value = str(value).strip()
    return value or None


def iso_from_unix(value: Any) -> str | None:
    """An ISO 8601 UTC time from Unix seconds, or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def customer_of(*, own_id: Any = None, email: Any = None, vendor_key: str | None = None, **details: Any):
    """A contract customer keyed by the organisation's own id, else by email, else by a vendor id.

    `Customer.external_id` is unique across all sources, so a vendor's internal person id is
    only used prefixed with the vendor (`delighted:5975`), and only when there is no email:
    keyed by email, the same person arriving through two tools stays one customer.
    """
    customer = {key: text(value) for key, value in details.items()}
    customer = {key: value for key, value in customer.items() if value is not None}
    own_id, email = text(own_id), text(email)
    if own_id:
        customer["external_id"] = own_id
    elif not email and vendor_key:
        customer["external_id"] = vendor_key
    if email:
        customer["email"] = email
    if "external_id" not in customer and "email" not in customer:
        return None
    return customer
