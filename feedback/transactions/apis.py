"""POST and GET /api/v1/customer-transactions/: revenue and retention per customer."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from cxloop.core.api import BODY_REQUIRED, ErrorSerializer, filter_parameters
from cxloop.core.pagination import page_parameters, paged, paginated_response
from cxloop.org.models import Role
from cxloop.org.permissions import HasRole
from feedback.apis import IngestResultSerializer, one_or_array_response
from feedback.permissions import Writer

from .contract import MAX_BATCH, TransactionInput, TransactionOutput
from .permissions import transaction_writer_refusal
from .selectors import TransactionFilter, customer_transaction_list
from .services import customer_transactions_record


class TransactionIngest(serializers.Serializer):
    """The POST body, for the schema: one item, or an array of 1 to MAX_BATCH items."""


class TransactionIngestExtension(OpenApiSerializerExtension):
    target_class = TransactionIngest

    def map_serializer(self, auto_schema, direction):
        item = auto_schema.resolve_serializer(TransactionInput, direction).ref
        return {"oneOf": [item, {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_BATCH}]}


class CustomerTransactionCollectionApi(APIView):
    """GET: transactions of the customers the caller can see. POST: store items exactly once each."""

    permission_classes = [HasRole]
    required_roles = tuple(Role.values)
    required_scope = {"POST": "ingest"}  # reading needs `read`; integrations may only send

    @extend_schema(
        request=TransactionIngest,
        responses={
            201: PolymorphicProxySerializer(
                component_name="TransactionIngestCreated",
                serializers=[IngestResultSerializer, IngestResultSerializer(many=True)],
                resource_type_field_name=None,
                many=False,
            ),
            200: OpenApiResponse(IngestResultSerializer, description="one object: a duplicate or an update"),
            207: OpenApiResponse(IngestResultSerializer(many=True), description="some rows were not created"),
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="TransactionIngestRefused",
                    serializers=[IngestResultSerializer, ErrorSerializer],
                    resource_type_field_name=None,
                    many=False,
                ),
                description=f"An empty array, more than {MAX_BATCH:,} items, or one invalid object.",
            ),
            403: OpenApiResponse(ErrorSerializer, description="this caller may not record transactions"),
        },
        description="Orders, renewals, refunds and churn of known customers, by the customer's external "
        "id. Send one object or an array of up to 1,000; good items are stored even when others fail "
        "(207). A repeat of (kind, external_id) is a duplicate, or an update when amount or time differ.",
        extensions={BODY_REQUIRED: True},
    )
    def post(self, request):
        writer = Writer.for_request(request)
        refusal = transaction_writer_refusal(writer)
        if refusal is not None:
            raise PermissionDenied(refusal)
        return one_or_array_response(
            request.data,
            max_batch=MAX_BATCH,
            one=lambda item: customer_transactions_record(items=[item], writer=writer)[0],
            many=lambda items: customer_transactions_record(items=items, writer=writer),
        )

    @extend_schema(
        parameters=[*filter_parameters(TransactionFilter), *page_parameters()],
        responses=paged(TransactionOutput),
        operation_id="v1_customer_transactions_list",
        description="Transactions of the customers the caller can see (through their feedback), "
        "newest first.",
    )
    def get(self, request):
        transactions = customer_transaction_list(user=request.user, filters=request.query_params)
        return paginated_response(request=request, view=self, queryset=transactions, output=TransactionOutput)
