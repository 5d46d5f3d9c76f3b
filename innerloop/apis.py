"""The cases API (DESIGN.md section 5): scoped list and detail, and one endpoint per action."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.api import (
    EARLIEST_DAY,
    LATEST_DAY,
    KeywordNames,
    StringField,
    WholeNumberField,
    filter_parameters,
    page_parameters,
    paged,
    paginated_response,
    refusal,
    report_days,
)
from cxloop.org.models import Role
from cxloop.org.permissions import HasRole
from feedback.models import Category

from . import selectors
from .filters import CaseFilter
from .metrics import loop_closure
from .models import Case, CaseStatus, ContactAttempt, MessageTemplate
from .services import cases as services

CASE_ROLES = tuple(Role.values)


class CaseOutput(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="username; null while unassigned"
    )
    customer = serializers.SlugRelatedField(
        slug_field="external_id", read_only=True, allow_null=True, help_text="null for anonymous feedback"
    )
    root_cause = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="set when resolved"
    )
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id", "feedback", "kind", "team", "customer", "status", "priority", "assignee",
            "first_contact_due_at", "resolution_due_at", "due_at", "overdue", "paused_at",
            "first_contacted_at", "resolved_at", "closed_at", "escalation_level",
            "root_cause", "resolution_note", "recovery_score", "version", "created_at", "updated_at",
        ]  # fmt: skip


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
        return paginated_response(request=request, view=self, queryset=cases, output=CaseOutput)


class CaseDetailApi(APIView):
    """One case the caller may see."""

    permission_classes = [HasRole]
    required_roles = CASE_ROLES

    @extend_schema(responses=CaseOutput)
    def get(self, request, pk: int):
        return Response(CaseOutput(selectors.case_get(user=request.user, case_id=pk)).data)


class CaseClaimNextApi(APIView):
    """Take the most urgent unassigned case of the caller's teams (204 when there is none)."""

    permission_classes = [HasRole]
    required_roles = (Role.AGENT, Role.TEAM_LEAD)

    @extend_schema(request=None, responses={200: CaseOutput, 204: None})
    def post(self, request):
        case = services.case_claim_next(
            team_ids=selectors.claimable_team_ids(user=request.user), user=request.user
        )
        if case is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(CaseOutput(selectors.case_get(user=request.user, case_id=case.pk)).data)


class _CaseActionApi(APIView):
    """Base of the per-action endpoints: scoped lookup, validated input, one service call."""

    permission_classes = [HasRole]
    required_roles = CASE_ROLES
    input_serializer: type[serializers.Serializer]

    def act(self, *, case: Case, user, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, pk: int):
        case = selectors.case_get(user=request.user, case_id=pk)
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.act(case=case, user=request.user, data=serializer.validated_data)
        case.refresh_from_db()
        return Response(CaseOutput(case).data)


class VersionedInput(serializers.Serializer):
    version = WholeNumberField(
        required=False, help_text="The version you last saw; a stale one is refused with 409."
    )


STALE = "or `version` is not the case's version (someone changed it since)"


def _action_schema(request, *, refused: str | None):
    """The schema of a case action: its input, the case as it is after, and when it is refused (409)."""
    responses = {200: CaseOutput}
    if refused:
        responses[409] = refusal(f"Refused, nothing changed: {refused}.")
    return extend_schema(request=request, responses=responses)


class CaseLogContactApi(_CaseActionApi):
    """Record an attempt to reach the customer; reaching them starts the resolution clock."""

    class CaseLogContactInput(VersionedInput):
        channel = serializers.ChoiceField(choices=ContactAttempt.Channel.choices)
        outcome = serializers.ChoiceField(choices=ContactAttempt.Outcome.choices)
        promised = StringField(required=False, allow_blank=True, default="")
        next_step = StringField(required=False, allow_blank=True, default="", max_length=500)

    input_serializer = CaseLogContactInput

    @_action_schema(CaseLogContactInput, refused=f"the case is not open (reopen it first), {STALE}")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_log_contact(
            case=case, actor=user, channel=data["channel"], outcome=data["outcome"],
            promised=data["promised"], next_step=data["next_step"], expected_version=data.get("version"),
        )  # fmt: skip


class CaseMessageApi(_CaseActionApi):
    """Email the customer from a message template; `body` replaces the template's text when given."""

    class CaseMessageInput(VersionedInput):
        template = serializers.SlugRelatedField(
            slug_field="slug", queryset=MessageTemplate.objects.filter(active=True)
        )
        body = StringField(required=False, allow_blank=True, default="")

    input_serializer = CaseMessageInput

    @_action_schema(CaseMessageInput, refused=f"the customer has no email address on file, {STALE}")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_message_customer(
            case=case,
            actor=user,
            template=data["template"],
            body=data["body"],
            expected_version=data.get("version"),
        )


class CaseResolveApi(_CaseActionApi):
    """Resolve with a root cause and a note; a recovery score below 7 reopens the case at once."""

    class CaseResolveInput(VersionedInput):
        root_cause = serializers.SlugRelatedField(
            slug_field="slug", queryset=Category.objects.filter(retired_at__isnull=True)
        )
        resolution_note = StringField()
        recovery_score = WholeNumberField(required=False, allow_null=True, min_value=0, max_value=10)

    input_serializer = CaseResolveInput

    @_action_schema(CaseResolveInput, refused=f"the case cannot be resolved from its status, {STALE}")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_resolve(
            case=case, actor=user, root_cause=data["root_cause"], resolution_note=data["resolution_note"],
            recovery_score=data.get("recovery_score"), expected_version=data.get("version"),
        )  # fmt: skip


class CaseReopenApi(_CaseActionApi):
    """Reopen a resolved or closed case, saying why."""

    class CaseReopenInput(VersionedInput):
        reason = StringField(max_length=500)

    input_serializer = CaseReopenInput

    @_action_schema(CaseReopenInput, refused=f"the case is neither resolved nor closed, {STALE}")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_reopen(
            case=case, actor=user, reason=data["reason"], expected_version=data.get("version")
        )


class CaseStatusApi(_CaseActionApi):
    """Wait on the customer (the SLA clock pauses) or go back to work on it (the clock runs again)."""

    class CaseStatusInput(VersionedInput):
        to_status = serializers.ChoiceField(
            choices=[
                (CaseStatus.WAITING_ON_CUSTOMER, "Waiting on the customer"),
                (CaseStatus.IN_PROGRESS, "In progress"),
            ]
        )
        note = StringField(required=False, allow_blank=True, default="", max_length=500)

    input_serializer = CaseStatusInput

    @_action_schema(CaseStatusInput, refused=f"the case cannot go from its status to `to_status`, {STALE}")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_transition(
            case=case, to_status=data["to_status"], actor=user, note=data["note"],
            expected_version=data.get("version"),
        )  # fmt: skip


class CaseCloseApi(_CaseActionApi):
    """Close a resolved case: the customer has been told, nothing more to do."""

    input_serializer = VersionedInput

    @_action_schema(VersionedInput, refused=f"the case is not resolved, {STALE}")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_close(case=case, actor=user, expected_version=data.get("version"))


class CaseNoteApi(_CaseActionApi):
    """Add a note to the case's timeline (no change of status)."""

    class CaseNoteInput(serializers.Serializer):
        text = StringField(max_length=5000)

    input_serializer = CaseNoteInput

    @_action_schema(CaseNoteInput, refused=None)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_add_note(case=case, actor=user, text=data["text"])


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
    recovery_rate = serializers.FloatField(allow_null=True)


class LoopClosureOutput(KeywordNames, serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    results = LoopClosureRowOutput(many=True)


class LoopClosureApi(APIView):
    """Time to first contact (p50, p90), % contacted and resolved within SLA, recovery rate."""

    permission_classes = [HasRole]
    required_roles = CASE_ROLES

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
