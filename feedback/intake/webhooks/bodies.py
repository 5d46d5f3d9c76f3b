"""A delivery's body as data: JSON, or a form (`application/x-www-form-urlencoded`) as a dict.

A form field given once is a string, one given several times a list of strings; a field holding
JSON text stays text until the source's mapping parses it (`parse_json`, see adapters/standard.py).
"""

import json
from urllib.parse import parse_qsl

FORM = "application/x-www-form-urlencoded"
# More fields than any vendor sends; a form of thousands of fields is refused, not parsed.
MAX_FORM_FIELDS = 1000


class BodyError(ValueError):
    """A body that is not what its content type says: the caller answers 400 with the message."""


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_value(text: str | bytes):
    """JSON text as data; NaN and Infinity, which JSON does not have, are errors (ValueError)."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


def form_fields(body: bytes) -> dict[str, str | list[str]]:
    """A form body as {name: value}, a repeated name giving the list of its values."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FORM_FIELDS
        )
    except UnicodeDecodeError as exc:
        raise BodyError("The form body is not UTF-8.") from exc
    except ValueError as exc:
        raise BodyError(f"The form body has more than {MAX_FORM_FIELDS} fields.") from exc
    fields: dict[str, str | list[str]] = {}
    for name, value in pairs:
        known = fields.get(name)
        if known is None:
            fields[name] = value
        elif isinstance(known, list):
            known.append(value)
        else:
            fields[name] = [known, value]
    return fields


def payload_of(body: bytes, content_type: str) -> dict | list:
    """The delivery as data: a form by its content type, JSON otherwise; BodyError when it is neither."""
    if content_type.split(";")[0].strip().lower() == FORM:
        return form_fields(body)
    try:
        payload = json_value(body)
    except ValueError as exc:
        raise BodyError("The body is not valid JSON.") from exc
    if not isinstance(payload, dict | list):
        raise BodyError("The body must be a JSON object or array.")
    return payload
