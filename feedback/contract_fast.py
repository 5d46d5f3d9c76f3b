"""The contract's direct path for well-formed items (feedback.contract.ContractValidator).

It gives exactly what FeedbackInput's run_validation gives for the items it accepts, without the
serializer's per-field machinery (a fifth of the cost of a batch of a thousand). Whatever it is not
sure of (a decimal, a value of an unexpected type, anything the serializer would refuse) raises
Unsure, and the serializer decides and words the error. tests/feedback/test_contract_fast.py
checks the two paths against each other on generated items.
"""

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from rest_framework import serializers

from .contract import _SURROGATE, RAISED_BY, FeedbackInput, _check_json_strings, normalized_phone
from .models import Feedback, Scale


class Unsure(Exception):
    """The serializer must decide."""


_SCALES = frozenset(Scale.values)
_SLUGS = ("source", "touchpoint", "journey_stage", "team")


def _text(value, field: serializers.CharField) -> str:
    """A CharField's value: a string, trimmed where the field trims, within its length, without NUL
    or surrogate characters (the serializer's validators), blank only where the field allows it."""
    if type(value) is not str:
        raise Unsure
    if field.trim_whitespace:
        value = value.strip()
    too_long = field.max_length is not None and len(value) > field.max_length
    if (not value and not field.allow_blank) or too_long or "\x00" in value or _SURROGATE.search(value):
        raise Unsure
    return value


def _customer(value, fields) -> dict | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise Unsure
    out: dict[str, str | bool | None] = {}
    if "external_id" in value:
        out["external_id"] = _text(value["external_id"], fields["external_id"])
    if "name" in value:
        out["name"] = _text(value["name"], fields["name"])
    if "email" in value:
        email = _text(value["email"], fields["email"])
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                raise Unsure from None
        out["email"] = email.lower()
    if "phone" in value:
        out["phone"] = normalized_phone(_text(value["phone"], fields["phone"]))
    if "segment" in value:
        out["segment"] = _text(value["segment"], fields["segment"])
    if "annual_value" in value:
        if value["annual_value"] is not None:
            raise Unsure  # a decimal: the serializer's quantizing and bounds
        out["annual_value"] = None
    if "do_not_contact" in value:
        if type(value["do_not_contact"]) is not bool:
            raise Unsure  # "true", 1...: the serializer's reading of booleans
        out["do_not_contact"] = value["do_not_contact"]
    if not out.get("external_id") and not out.get("email"):
        raise Unsure
    return out


def validate_fast(serializer: FeedbackInput, raw) -> dict:
    """What `serializer.run_validation(raw)` returns for a well-formed item; Unsure otherwise."""
    if type(raw) is not dict:
        raise Unsure
    fields = serializer.fields
    out: dict[str, Any] = {}
    try:
        for name in _SLUGS:
            if name not in raw:
                continue
            value = raw[name]
            if value is None:
                if name == "source":
                    raise Unsure
                out[name] = None
            else:
                out[name] = fields[name].to_internal_value(value)  # the batch's cached look-up
        if "external_id" in raw:
            out["external_id"] = _text(raw["external_id"], cast(serializers.CharField, fields["external_id"]))
        if "scale" in raw:
            scale = raw["scale"]
            if scale is not None and (type(scale) is not str or scale not in _SCALES):
                raise Unsure
            out["scale"] = scale
        if "score" in raw:
            score = raw["score"]
            if score is not None and type(score) is not int:
                raise Unsure
            out["score"] = score
        if "comment" in raw:
            out["comment"] = _text(raw["comment"], cast(serializers.CharField, fields["comment"]))
        if "occurred_at" in raw:
            if type(raw["occurred_at"]) is not str:
                raise Unsure
            out["occurred_at"] = serializer.validate_occurred_at(
                fields["occurred_at"].run_validation(raw["occurred_at"])
            )
        if "customer" in raw:
            out["customer"] = _customer(
                raw["customer"], cast(serializers.Serializer, fields["customer"]).fields
            )
        if "metadata" in raw:
            if type(raw["metadata"]) is not dict or RAISED_BY in raw["metadata"]:
                raise Unsure  # the reserved signature: the serializer checks who may write it
            _check_json_strings(raw["metadata"])
            out["metadata"] = dict(raw["metadata"])
    except serializers.ValidationError:
        raise Unsure from None
    if "source" not in out or "external_id" not in out:
        raise Unsure
    score, scale = out.get("score"), out.get("scale")
    if score is not None:
        if scale is None:
            raise Unsure
        low, high = Feedback.SCALE_RANGES[scale]
        if not low <= score <= high:
            raise Unsure
    return out
