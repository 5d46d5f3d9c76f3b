"""GET /api/v1/audit-events/: the audit log for administrators, filtered as on the page."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from cxloop.core.api import filter_parameters
from cxloop.core.models import AuditEvent
from cxloop.core.pagination import page_parameters, paged, paginated_response
from cxloop.org.permissions import HasRole

from .filters import AuditEventFilter
from .labels import verb_label
from .selectors import audit_event_list


class AuditEventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor_username", help_text="Username of who acted, as it was then; empty for nobody."
    )
    actor_id = serializers.IntegerField(allow_null=True)
    what = serializers.SerializerMethodField(help_text="The verb in words (the verb itself when unknown).")
    address = serializers.IPAddressField(source="ip", allow_null=True)
    # The ignore: the serializer's metaclass takes declared fields off the class, so this never
    # shadows Serializer.data (which the stubs see as a class attribute).
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="Ids, field names and staff usernames: never personal data."
    )

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "actor_id", "verb", "what", "target_type", "target_id",
                  "customer_id", "address", "data"]  # fmt: skip

    def get_what(self, event: AuditEvent) -> str:
        return verb_label(event.verb)


class AuditEventListApi(APIView):
    """The audit log, newest first: administrators only."""

    permission_classes = [HasRole]
    required_roles = ()  # HasRole lets administrators through, and nobody else here

    @extend_schema(
        parameters=[*filter_parameters(AuditEventFilter), *page_parameters()],
        responses=paged(AuditEventOutput),
        description="Who did what, newest first, filtered as on the audit log page; an empty filter "
        "is no filter. `from` and `to` are days (both included); `target_id` needs `target_type`.",
    )
    def get(self, request):
        events = audit_event_list(user=request.user, filters=request.query_params)
        return paginated_response(request=request, view=self, queryset=events, output=AuditEventOutput)
