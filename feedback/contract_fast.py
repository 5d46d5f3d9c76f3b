"""The contract's direct path for well-formed items (feedback.contract.ContractValidator).

It gives exactly what FeedbackInput's run_validation gives for the items it accepts, without the
serializer's per-field machinery (a fifth of the cost of a batch of a thousand). Whatever it is not
sure of (a decimal, a value of an unexpected type, anything the serializer would refuse) raises
Unsure, and the serializer decides and words the error. tests/feedback/test_contract_fast.py
checks the two paths against each other on generated items.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from rest_framework import serializers

from .contract import _SURROGATE, CustomerInput, FeedbackInput, _check_json_strings
from .models import Feedback, Scale


class Unsure(Exception):
    """The serializer must decide."""


_SCALES = frozenset(Scale.values)
_SLUGS = ("source", "touchpoint", "journey_stage", "team")


def _text(value, *, max_length: int, trim: bool = True, blank: bool = True) -> str:
    """A CharField's value: a string, trimmed where the field trims, within its length, without NUL
    or surrogate characters (the serializer's validators)."""
    if type(value) is not str:
        raise Unsure
    if trim:
        value = value.strip()
    if (not value and not blank) or len(value) > max_length or "\x00" in value or _SURROGATE.search(value):
        raise Unsure
    return value


def _customer(value) -> dict | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise Unsure
    out = {}
    if "external_id" in value:
        out["external_id"] = _text(value["external_id"], max_length=200, blank=False)
    if "name" in value:
        out["name"] = _text(value["name"], max_length=200)
    if "email" in value:
        email = _text(value["email"], max_length=254)
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                raise Unsure from None
        out["email"] = email.lower()
    if "phone" in value:
        out["phone"] = CustomerInput.validate_phone(None, _text(value["phone"], max_length=32))
    if "segment" in value:
        out["segment"] = _text(value["segment"], max_length=50)
    if "annual_value" in value:
        if value["annual_value"] is not None:
            raise Unsure  # a decimal: the serializer's quantizing and bounds
        out["annual_value"] = None
    if not out.get("external_id") and not out.get("email"):
        raise Unsure
    return out


def validate_fast(serializer: FeedbackInput, raw) -> dict:
    """What `serializer.run_validation(raw)` returns for a well-formed item; Unsure otherwise."""
    if type(raw) is not dict:
        raise Unsure
    fields = serializer.fields
    out = {}
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
            out["external_id"] = _text(raw["external_id"], max_length=200, blank=False)
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
            out["comment"] = _text(raw["comment"], max_length=Feedback.COMMENT_MAX_LENGTH, trim=False)
        if "occurred_at" in raw:
            if type(raw["occurred_at"]) is not str:
                raise Unsure
            out["occurred_at"] = serializer.validate_occurred_at(
                fields["occurred_at"].run_validation(raw["occurred_at"])
            )
        if "customer" in raw:
            out["customer"] = _customer(raw["customer"])
        if "metadata" in raw:
            if type(raw["metadata"]) is not dict:
                raise Unsure
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
