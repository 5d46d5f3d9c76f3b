"""From a row of text cells to one item of the ingestion contract (DESIGN.md section 5).

The mapping only turns spreadsheet text into contract types (whole numbers, ISO 8601 times
with an offset, a nested customer); validation stays with `feedback.contract.validate_item`,
the one validator every channel uses.
"""

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext_noop

# Contract keys a column can feed, in the order the mapping page shows them (labels translated there).
CONTRACT_KEYS = (
    ("external_id", gettext_noop("External id")),
    ("scale", gettext_noop("Scale (nps, csat or ces)")),
    ("score", gettext_noop("Score")),
    ("comment", gettext_noop("Comment")),
    ("occurred_at", gettext_noop("Occurred at")),
    ("customer.external_id", gettext_noop("Customer id")),
    ("customer.name", gettext_noop("Customer name")),
    ("customer.email", gettext_noop("Customer email")),
    ("customer.phone", gettext_noop("Customer phone")),
    ("customer.segment", gettext_noop("Customer segment")),
    ("customer.annual_value", gettext_noop("Customer annual value")),
    ("customer.do_not_contact", gettext_noop("Customer asked not to be contacted (yes or no)")),
    ("touchpoint", gettext_noop("Touchpoint (slug)")),
    ("journey_stage", gettext_noop("Journey stage (slug)")),
    ("team", gettext_noop("Team (slug)")),
)
KEYS = frozenset(key for key, _ in CONTRACT_KEYS)
SLUG_KEYS = ("touchpoint", "journey_stage", "team")

ID_FROM_COLUMN, ID_FROM_CONTENT = "column", "derived"
DAY_FIRST, MONTH_FIRST = "dmy", "mdy"

_WHOLE = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")
# 24/02/2015, 2/24/2015 11:35, 24.02.2015 11:35:52, 2/24/2015 11:35:52 AM
_DAY_MONTH = re.compile(
    r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?)?$"
)


@dataclass(frozen=True)
class Mapping:
    """What the user chose on the mapping page; stored as JSON on the import job."""

    columns: dict[str, int] = field(default_factory=dict)  # contract key -> column index
    scale: str | None = None  # one scale for every row, unless a column gives it
    external_id_mode: str = ID_FROM_COLUMN
    timezone: str = "UTC"  # for times written without an offset
    date_order: str = DAY_FIRST  # for 01/02/2026-style dates
    keep_other_columns: bool = False  # unmapped columns go to metadata["columns"]
    team: str | None = None  # the team (slug) of rows whose team column is empty or not mapped

    @classmethod
    def from_json(cls, data: dict) -> "Mapping":
        columns = {key: int(index) for key, index in (data.get("columns") or {}).items() if key in KEYS}
        return cls(
            columns=columns,
            scale=data.get("scale") or None,
            external_id_mode=data.get("external_id_mode", ID_FROM_COLUMN),
            timezone=data.get("timezone", "UTC"),
            date_order=data.get("date_order", DAY_FIRST),
            keep_other_columns=bool(data.get("keep_other_columns")),
            team=data.get("team") or None,
        )

    def to_json(self) -> dict:
        return asdict(self)


# --- cell conversions ----------------------------------------------------------------------


def parse_whole_number(text: str) -> int:
    """A score cell: "5" and the "5.0" spreadsheets write are 5; "5.5" is an error, not a rounding."""
    value = text.strip()
    if _WHOLE.match(value):
        return int(value.split(".")[0])
    if _DECIMAL.match(value):
        raise ValueError(f'must be a whole number, not "{value}".')
    raise ValueError(f'must be a whole number, not "{value[:50]}".')


def parse_occurred_at(text: str, *, zone: str, date_order: str) -> str:
    """ISO 8601 with a UTC offset, from ISO text (offset optional) or a day/month/year date.

    Times without an offset are read in the file's time zone, chosen on the mapping page.
    """
    value = text.strip()
    try:
        # Python >= 3.11 reads ISO 8601 as well as "2015-02-24 11:35:52 -0800" (Twitter exports).
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = _parse_day_month(value, date_order=date_order)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


def _parse_day_month(value: str, *, date_order: str) -> datetime:
    match = _DAY_MONTH.match(value)
    if match is None:
        raise ValueError(f'"{value[:50]}" is not a date this import understands (use ISO 8601).')
    first, second, year, hour, minute, second_of_minute, half = match.groups()
    day, month = (first, second) if date_order == DAY_FIRST else (second, first)
    hour_number = int(hour or 0)
    if half:
        if not 1 <= hour_number <= 12:
            raise ValueError(f'"{value[:50]}" has an hour outside 1-12 with AM/PM.')
        hour_number = hour_number % 12 + (12 if half.lower() == "p" else 0)
    try:
        return datetime(  # noqa: DTZ001 - naive on purpose: the file's time zone is applied by the caller
            int(year), int(month), int(day), hour_number, int(minute or 0), int(second_of_minute or 0)
        )
    except ValueError as exc:
        order = "day/month/year" if date_order == DAY_FIRST else "month/day/year"
        raise ValueError(f'"{value[:50]}" is not a valid {order} date ({exc}).') from exc


def guess_date_order(rows: list[list[str]]) -> str | None:
    """Day-first or month-first, when some 01/02/2026-style cell settles it (a part above 12)."""
    votes = set()
    for cells in rows:
        for cell in cells:
            match = _DAY_MONTH.match(cell.strip())
            if match:
                first, second = int(match[1]), int(match[2])
                if first > 12 >= second:
                    votes.add(DAY_FIRST)
                elif second > 12 >= first:
                    votes.add(MONTH_FIRST)
    return votes.pop() if len(votes) == 1 else None


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def derived_external_id(cells: list[str]) -> str:
    """An id made from the row's content, for files without an id column.

    A file's line number would not do: re-exporting the same data sorted differently, or with
    one row added at the top, shifts every line, so a re-import would store everything again
    (or overwrite the wrong rows as "updates"). The content hash is the same wherever the row
    sits, so re-importing is idempotent. The cost: identical rows in one file count as one,
    and a row edited between imports arrives as new feedback rather than as an update.
    """
    canonical = json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


# --- rows to contract items ----------------------------------------------------------------


def build_item(
    *, cells: list[str], headers: list[str], mapping: Mapping, source_slug: str
) -> tuple[dict, dict[str, str]]:
    """A contract item for `feedback_ingest`, and the cells that could not be converted (by field)."""
    columns = mapping.columns

    def cell(key: str) -> str:
        return cells[columns[key]] if key in columns else ""

    errors: dict[str, str] = {}
    raw: dict = {"source": source_slug}
    if mapping.external_id_mode == ID_FROM_CONTENT:
        raw["external_id"] = derived_external_id(cells)
    else:
        raw["external_id"] = cell("external_id").strip()

    scale = cell("scale").strip().lower() if "scale" in columns else mapping.scale
    if scale:
        raw["scale"] = scale
    if cell("score").strip():
        try:
            raw["score"] = parse_whole_number(cell("score"))
        except ValueError as exc:
            errors["score"] = str(exc)
    if "comment" in columns:
        raw["comment"] = cell("comment")
    if cell("occurred_at").strip():
        try:
            raw["occurred_at"] = parse_occurred_at(
                cell("occurred_at"), zone=mapping.timezone, date_order=mapping.date_order
            )
        except ValueError as exc:
            errors["occurred_at"] = str(exc)

    customer = {
        key.removeprefix("customer."): cell(key).strip()
        for key in columns
        if key.startswith("customer.") and cell(key).strip()
    }
    if customer:
        raw["customer"] = customer
    for key in SLUG_KEYS:
        if cell(key).strip():
            raw[key] = cell(key).strip()
    if mapping.team and "team" not in raw:
        raw["team"] = mapping.team
    if mapping.keep_other_columns:
        raw["metadata"] = {"columns": _other_columns(cells, headers, used=set(columns.values()))}
    return raw, errors


def _other_columns(cells: list[str], headers: list[str], *, used: set[int]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for index, value in enumerate(cells):
        if index in used or not value.strip():
            continue
        name = (headers[index] if index < len(headers) else "") or f"column {index + 1}"
        if name in kept:
            name = f"{name} ({index + 1})"
        kept[name] = value
    return kept


def flatten_errors(errors, prefix: str = "") -> dict[str, str]:
    """Contract errors ({"customer": {"email": [...]}}) as one reason per dotted field name."""
    if isinstance(errors, dict):
        flat: dict[str, str] = {}
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix or "row"
            flat.update(flatten_errors(value, name))
        return flat
    if isinstance(errors, list) and errors and all(isinstance(item, dict | list) for item in errors):
        flat = {}
        for index, item in enumerate(errors):
            flat.update(flatten_errors(item, f"{prefix}[{index}]"))
        return flat
    messages = errors if isinstance(errors, list) else [errors]
    return {prefix or "row": " ".join(str(message) for message in messages)}
