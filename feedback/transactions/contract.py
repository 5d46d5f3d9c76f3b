"""One transaction as the API and files send it: keys, types and the rules between them."""

from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from feedback.contract import EARLIEST_OCCURRED, FUTURE_SLACK, AwareDateTimeField, TextField
from feedback.models import TransactionKind

# Items per API request, as for feedback; a file goes through in chunks of this size.
MAX_BATCH = 1000
# The largest amount the column holds (14 digits, 2 after the point).
MAX_AMOUNT = Decimal("999999999999.99")


class TransactionInput(serializers.Serializer):
    """POST /api/v1/customer-transactions/'s item."""

    customer = TextField(max_length=200, help_text="The customer's external id, as feedback names them.")
    kind = serializers.ChoiceField(choices=TransactionKind.choices)
    external_id = TextField(
        max_length=200, help_text="Unique per kind; a repeat is a duplicate or an update."
    )
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=MAX_AMOUNT,
        required=False,
        allow_null=True,
        coerce_to_string=True,
        help_text="Decimal string, 0 or more: money in (order, renewal) or back out (refund); "
        "none for a churn.",
    )
    occurred_at = AwareDateTimeField(help_text="ISO 8601 with a UTC offset.")

    default_error_messages = {"invalid": "each item must be a JSON object."}

    def validate_occurred_at(self, value):
        if value < EARLIEST_OCCURRED:
            raise serializers.ValidationError("must be on or after 1970-01-01.")
        if value > timezone.now() + FUTURE_SLACK:
            raise serializers.ValidationError("must not be more than a day in the future.")
        return value

    def validate(self, attrs):
        amount = attrs.get("amount")
        if attrs["kind"] == TransactionKind.CHURN:
            if amount is not None:
                raise serializers.ValidationError({"amount": "a churn has no amount: leave it out."})
        elif amount is None:
            raise serializers.ValidationError({"amount": "required for an order, a renewal or a refund."})
        return attrs


class TransactionOutput(serializers.Serializer):
    """A stored transaction, its customer named by external id."""

    id = serializers.IntegerField()
    customer = serializers.CharField(source="customer.external_id")
    kind = serializers.CharField()
    external_id = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    occurred_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


def external_id_of(raw) -> str | None:
    """The item's external id as sent, for its result row (None when it had none usable)."""
    value = raw.get("external_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and value else None
