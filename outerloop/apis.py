"""The outer-loop API: signals and initiatives, scoped (committee and admins all, managers their own).

The actions (dismiss, merge, promote, transition) are the entries of outerloop.actions, which the
pages run too; these endpoints find the target, run the entry and answer with the output.
"""

from typing import Any, ClassVar

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.actions import ActionApi
from cxloop.core.api import refusal
from cxloop.core.pagination import page_parameters, paged, paginated_response
from cxloop.org.models import Department
from cxloop.org.permissions import HasRole
from feedback.models import Category, JourneyStage, Touchpoint

from . import selectors
from .actions import (
    INITIATIVE_ACTIONS,
    SIGNAL_ACTIONS,
    InitiativeTransitionInput,
    SignalDismissInput,
    SignalMergeInput,
    SignalPromoteInput,
)
from .filters import InitiativeListFilter, SignalBoardFilter
from .models import Initiative, Signal
from .permissions import OUTER_ROLES


class SignalOutput(serializers.ModelSerializer):
    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="null for an obstacle"
    )
    journey_stage: serializers.SlugRelatedField[JourneyStage] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    value_at_risk = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    department_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Signal
        fields = [
            "id", "key", "kind", "status", "title", "category", "journey_stage", "window_start", "window_end",
            "recent_count", "case_count", "feedback_count", "baseline_count", "expected_count", "rate_ratio",
            "p_value", "q_value", "rising", "teams", "departments", "department_ids", "customers",
            "value_at_risk", "dismissed_reason", "merged_into", "detected_at", "updated_at",
        ]  # fmt: skip


class InitiativeOutput(serializers.ModelSerializer):
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    departments: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    target_touchpoint: serializers.SlugRelatedField[Touchpoint] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    signals: serializers.PrimaryKeyRelatedField[Signal] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Initiative
        fields = [
            "id", "title", "problem", "stage", "stage_changed_at", "owner", "departments", "signals",
            "target_metric", "target_touchpoint", "priority_score", "rolled_out_at", "what_changed",
            "created_at", "updated_at",
            # The committee's forecast (recorded at approval; read-only here: governance records it).
            "forecast_metric", "forecast_change", "forecast_by", "forecast_recorded_at",
        ]  # fmt: skip


class _ListApi(APIView):
    permission_classes = [HasRole]
    required_roles = OUTER_ROLES

    def paginate(self, request: Request, queryset: Any, output: Any) -> Response:
        return paginated_response(request=request, view=self, queryset=queryset, output=output)


class SignalListApi(_ListApi):
    """Signals the caller may see; `status` filters (new by default, `all` for every status)."""

    FilterSerializer = SignalBoardFilter

    @extend_schema(
        parameters=[FilterSerializer, *page_parameters()],
        responses=paged(SignalOutput),
        operation_id="v1_signals_list",
    )
    def get(self, request: Request) -> Response:
        signals = selectors.signal_board(user=request.user, filters=request.query_params)
        return self.paginate(request, signals, SignalOutput)


class SignalDetailApi(_ListApi):
    """One signal the caller may see."""

    @extend_schema(responses=SignalOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(SignalOutput(selectors.signal_get(user=request.user, signal_id=pk)).data)


class _SignalActionApi(ActionApi):
    permission_classes = [HasRole]
    required_roles = OUTER_ROLES
    output: ClassVar[type[serializers.BaseSerializer] | None] = SignalOutput

    def get_target(self, request: Request, **kwargs: Any) -> Signal:
        return selectors.signal_get(user=request.user, signal_id=kwargs["pk"])


class SignalDismissApi(_SignalActionApi):
    """Set a new signal aside, saying why (a known seasonal effect, already being fixed...)."""

    entry = SIGNAL_ACTIONS["dismiss"]

    @extend_schema(
        request=SignalDismissInput,
        responses={200: SignalOutput, 409: refusal("Refused: the signal is no longer new.")},
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run_action(request, pk=pk)


class SignalMergeApi(_SignalActionApi):
    """Fold a duplicate new signal into another, which carries the evidence from then on."""

    entry = SIGNAL_ACTIONS["merge"]

    @extend_schema(
        request=SignalMergeInput,
        responses={
            200: SignalOutput,
            409: refusal("Refused: the signal is no longer new, or `into` is merged or dismissed."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run_action(request, pk=pk)


class SignalPromoteApi(_SignalActionApi):
    """Promote a new signal to a proposed initiative (which then waits for the committee)."""

    entry = SIGNAL_ACTIONS["promote"]
    output = InitiativeOutput
    success_status = 201

    @extend_schema(
        request=SignalPromoteInput,
        responses={201: InitiativeOutput, 409: refusal("Refused: the signal is no longer new.")},
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run_action(request, pk=pk)


class InitiativeListApi(_ListApi):
    FilterSerializer = InitiativeListFilter

    @extend_schema(
        parameters=[FilterSerializer, *page_parameters()],
        responses=paged(InitiativeOutput),
        operation_id="v1_initiatives_list",
    )
    def get(self, request: Request) -> Response:
        initiatives = selectors.initiative_list(user=request.user, filters=request.query_params)
        return self.paginate(request, initiatives.prefetch_related("signals"), InitiativeOutput)


class InitiativeDetailApi(_ListApi):
    """One initiative the caller may see."""

    @extend_schema(responses=InitiativeOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(InitiativeOutput(selectors.initiative_get(user=request.user, initiative_id=pk)).data)


class InitiativeTransitionApi(ActionApi):
    """The owner's stage actions; leaving `proposed` takes a committee decision (/decisions/)."""

    permission_classes = [HasRole]
    required_roles = OUTER_ROLES
    entry = INITIATIVE_ACTIONS["stage"]
    output = InitiativeOutput

    def get_target(self, request: Request, **kwargs: Any) -> Initiative:
        return selectors.initiative_get(user=request.user, initiative_id=kwargs["pk"])

    @extend_schema(
        request=InitiativeTransitionInput,
        responses={
            200: InitiativeOutput,
            403: refusal("Only the initiative's owner (or an administrator) moves it."),
            409: refusal(
                "Refused: the stage cannot follow the current one, the initiative waits for a committee "
                "decision, or its impact has not been reviewed."
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run_action(request, pk=pk)
