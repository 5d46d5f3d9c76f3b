"""The cases API (DESIGN.md section 5): scoped list and detail, and one endpoint per action."""

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.actions import ActionApi
from cxloop.core.api import EARLIEST_DAY, LATEST_DAY, KeywordNames, filter_parameters, refusal, report_days
from cxloop.core.auditlog.record import audit_view
from cxloop.core.pagination import page_parameters, paged, paginated_response
from cxloop.core.pii import can_see_personal_data, mask_personal_data
from cxloop.org.models import Team
from cxloop.org.permissions import HasRole
from feedback.models import Category, Customer

from . import selectors
from .actions import CASE_ACTIONS, CASE_API_ROUTES, QUEUE_ACTIONS, ApiRoute
from .filters import CaseFilter
from .metrics import loop_closure
from .models import Case, CaseKind
from .permissions import CASE_ROLES, CLAIM_ROLES

# What people wrote about the customer that the case page masks (customer_words) for a viewer without
# the personal data permission. The resolution note is shown as written on the page, and so here.
MASKED_FIELDS = ("employee_account", "disposition_justification")


class CaseOutput(serializers.ModelSerializer):
    """A case; emails, card and phone numbers in the employee's account and the justification are
    masked, as on the case page, unless the context's `personal_data` says the caller may see them."""

    kind: serializers.SlugRelatedField[CaseKind] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="username; null while unassigned"
    )
    customer: serializers.SlugRelatedField[Customer] = serializers.SlugRelatedField(
        slug_field="external_id", read_only=True, allow_null=True, help_text="null for anonymous feedback"
    )
    root_cause: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="set when resolved"
    )
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    do_not_contact = serializers.SerializerMethodField(
        help_text="The customer asked not to be contacted: no message, no call (feedback.contact)."
    )

    class Meta:
        model = Case
        fields = [
            "id", "feedback", "kind", "team", "customer", "status", "priority", "assignee",
            "first_contact_due_at", "resolution_due_at", "due_at", "overdue", "paused_at",
            "first_contacted_at", "resolved_at", "closed_at", "escalation_level",
            "root_cause", "resolution_note", "recovery_score", "version", "created_at", "updated_at",
            "do_not_contact", "employee_account", "disposition", "disposition_justification",
        ]  # fmt: skip

    def get_do_not_contact(self, case: Case) -> bool:
        return case.customer is not None and case.customer.do_not_contact

    def to_representation(self, instance: Case) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("personal_data", False):
            for name in MASKED_FIELDS:
                if data.get(name):
                    data[name] = mask_personal_data(data[name])
        return data


def _output_context(request: Request) -> dict[str, bool]:
    return {"personal_data": can_see_personal_data(request.user)}


class CaseListApi(APIView):
    """Cases the caller may see; open ones unless `status` says otherwise, most pressing first."""

    permission_classes = [HasRole]
    required_roles = CASE_ROLES

    @extend_schema(
        parameters=[*filter_parameters(CaseFilter), *page_parameters()],
        responses=paged(CaseOutput),
        operation_id="v1_cases_list",
    )
    def get(self, request):
        filterset, cases = selectors.case_queue(user=request.user, filters=request.query_params)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        # Root causes by a second query: a fifth join would cost more planning time than it saves.
        cases = cases.select_related("kind", "team", "assignee", "customer").prefetch_related("root_cause")
        return paginated_response(
            request=request, view=self, queryset=cases, output=CaseOutput, context=_output_context(request)
        )


class CaseDetailApi(APIView):
    """One case the caller may see."""

    permission_classes = [HasRole]
    required_roles = CASE_ROLES

    @extend_schema(responses=CaseOutput)
    def get(self, request, pk: int):
        case = selectors.case_get(user=request.user, case_id=pk)
        audit_view(request, case)
        return Response(CaseOutput(case, context=_output_context(request)).data)


class CaseClaimNextApi(APIView):
    """Take the most urgent unassigned case of the caller's teams (204 when there is none)."""

    permission_classes = [HasRole]
    required_roles = CLAIM_ROLES
    required_scope = "cases"

    @extend_schema(request=None, responses={200: CaseOutput, 204: None})
    def post(self, request: Request) -> Response:
        case = QUEUE_ACTIONS["claim-next"].run(user=request.user, target=None, data={})
        if case is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        case = selectors.case_get(user=request.user, case_id=case.pk)
        return Response(CaseOutput(case, context=_output_context(request)).data)


class CaseActionApi(ActionApi):
    """Base of the case action endpoints, one per entry of CASE_API_ROUTES: scoped lookup (404),
    then the entry of CASE_ACTIONS (403, 400, 409), then the case as it is after."""

    permission_classes = [HasRole]
    required_roles = CASE_ROLES
    required_scope = "cases"
    output = CaseOutput

    def get_target(self, request: Request, **kwargs: Any) -> Case:
        return selectors.case_get(user=request.user, case_id=kwargs["pk"])

    def present(self, result: Any, target: Case) -> Case:
        target.refresh_from_db()
        return target

    def run_action(self, request: Request, **kwargs: Any) -> Response:
        """ActionApi's, with the case serialized as the caller may see it (ActionApi gives `output`
        no context, and CaseOutput masks without one)."""
        target = self.get_target(request, **kwargs)
        result = self.entry.run(
            user=request.user, target=target, data=self.get_input(request, target, **kwargs)
        )
        case = self.present(result, target)
        return Response(CaseOutput(case, context=_output_context(request)).data, status=self.success_status)


def _case_action_api(name: str, route: ApiRoute) -> type[CaseActionApi]:
    """The endpoint of one case action, with its own schema (input, output, when it is refused)."""
    action = CASE_ACTIONS[name]
    responses: dict[int, Any] = {200: CaseOutput}
    if route.refused:
        responses[409] = refusal(f"Refused, nothing changed: {route.refused}.")

    @extend_schema(request=action.input, responses=responses)
    def post(self: CaseActionApi, request: Request, pk: int) -> Response:
        return self.run_action(request, pk=pk)

    attributes = {"__doc__": route.doc, "__module__": __name__, "__qualname__": route.view_name}
    return type(route.view_name, (CaseActionApi,), {**attributes, "entry": action, "post": post})


# One endpoint per case action the API offers, generated from the table: CaseLogContactApi, ...
CASE_ACTION_APIS: dict[str, type[CaseActionApi]] = {
    name: _case_action_api(name, route) for name, route in CASE_API_ROUTES.items()
}


class LoopClosureRowOutput(serializers.Serializer):
    group = serializers.CharField(
        help_text="The team's or kind's slug, the week's or month's first day, or all."
    )
    cases = serializers.IntegerField()
    contacted = serializers.IntegerField()
    first_contact_hours_p50 = serializers.FloatField(allow_null=True)
    first_contact_hours_p90 = serializers.FloatField(allow_null=True)
    pct_contacted_within_sla = serializers.FloatField(allow_null=True)
    pct_resolved_within_sla = serializers.FloatField(allow_null=True)
    recovery_checks = serializers.IntegerField()
    recovery_customer_answers = serializers.IntegerField(
        help_text="Recovery checks the customers answered themselves (these decide over an agent's score)."
    )
    recovery_agent_recorded = serializers.IntegerField(
        help_text="Recovery checks known only from the score an agent recorded."
    )
    recovery_rate = serializers.FloatField(allow_null=True)


class LoopClosureOutput(KeywordNames, serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    results = LoopClosureRowOutput(many=True)


class LoopClosureApi(APIView):
    """Time to first contact (p50, p90), % contacted and resolved within SLA, recovery rate."""

    permission_classes = [HasRole]
    required_roles = CASE_ROLES
    required_scope = "metrics"

    class FilterSerializer(KeywordNames, serializers.Serializer):
        from_ = serializers.DateField(
            required=False, help_text=f"First day; default: 90 days before `to`. From {EARLIEST_DAY}."
        )
        to = serializers.DateField(
            required=False,
            help_text=f"Day after the last; default: tomorrow. After `from`, and not after {LATEST_DAY}.",
        )
        team = serializers.SlugField(required=False, help_text="Only this team's cases.")
        group_by = serializers.ChoiceField(choices=["team", "week", "month", "kind"], required=False)

        def validate(self, attrs):
            tomorrow = timezone.localdate() + timedelta(days=1)
            attrs["from"], attrs["to"] = report_days(attrs, tomorrow=tomorrow, default_days=90)
            return attrs

    @extend_schema(parameters=[FilterSerializer], responses=LoopClosureOutput)
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        results = loop_closure(
            user=request.user,
            date_from=data["from"],
            date_to=data["to"],
            group_by=data.get("group_by"),
            team=data.get("team"),
        )
        return Response({"from": data["from"], "to": data["to"], "results": results})
