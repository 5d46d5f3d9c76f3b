"""The survey-invitation API's shapes: what a request sends and what it is answered, for the schema.

Items are checked by feedback.surveys.items (field by field, a batch at a time), not by these
serializers: they describe the contract in the OpenAPI schema and render the answers.
"""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from cxloop.org.models import Team
from feedback.models import Customer, Survey, SurveyInvitation, Touchpoint

from .items import MAX_BATCH


class InvitationCustomerInput(serializers.Serializer):
    external_id = serializers.CharField(max_length=200, help_text="The customer's id in your system.")
    email = serializers.EmailField(required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    segment = serializers.CharField(max_length=50, required=False, allow_blank=True)
    time_zone = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text='An IANA name, e.g. "Europe/Lisbon".'
    )
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)


class InvitationItemInput(serializers.Serializer):
    """One invitation: exactly one of customer, customer_id (customer surveys) or employee_id."""

    customer = InvitationCustomerInput(required=False)
    customer_id = serializers.IntegerField(required=False, min_value=1)
    employee_id = serializers.IntegerField(required=False, min_value=1, help_text="Employee surveys only.")
    transaction_id = serializers.CharField(
        max_length=200, required=False, help_text="The event's id: one invitation per survey and transaction."
    )
    touchpoint = serializers.SlugField(required=False, help_text="Default: the survey's touchpoint.")
    language = serializers.CharField(
        max_length=10, required=False, help_text="Default: the customer's, else the survey's."
    )
    case_id = serializers.IntegerField(required=False, min_value=1)
    team_id = serializers.IntegerField(
        required=False, min_value=1, help_text="Default: the touchpoint's team."
    )


class InvitationSingleInput(InvitationItemInput):
    survey = serializers.SlugField(help_text="The survey's slug (GET /api/v1/surveys/).")


class InvitationBatchInput(serializers.Serializer):
    survey = serializers.SlugField(help_text="The survey's slug (GET /api/v1/surveys/).")
    invitations = InvitationItemInput(many=True, help_text=f"1 to {MAX_BATCH:,} invitations.")


class InvitationsCreate(serializers.Serializer):
    """POST /api/v1/survey-invitations/'s body, for the schema: one invitation or a batch."""


class InvitationsCreateExtension(OpenApiSerializerExtension):
    target_class = InvitationsCreate

    def map_serializer(self, auto_schema, direction):
        single = auto_schema.resolve_serializer(InvitationSingleInput, direction).ref
        batch = auto_schema.resolve_serializer(InvitationBatchInput, direction).ref
        return {"oneOf": [single, batch]}


class InvitationResultOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the request, from 0.")
    status = serializers.ChoiceField(choices=["scheduled", "suppressed", "duplicate", "error"])
    invitation_id = serializers.IntegerField(allow_null=True)
    reason = serializers.ChoiceField(
        choices=["", *SurveyInvitation.Reason.values], help_text="Why it was suppressed (a code)."
    )
    reason_label = serializers.CharField(help_text="Why it was suppressed, in words.")
    # The ignore: the serializer's metaclass takes declared fields off the class, so this never
    # shadows Serializer.errors (which the stubs see as a class attribute).
    errors = serializers.DictField(  # type: ignore[assignment]
        help_text='Each invalid field named with its reasons, e.g. {"customer": {"email": [...]}}.'
    )


class InvitationOutput(serializers.ModelSerializer):
    survey: serializers.SlugRelatedField[Survey] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    customer: serializers.SlugRelatedField[Customer] = serializers.SlugRelatedField(
        slug_field="external_id", read_only=True, allow_null=True
    )
    touchpoint: serializers.SlugRelatedField[Touchpoint] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reason = serializers.CharField(source="suppressed_reason", read_only=True)
    reason_label = serializers.CharField(source="get_suppressed_reason_display", read_only=True)

    class Meta:
        model = SurveyInvitation
        fields = [
            "id", "survey", "customer", "transaction_id", "touchpoint", "team", "language", "trigger",
            "status", "status_label", "reason", "reason_label", "send_after", "sent_at", "delivered_at",
            "opened_at", "answered_at", "expires_at", "created_at",
        ]  # fmt: skip

    def to_representation(self, instance: SurveyInvitation) -> dict:
        """An employee survey's invitation says on which day it was answered, never when it was
        opened or answered to the minute: a time could be matched with an anonymous answer's."""
        data = super().to_representation(instance)
        if instance.survey.audience == Survey.Audience.EMPLOYEES:
            data["opened_at"] = None
            data["answered_at"] = answered_day(instance)
        return data


def answered_day(invitation: SurveyInvitation) -> str | None:
    """The start of the local day an invitation was answered (the same shape as other times), or None."""
    if invitation.answered_at is None:
        return None
    day = timezone.localtime(invitation.answered_at).replace(hour=0, minute=0, second=0, microsecond=0)
    return serializers.DateTimeField().to_representation(day)


class SurveyOutput(serializers.ModelSerializer):
    source: serializers.SlugRelatedField = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="slug", read_only=True
    )
    touchpoint: serializers.SlugRelatedField[Touchpoint] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    languages = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = ["slug", "name", "audience", "purpose", "channel", "scale", "source", "touchpoint",
                  "default_language", "languages", "active"]  # fmt: skip

    def get_languages(self, survey: Survey) -> list[str]:
        return sorted(text.language for text in survey.texts.all())
