"""One error shape for the API: DRF's, with the offending fields named, and its OpenAPI description.

Validation errors keep DRF's `{"field": ["reason"]}` body; an ApplicationError from a service
becomes `{"detail": message, **extra}`: HTTP 400, or 409 for a StateConflict (the object's
state refuses it, the request was fine) and 403 for NotPermitted (not this person's to do).

`document_error_answers`, a drf-spectacular postprocessing hook, writes the answers every
operation shares (400, 401, 403, 404, 413) into the schema once, as the `Error` component; views
document only what is theirs (a 409 and when it happens).
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django_filters import filters as django_filters
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.fields import empty
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ApplicationError, NotPermitted, StateConflict
from .filters import SlugFilter


class _Refused(exceptions.APIException):
    """A service's refusal, in the error shape, with the status its kind calls for."""

    def __init__(self, error: ApplicationError, status_code: int):
        self.status_code = status_code
        super().__init__({"detail": error.message, **error.extra})


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        # Errors not tied to a field still name where they belong: the one shape is an object.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, exceptions.UnsupportedMediaType):
        # Bad input is a 400 naming what is wrong, whatever part of the request it is in.
        exc = exceptions.ValidationError({"content_type": [f"{exc.detail} Send application/json."]})
    if isinstance(exc, StateConflict):
        exc = _Refused(exc, status.HTTP_409_CONFLICT)
    elif isinstance(exc, NotPermitted):
        exc = _Refused(exc, status.HTTP_403_FORBIDDEN)
    elif isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({"detail": exc.message, **exc.extra})
    return drf_exception_handler(exc, context)


# --- Names and text, as requests may send them ------------------------------------------------

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# What a row's name in a request may look like, by the field that names it.
NAME_PATTERNS = {"slug": SLUG_PATTERN, "username": r"^[\w.@+-]+$"}
# What str.strip() removes, which DRF's CharField does before it checks for a blank value.
_WHITESPACE = r"\t-\r\u001c- \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Text PostgreSQL can store: DRF's and Django's character fields refuse NUL.
NO_NUL = r"^[^\u0000]*$"
# ...with something besides whitespace in it: a field that may not be blank refuses "  " too.
_TEXT = rf"[^\u0000{_WHITESPACE}]"
NOT_BLANK = rf"^[{_WHITESPACE}]*{_TEXT}[^\u0000]*$"


def trimmed_text(*, blank: bool, max_length: int | None) -> dict:
    """The schema of what Django's and DRF's text fields take: they strip surrounding whitespace,
    then check for blank and length (so "  x  " has the length of "x"). No NUL; some text unless
    `blank`; at most `max_length` characters from the first to the last that is not whitespace."""
    if max_length is None:
        return {"type": "string", "pattern": NO_NUL if blank else NOT_BLANK}
    text = _TEXT if max_length == 1 else rf"{_TEXT}(?:[^\u0000]{{0,{max_length - 2}}}{_TEXT})?"
    return {
        "type": "string",
        "pattern": rf"^[{_WHITESPACE}]*(?:{text}){'?' if blank else ''}[{_WHITESPACE}]*$",
    }


# --- Query parameters -------------------------------------------------------------------------

# The days a report may ask about: the metrics read days from 1970 on; far beyond, date arithmetic
# (90 days before, the period before) would leave the calendar.
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(3000, 1, 1)


def report_days(attrs: dict, *, tomorrow: date, default_days: int, max_days: int | None = None):
    """`from` and `to` of a report's query with their defaults (`to`: tomorrow; `from`: `default_days`
    before, not before EARLIEST_DAY), or a 400 naming the one that is out of EARLIEST_DAY..LATEST_DAY,
    not after the other, or more than `max_days` after it."""
    date_to = attrs.get("to") or tomorrow
    if date_to > LATEST_DAY:
        raise exceptions.ValidationError({"to": [f"Must be on or before {LATEST_DAY}."]})
    date_from = attrs.get("from")
    if date_from is not None and date_from < EARLIEST_DAY:
        raise exceptions.ValidationError({"from": [f"Must be on or after {EARLIEST_DAY}."]})
    if date_from is None and date_to <= EARLIEST_DAY:
        raise exceptions.ValidationError({"to": [f"Must be after {EARLIEST_DAY}."]})
    date_from = date_from or max(date_to - timedelta(days=default_days), EARLIEST_DAY)
    if date_to <= date_from:
        raise exceptions.ValidationError({"to": ["Must be after from."]})
    if max_days is not None and (date_to - date_from).days > max_days:
        raise exceptions.ValidationError({"to": [f"At most {max_days:,} days after from."]})
    return date_from, date_to


class KeywordNames(serializers.Serializer):
    """Serializer base for fields named after Python keywords: declared as `from_`, exposed as `from`."""

    def get_fields(self):
        fields = super().get_fields()
        return {name.rstrip("_"): field for name, field in fields.items()}


# Marks for what drf-spectacular has no argument for, which document_error_answers turns into
# OpenAPI: a query parameter that may not be empty (django-filter and DRF's serializers read an
# empty optional parameter as one not given, pagination refuses it), and an operation that refuses
# a request without a body (requestBody.required).
EMPTY_IS_INVALID = "x-empty-is-invalid"
BODY_REQUIRED = "x-body-required"


def _filter_schema(flt) -> dict:
    """The schema of one django-filter filter's value, as its form field reads it."""
    choices = [value for value, _ in flt.extra.get("choices") or ()]
    if isinstance(flt, django_filters.MultipleChoiceFilter):
        return {"type": "array", "items": {"type": "string", "enum": choices}}
    if isinstance(flt, SlugFilter) or flt.extra.get("to_field_name") == "slug":
        return {"type": "string", "pattern": SLUG_PATTERN}
    if isinstance(flt, django_filters.ModelChoiceFilter):
        return {"type": "integer"}
    if isinstance(flt, django_filters.ChoiceFilter):
        return {"type": "string", "enum": choices}
    if isinstance(flt, django_filters.NumberFilter):
        return {"type": "number"}
    if isinstance(flt, django_filters.IsoDateTimeFilter):
        return {"type": "string", "format": "date-time"}
    if isinstance(flt, django_filters.DateFilter):
        return {"type": "string", "format": "date"}
    if isinstance(flt, django_filters.BooleanFilter):
        return {"type": "boolean"}
    return trimmed_text(blank=True, max_length=flt.extra.get("max_length"))


def filter_parameters(filterset_class) -> list:
    """OpenAPI query parameters for a django-filter FilterSet used inside a plain APIView."""
    parameters = []
    for name, flt in filterset_class.base_filters.items():
        schema = _filter_schema(flt)
        many = schema["type"] == "array"
        label = str(getattr(flt, "label", "") or name)
        parameters.append(
            OpenApiParameter(
                name,
                schema,
                description=f"{label}; repeat it for several" if many else label,
                required=False,
                style="form" if many else None,
                explode=True if many else None,
            )
        )
    return parameters


# --- Request fields -----------------------------------------------------------------------------


class StringField(serializers.CharField):
    """DRF's CharField for JSON: a string and nothing else (DRF's takes a number too, as its text),
    of at most `max_length` characters as sent (DRF's counts them once it has stripped the
    surrounding whitespace; a schema's maxLength counts them all)."""

    default_error_messages = {"invalid": "Not a valid string."}

    def run_validation(self, data=empty):
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumberField(serializers.IntegerField):
    """DRF's IntegerField for JSON: an integer and nothing else (DRF's takes "3" and 3.0 too)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class RequestTextExtension(OpenApiSerializerFieldExtension):
    """Text fields of requests, with what they refuse written as their pattern: NUL, and blank
    text where it may not be blank. DRF's own CharField also takes a number, as its text."""

    target_class = serializers.CharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        own_rule = "format" in schema or any(isinstance(v, RegexValidator) for v in field.validators)
        if direction != "request" or schema.get("type") != "string" or own_rule:
            return schema
        blank = field.allow_blank or not field.trim_whitespace
        if isinstance(field, StringField):
            return {**schema, "pattern": NO_NUL if blank else NOT_BLANK}
        text = trimmed_text(blank=blank, max_length=field.max_length if field.trim_whitespace else None)
        if not field.trim_whitespace and field.max_length is not None:
            text["maxLength"] = field.max_length
        outer = {key: schema[key] for key in ("default", "description") if key in schema}
        return {"oneOf": [text, {"type": "number", "description": "taken as its text"}], **outer}


class RequestDecimalExtension(OpenApiSerializerFieldExtension):
    """A decimal in a request: DRF takes a JSON number as well as the string it answers with."""

    target_class = serializers.DecimalField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        if direction != "request" or schema.get("type") != "string":
            return schema
        number: dict[str, object] = {"type": "number"}
        if field.min_value is not None:
            number["minimum"] = float(field.min_value)
        if field.max_digits is not None:
            number["maximum"] = 10 ** (field.max_digits - (field.decimal_places or 0))
            number["exclusiveMaximum"] = True
        outer = {key: schema.pop(key) for key in ("nullable", "description") if key in schema}
        return {"oneOf": [schema, number], **outer}


class RequestSlugExtension(OpenApiSerializerFieldExtension):
    """A row named by its slug or username in a request: what such a name may look like.

    DRF reads "" as null in a relation, so a field that may be null also takes "".
    """

    target_class = serializers.SlugRelatedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        if direction == "request" and field.slug_field in NAME_PATTERNS:
            pattern = NAME_PATTERNS[field.slug_field]
            schema = {**schema, "pattern": pattern.replace("]+$", "]*$") if field.allow_null else pattern}
            schema.pop("minLength", None)
        return schema


# --- Errors -----------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The one error shape, for the schema (the exception handler writes the bodies)."""


def error_schema() -> dict:
    return {
        "type": "object",
        "description": "What is wrong: `detail` for the request as a whole, and each offending field "
        'named with its reasons, e.g. {"score": ["must be between 0 and 10 on the nps scale."]} or '
        '{"detail": "This case is not open; reopen it first.", "status": ["not open"]}. A nested '
        "object's fields are named inside it.",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": {
            "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]
        },
    }


class ErrorSerializerExtension(OpenApiSerializerExtension):
    target_class = ErrorSerializer

    def get_name(self, auto_schema, direction):
        return "Error"

    def map_serializer(self, auto_schema, direction):
        return error_schema()


def refusal(description: str) -> OpenApiResponse:
    """An error answer an operation documents itself (when and why), in the one error shape."""
    return OpenApiResponse(ErrorSerializer, description=description)


ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _common_answers(operation: dict) -> dict[str, str]:
    """The error answers every operation like this one can give, by status."""
    parameters = operation.get("parameters", [])
    body = "requestBody" in operation
    answers = {}
    if body or any(parameter["in"] == "query" for parameter in parameters):
        answers["400"] = (
            "Bad request, nothing done: malformed JSON, another content type than application/json, "
            "or a parameter or field that is invalid, each named with its reasons."
        )
    if operation.get("security"):
        answers["401"] = "No credentials, or a token that is unknown or revoked."
        answers["403"] = "Your role, or your token's scope, does not give access to this (or CSRF failed)."
    if any(parameter["in"] == "path" for parameter in parameters):
        answers["404"] = "No such object, or one you may not see."
    if body:
        answers["413"] = f"The body is larger than {settings.CXLOOP_API_MAX_BODY_BYTES:,} bytes."
    return answers


def document_error_answers(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation's error answers, in the one error shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = error_schema()
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                optional_value = parameter["in"] == "query" and not parameter.get("required")
                if optional_value and parameter["schema"].get("type") != "array":
                    parameter["allowEmptyValue"] = not parameter.pop(EMPTY_IS_INVALID, False)
            if operation.pop(BODY_REQUIRED, False):
                operation["requestBody"]["required"] = True
            responses = operation.setdefault("responses", {})
            for code, description in _common_answers(operation).items():
                # What the view says of its own comes after what every such operation may answer.
                own = responses.get(code, {}).get("description")
                responses.setdefault(code, {})["description"] = f"{description} {own}" if own else description
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
            if "401" in responses:
                responses["401"].setdefault("headers", {})["WWW-Authenticate"] = {
                    "schema": {"type": "string", "enum": ["Token"]},
                    "required": True,
                    "description": "The scheme to authenticate with: `Authorization: Token <key>`.",
                }
    return result
