"""The feedback ingestion contract (DESIGN.md section 5): one validator for API, webhooks, imports and forms.

Validation is strict where a silent coercion would corrupt the numbers: a score must be a JSON
integer on its scale (not `true`, not `"9"`, not `9.5`), text must not contain NUL characters
(PostgreSQL cannot store them), and slugs must name existing touchpoints, stages and teams.
"""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxloop.org.models import Team

from .models import Feedback, JourneyStage, Scale, Source, Touchpoint

MAX_BATCH = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")
EARLIEST_OCCURRED = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
# The staff form's signature (feedback.intake.forms.EmployeeFeedbackForm): who raised an item. Only
# the form's own validator (ContractValidator(signed_by=...)) may write it, and only as its author;
# from the API, webhooks and imports it is refused, else anyone could sign for someone else.
RAISED_BY = "raised_by"


def _reject_nul(value: str) -> str:
    if "\x00" in value:
        raise serializers.ValidationError("must not contain NUL characters.")
    return value


def _check_json_strings(value, path: str = "") -> None:
    """Reject NUL characters anywhere inside a JSON value (PostgreSQL's jsonb refuses them)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError(f"{path or 'value'} must not contain NUL characters.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json_strings(key, path)
            _check_json_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_strings(item, f"{path}[{index}]")


@extend_schema_field(OpenApiTypes.INT)
class StrictIntegerField(serializers.Field):
    """A JSON integer and nothing else: booleans, strings and fractions are errors."""

    default_error_messages = {"invalid": "must be a whole number (a JSON integer), not {kind}."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            kind = "a boolean" if isinstance(data, bool) else type(data).__name__.replace("str", "a string")
            self.fail("invalid", kind=kind)
        return data

    def to_representation(self, value):
        return value


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset: a time without one is ambiguous, so it is an error."""

    default_error_messages = {"naive": "must include a UTC offset, e.g. 2026-05-01T09:30:00+02:00."}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class TextField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("validators", []).append(_reject_nul)
        super().__init__(**kwargs)


class SlugRefField(serializers.SlugRelatedField):
    """A slug that must name an existing row: unknown slugs are errors, never created silently."""

    default_error_messages = {
        "does_not_exist": 'unknown {model} "{value}".',
        "invalid": "must be a slug (a string).",
    }

    def __init__(self, model, *, queryset=None, what: str = "", **kwargs):
        self.model_name = what or model._meta.verbose_name
        super().__init__(
            slug_field="slug", queryset=queryset if queryset is not None else model.objects.all(), **kwargs
        )

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # Neither PostgreSQL nor its driver can even compare a string with NUL or a lone surrogate in it.
        _reject_nul(data)
        if _SURROGATE.search(data):
            self.fail("invalid")
        # A batch of items names the same few slugs again and again: look each up once per batch.
        cache = self.context.get("lookups")
        key = (self.field_name, data)
        if cache is not None and key in cache:
            found = cache[key]
        else:
            queryset = self.get_queryset()
            assert queryset is not None, "__init__ always sets one"
            found = queryset.filter(slug=data).first()
            if cache is not None:
                cache[key] = found
        if found is None:
            self.fail("does_not_exist", model=self.model_name, value=data[:100])
        return found


def normalized_phone(value: str) -> str:
    """Digits only, with a leading + kept: "+44 (0)20 7946-0958" and "+44 20 79460958" match."""
    value = value.strip()
    digits = "".join(char for char in value.replace("(0)", "") if char.isdigit())
    if value and len(digits) < 5:
        raise serializers.ValidationError("does not look like a phone number.")
    return ("+" if value.startswith("+") else "") + digits


class CustomerInput(serializers.Serializer):
    external_id = TextField(max_length=200, required=False)
    name = TextField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = TextField(max_length=32, required=False, allow_blank=True)
    segment = TextField(max_length=50, required=False, allow_blank=True)
    annual_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )
    do_not_contact = serializers.BooleanField(
        required=False, help_text="The customer asked not to be contacted (feedback.contact)."
    )

    def validate_email(self, value: str) -> str:
        return value.strip().lower()

    def validate_phone(self, value: str) -> str:
        return normalized_phone(value)

    def validate(self, attrs):
        if not attrs.get("external_id") and not attrs.get("email"):
            raise serializers.ValidationError({"external_id": "a customer needs an external_id or an email."})
        return attrs


class FeedbackInput(serializers.Serializer):
    # The ignore: the serializer's metaclass takes declared fields off the class, so this never
    # shadows Field.source (which the stubs see as a class attribute).
    source = SlugRefField(  # type: ignore[assignment]
        Source, queryset=Source.objects.filter(active=True), what="or inactive source"
    )
    external_id = TextField(max_length=200)
    scale = serializers.ChoiceField(choices=Scale.choices, required=False, allow_null=True)
    score = StrictIntegerField(required=False, allow_null=True)
    comment = TextField(
        max_length=Feedback.COMMENT_MAX_LENGTH, required=False, allow_blank=True, trim_whitespace=False
    )
    occurred_at = AwareDateTimeField(required=False)
    customer = CustomerInput(required=False, allow_null=True)
    touchpoint = SlugRefField(Touchpoint, required=False, allow_null=True)
    journey_stage = SlugRefField(JourneyStage, required=False, allow_null=True)
    team = SlugRefField(Team, required=False, allow_null=True)
    metadata = serializers.DictField(required=False)

    default_error_messages = {"invalid": "each item must be a JSON object."}

    def validate_occurred_at(self, value):
        # The metrics read days from 1970 on; a time further ahead than a clock can be wrong is a mistake.
        if value < EARLIEST_OCCURRED:
            raise serializers.ValidationError("must be on or after 1970-01-01.")
        if value > timezone.now() + FUTURE_SLACK:
            raise serializers.ValidationError("must not be more than a day in the future.")
        return value

    def validate_metadata(self, value):
        _check_json_strings(value)
        signer = self.context.get("signed_by")
        if RAISED_BY in value and (signer is None or value[RAISED_BY] != signer):
            raise serializers.ValidationError(
                f"metadata.{RAISED_BY} is reserved: only the staff form records who raised an item."
            )
        return value

    def validate(self, attrs):
        score, scale = attrs.get("score"), attrs.get("scale")
        if score is not None:
            if scale is None:
                raise serializers.ValidationError(
                    {"scale": "required when a score is given (nps, csat or ces)."}
                )
            low, high = Feedback.SCALE_RANGES[scale]
            if not low <= score <= high:
                raise serializers.ValidationError(
                    {"score": f"must be between {low} and {high} on the {scale} scale."}
                )
        return attrs


class ContractValidator:
    """Validates items one after another with one serializer and one slug cache: use one per batch.

    Well-formed items take a direct path (contract_fast.py) that gives what the serializer gives, at
    a fifth of its cost; anything it is not sure of, and every error, goes through the serializer,
    which alone words the errors. tests/feedback/test_contract_fast.py holds the two paths equal.
    """

    def __init__(self, *, signed_by: str | None = None) -> None:
        """`signed_by`: the staff form's author, the only value metadata.raised_by may then take."""
        self._serializer = FeedbackInput(context={"lookups": {}, "signed_by": signed_by})

    def validate(self, raw) -> tuple[dict | None, dict | None]:
        """(clean data, None) for a valid item, or (None, errors by field)."""
        from .contract_fast import Unsure, validate_fast

        try:
            return validate_fast(self._serializer, raw), None
        except Unsure:
            pass
        return self.validate_by_serializer(raw)

    def validate_by_serializer(self, raw) -> tuple[dict | None, dict | None]:
        try:
            return self._serializer.run_validation(raw), None
        except serializers.ValidationError as exc:
            detail = exc.detail
            return None, detail if isinstance(detail, dict) else {"non_field_errors": detail}


def validate_item(raw) -> tuple[dict | None, dict | None]:
    """Validate one item on its own (see ContractValidator for batches)."""
    return ContractValidator().validate(raw)


def external_id_of(raw) -> str | None:
    """The item's external id as sent, for the per-row answer even when the item is invalid."""
    if (
        isinstance(raw, dict)
        and isinstance(raw.get("external_id"), str | int)
        and not isinstance(raw.get("external_id"), bool)
    ):
        return str(raw["external_id"])[:200]
    return None
