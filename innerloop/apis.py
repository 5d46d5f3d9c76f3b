"""The cases API (DESIGN.md section 5): scoped list and detail, and one endpoint per action."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.api import filter_parameters
from cxloop.org.models import Role
from cxloop.org.permissions import HasRole
from feedback.models import Category

from . import selectors
from .filters import CaseFilter
from .models import Case, ContactAttempt, MessageTemplate
from .services import cases as services

CASE_ROLES = tuple(Role.values)


class CaseOutput(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="external_id", read_only=True)
    root_cause = serializers.SlugRelatedField(slug_field="slug", read_only=True)
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

    @extend_schema(parameters=filter_parameters(CaseFilter), responses=CaseOutput(many=True))
    def get(self, request):
        filterset = CaseFilter(request.query_params, queryset=Case.objects.none(), request_user=request.user)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        cases = selectors.case_queue(user=request.user, filters=request.query_params)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response(CaseOutput(page, many=True).data)


class CaseDetailApi(APIView):
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
        return Response(CaseOutput(case).data)


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
    version = serializers.IntegerField(
        required=False, help_text="The version you last saw; a stale one is refused with 400."
    )


class CaseLogContactApi(_CaseActionApi):
    class CaseLogContactInput(VersionedInput):
        channel = serializers.ChoiceField(choices=ContactAttempt.Channel.choices)
        outcome = serializers.ChoiceField(choices=ContactAttempt.Outcome.choices)
        promised = serializers.CharField(required=False, allow_blank=True, default="")
        next_step = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    input_serializer = CaseLogContactInput

    @extend_schema(request=CaseLogContactInput, responses=CaseOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_log_contact(
            case=case, actor=user, channel=data["channel"], outcome=data["outcome"],
            promised=data["promised"], next_step=data["next_step"], expected_version=data.get("version"),
        )  # fmt: skip


class CaseMessageApi(_CaseActionApi):
    class CaseMessageInput(VersionedInput):
        template = serializers.SlugRelatedField(
            slug_field="slug", queryset=MessageTemplate.objects.filter(active=True)
        )
        body = serializers.CharField(required=False, allow_blank=True, default="")

    input_serializer = CaseMessageInput

    @extend_schema(request=CaseMessageInput, responses=CaseOutput)
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
    class CaseResolveInput(VersionedInput):
        root_cause = serializers.SlugRelatedField(
            slug_field="slug", queryset=Category.objects.filter(retired_at__isnull=True)
        )
        resolution_note = serializers.CharField()
        recovery_score = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10)

    input_serializer = CaseResolveInput

    @extend_schema(request=CaseResolveInput, responses=CaseOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_resolve(
            case=case, actor=user, root_cause=data["root_cause"], resolution_note=data["resolution_note"],
            recovery_score=data.get("recovery_score"), expected_version=data.get("version"),
        )  # fmt: skip


class CaseReopenApi(_CaseActionApi):
    class CaseReopenInput(VersionedInput):
        reason = serializers.CharField(max_length=500)

    input_serializer = CaseReopenInput

    @extend_schema(request=CaseReopenInput, responses=CaseOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, case, user, data):
        services.case_reopen(
            case=case, actor=user, reason=data["reason"], expected_version=data.get("version")
        )
