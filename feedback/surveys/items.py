"""One invitation as the API, a CSV of contacts and the rules send it: each field checked, each
error named by its field (nested under "customer" for the customer's), nothing coerced silently.

Written by hand rather than as a DRF serializer: a batch of 1,000 items is checked in a few
milliseconds, and the bench pushes 100,000 through it. Slugs and ids that name rows (touchpoint,
team, customer, employee) are checked against the database by the caller, once per batch.

Ids of people and cases (customer_id, employee_id, case_id) come only from cxloop itself (the
recovery check, sending an employee survey): an id says nothing of whose it is, so a caller of the
API or a CSV could otherwise invite another department's customer, any person as an employee, or
tie its invitation to someone else's case. Outside callers name customers by a customer object.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from rest_framework import serializers

from feedback.contract import normalized_phone
from feedback.models import Survey

from .rules import is_time_zone

MAX_BATCH = 1000
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_MAX_ID = 2**63 - 1
# The customer's details an item may carry, with their longest length.
CUSTOMER_TEXT = {"external_id": 200, "name": 200, "segment": 50}


class _Invalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _text(value, *, max_length: int, required: bool = False) -> str:
    if value is None:
        if required:
            raise _Invalid("is required.")
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _Invalid("must be a string.")
    if _BAD_TEXT.search(value):
        raise _Invalid("must not contain NUL characters or unpaired surrogates.")
    value = value.strip()
    if required and not value:
        raise _Invalid("may not be blank.")
    if len(value) > max_length:
        raise _Invalid(f"must be at most {max_length} characters.")
    return value


def _identifier(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("must be a whole number (a JSON integer).")
    if not 1 <= value <= _MAX_ID:
        raise _Invalid("must be a positive id.")
    return value


def _language(value) -> str:
    language = _text(value, max_length=10).lower()
    if language and not _LANGUAGE.match(language):
        raise _Invalid('must be a language code such as "en" or "pt".')
    return language


def _email(value) -> str:
    email = _text(value, max_length=254).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise _Invalid("is not a valid email address.") from error
    return email


def _phone(value) -> str:
    phone = _text(value, max_length=32)
    try:
        return normalized_phone(phone)
    except serializers.ValidationError as error:
        raise _Invalid("does not look like a phone number.") from error


def _time_zone(value) -> str:
    name = _text(value, max_length=64)
    if name and not is_time_zone(name):
        raise _Invalid('is not a time zone this server knows (an IANA name such as "Europe/Lisbon").')
    return name


def _slug(value) -> str:
    slug = _text(value, max_length=50)
    if slug and not _SLUG.match(slug):
        raise _Invalid("must be a slug (letters, digits, hyphens and underscores).")
    return slug


CUSTOMER_CHECKS = {
    "email": _email,
    "phone": _phone,
    "time_zone": _time_zone,
    "language": _language,
}


def _customer(raw) -> tuple[dict, dict]:
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": ["must be a JSON object."]}
    clean, errors = {}, {}
    for key, max_length in CUSTOMER_TEXT.items():
        try:
            clean[key] = _text(raw.get(key), max_length=max_length, required=key == "external_id")
        except _Invalid as error:
            errors[key] = [error.message]
    for key, check in CUSTOMER_CHECKS.items():
        try:
            clean[key] = check(raw.get(key))
        except _Invalid as error:
            errors[key] = [error.message]
    if "external_id" not in errors and not clean.get("external_id"):
        errors["external_id"] = ["a customer needs an external_id."]
    return clean, errors


ITEM_CHECKS = {
    "transaction_id": lambda value: _text(value, max_length=200),
    "touchpoint": _slug,
    "language": _language,
    "team_id": lambda value: None if value is None else _identifier(value),
}


EMPLOYEES_BY_TEAM = (
    "is an employee survey: employees are asked by sending it to their teams on its page, not by the "
    "API or a list of contacts."
)
# The fields only cxloop itself sets, and why an outside caller may not.
INTERNAL_ONLY = {
    "customer_id": "is set by cxloop itself only: name the customer by a customer object (external_id).",
    "employee_id": "is set by cxloop itself only: employees are asked by sending the survey to their "
    "teams on its page.",
    "case_id": "is set by cxloop itself only: the recovery check ties an invitation to its case.",
}


def item_clean(raw, *, survey: Survey, internal: bool = False) -> tuple[dict | None, dict]:
    """(clean item, {}) or (None, errors by field) for one raw item of a batch for `survey`;
    `internal`: cxloop's own item, which may name people and cases by id."""
    if not isinstance(raw, dict):
        return None, {"non_field_errors": ["each item must be a JSON object."]}
    clean: dict = {}
    errors: dict = {}
    for key, check in ITEM_CHECKS.items():
        try:
            clean[key] = check(raw.get(key))
        except _Invalid as error:
            errors[key] = [error.message]
    if not internal:
        if survey.audience == Survey.Audience.EMPLOYEES:
            errors["survey"] = [EMPLOYEES_BY_TEAM]
        errors.update({key: [why] for key, why in INTERNAL_ONLY.items() if raw.get(key) is not None})
        if errors:
            return None, errors
    try:
        clean["case_id"] = None if raw.get("case_id") is None else _identifier(raw["case_id"])
    except _Invalid as error:
        errors["case_id"] = [error.message]
    errors.update(_whom(raw, survey=survey, clean=clean))
    return (None, errors) if errors else (clean, {})


def _whom(raw: dict, *, survey: Survey, clean: dict) -> dict:
    """Who is invited: exactly one of customer, customer_id (customer surveys) or employee_id
    (employee surveys); fills `clean`, returns the errors."""
    named = [key for key in ("customer", "customer_id", "employee_id") if raw.get(key) is not None]
    if survey.audience == Survey.Audience.EMPLOYEES:
        if named != ["employee_id"]:
            return {"employee_id": ["an employee survey names the person invited by employee_id, only."]}
    elif len(named) != 1 or named == ["employee_id"]:
        return {"customer": ["name the customer: a customer object or a customer_id, not both."]}
    key = named[0]
    if key == "customer":
        clean["customer"], errors = _customer(raw["customer"])
        return {"customer": errors} if errors else {}
    try:
        clean[key] = _identifier(raw[key])
    except _Invalid as error:
        return {key: [error.message]}
    return {}
