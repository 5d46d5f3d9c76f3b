"""The feedback API (DESIGN.md section 5, a contract): ingestion, sources, and scoped reads."""

from collections.abc import Callable

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.api import BODY_REQUIRED, ErrorSerializer, filter_parameters
from cxloop.core.auditlog.record import audit_view
from cxloop.core.pagination import page_parameters, paged, paginated_response
from cxloop.core.pii import can_see_personal_data, mask_personal_data
from cxloop.org.models import Role, Team
from cxloop.org.permissions import HasRole

from . import selectors
from .contract import MAX_BATCH, FeedbackInput
from .filters import FeedbackFilter
from .models import Category, Customer, Feedback, JourneyStage, Source, Touchpoint
from .permissions import Writer
from .services.ingest import CREATED, ERROR, feedback_ingest, feedback_ingest_many

ALL_ROLES = tuple(Role.values)


class IngestResultSerializer(serializers.Serializer):
    external_id = serializers.CharField(allow_null=True, help_text="As sent; null when the item had none.")
    status = serializers.ChoiceField(choices=["created", "duplicate", "updated", "error"])
    id = serializers.IntegerField(allow_null=True, help_text="The stored item's id; null for an error.")
    # The ignore: the serializer's metaclass takes declared fields off the class, so this never
    # shadows Serializer.errors (which the stubs see as a class attribute).
    errors = serializers.DictField(  # type: ignore[assignment]
        help_text='Each invalid field named with its reasons, e.g. {"score": [...]}.'
    )
    warnings = serializers.DictField(
        required=False, help_text="What was stored but not all applied (customer details left as they were)."
    )


class TriageOutput(serializers.Serializer):
    """Where triage sent the item: pending (not yet triaged), case (which, for which team, by which
    rule, and why when it went to the triage team), or none (and why)."""

    status = serializers.ChoiceField(choices=["pending", "case", "none"])
    case = serializers.IntegerField(required=False, allow_null=True)
    team = serializers.CharField(required=False)
    rule = serializers.CharField(required=False, allow_null=True)
    reason = serializers.CharField(required=False)

    def to_representation(self, instance: Feedback) -> dict:
        if instance.triaged_at is None:
            return {"status": "pending"}
        result = dict(instance.triage_result or {})
        if result.get("case"):
            return {"status": "case", **result}
        if "team" in result:  # routed, but the case existed already
            return {"status": "case", **result}
        return {"status": "none", "reason": result.get("reason", "")}


class FeedbackOutput(serializers.ModelSerializer):
    """A feedback item; emails, card and phone numbers in the comment are masked, as on the pages,
    unless the caller holds the personal-data permission (the serializer's context names the user)."""

    # The ignore: as for IngestResultSerializer.errors, a declared field never shadows Field.source.
    source: serializers.SlugRelatedField[Source] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="slug", read_only=True
    )
    touchpoint: serializers.SlugRelatedField[Touchpoint] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    journey_stage: serializers.SlugRelatedField[JourneyStage] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    customer: serializers.SlugRelatedField[Customer] = serializers.SlugRelatedField(
        slug_field="external_id", read_only=True, allow_null=True
    )
    confirmed_category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    suggested_category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The classifier's guess; rules act on it only when suggested_confidence reaches theirs.",
    )
    triage = TriageOutput(source="*", read_only=True)

    class Meta:
        model = Feedback
        fields = [
            "id", "source", "external_id", "scale", "score", "comment", "occurred_at", "received_at",
            "customer", "touchpoint", "journey_stage", "team", "metadata", "sentiment", "language",
            "confirmed_category", "suggested_category", "suggested_confidence", "triage",
        ]  # fmt: skip

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data.get("comment") and not self.context.get("personal_data", False):
            data["comment"] = mask_personal_data(data["comment"])
        return data


class FeedbackIngest(serializers.Serializer):
    """POST /api/v1/feedback/'s body, for the schema: one item, or an array of 1 to MAX_BATCH items."""


class FeedbackIngestExtension(OpenApiSerializerExtension):
    target_class = FeedbackIngest

    def map_serializer(self, auto_schema, direction):
        item = auto_schema.resolve_serializer(FeedbackInput, direction).ref
        return {"oneOf": [item, {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_BATCH}]}


def one_or_array_response(data, *, max_batch: int, one: Callable, many: Callable) -> Response:
    """The answer of an ingestion endpoint that takes one object or an array (DESIGN.md section 5):
    an array gets one result per item, 201 when all were created, else 207; one object gets its
    result, 201 created, 200 a duplicate or an update, 400 an error. `one` and `many` store them."""
    if isinstance(data, list):
        if len(data) > max_batch:
            raise ValidationError({"non_field_errors": [f"At most {max_batch:,} items per request."]})
        if not data:
            raise ValidationError({"non_field_errors": ["The array is empty."]})
        results = many(data)
        all_created = all(result.status == CREATED for result in results)
        return Response(
            [result.as_dict() for result in results],
            status=status.HTTP_201_CREATED if all_created else status.HTTP_207_MULTI_STATUS,
        )
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object or an array of objects."]})
    result = one(data)
    if result.status == ERROR:
        return Response(result.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    code = status.HTTP_201_CREATED if result.status == CREATED else status.HTTP_200_OK
    return Response(result.as_dict(), status=code)


def _output_context(request) -> dict:
    return {"personal_data": can_see_personal_data(request.user)}


class FeedbackCollectionApi(APIView):
    """GET: feedback the caller may see, newest first, filtered. POST: store items exactly once each."""

    permission_classes = [HasRole]
    required_roles = ALL_ROLES
    required_scope = {"POST": "ingest"}  # reading needs `read` (cxloop.org.permissions)

    @extend_schema(
        request=FeedbackIngest,
        responses={
            201: PolymorphicProxySerializer(
                component_name="FeedbackIngestCreated",
                serializers=[IngestResultSerializer, IngestResultSerializer(many=True)],
                resource_type_field_name=None,
                many=False,
            ),
            200: OpenApiResponse(
                IngestResultSerializer,
                description="one object: a duplicate or an update of one stored before",
            ),
            207: OpenApiResponse(IngestResultSerializer(many=True), description="some rows were not created"),
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="FeedbackIngestRefused",
                    serializers=[IngestResultSerializer, ErrorSerializer],
                    resource_type_field_name=None,
                    many=False,
                ),
                description="The error shape also for an empty array or one of more than "
                f"{MAX_BATCH:,} items; one object that is invalid gets its result, with its errors.",
            ),
        },
        description="Send one object or an array of up to 1,000. For an array, the answer lists one result "
        "per item in the same order; good items are stored even when others fail (207).",
        extensions={BODY_REQUIRED: True},
    )
    def post(self, request):
        writer = Writer.for_request(request)
        return one_or_array_response(
            request.data,
            max_batch=MAX_BATCH,
            one=lambda item: feedback_ingest(raw=item, writer=writer),
            many=lambda items: feedback_ingest_many(items=items, writer=writer),
        )

    @extend_schema(
        parameters=[*filter_parameters(FeedbackFilter), *page_parameters()],
        responses=paged(FeedbackOutput),
        operation_id="v1_feedback_list",
        description="Feedback the caller may see, newest first, filtered; an empty filter is no filter.",
    )
    def get(self, request):
        feedback = selectors.feedback_list(user=request.user, filters=request.query_params)
        return paginated_response(
            request=request,
            view=self,
            queryset=feedback,
            output=FeedbackOutput,
            context=_output_context(request),
        )


class FeedbackDetailApi(APIView):
    """One feedback item the caller may see."""

    permission_classes = [HasRole]
    required_roles = ALL_ROLES

    @extend_schema(responses=FeedbackOutput)
    def get(self, request, pk: int):
        feedback = selectors.feedback_get(user=request.user, feedback_id=pk)
        audit_view(request, feedback)
        return Response(FeedbackOutput(feedback, context=_output_context(request)).data)


class SourceOutput(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["slug", "kind", "name", "active"]


class SourceListApi(APIView):
    """The configured inbound channels."""

    permission_classes = [HasRole]
    required_roles = ALL_ROLES

    @extend_schema(responses=SourceOutput(many=True))
    def get(self, request):
        return Response(SourceOutput(Source.objects.order_by("slug"), many=True).data)
