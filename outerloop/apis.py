"""The outer-loop API: signals and initiatives, scoped (committee and admins all, managers their own)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.api import StringField, WholeNumberField, page_parameters, paged, paginated_response, refusal
from cxloop.org.models import Department, Role
from cxloop.org.permissions import HasRole
from feedback.models import Touchpoint

from . import selectors
from .forms import staff_who_own_initiatives
from .models import Initiative, Signal, SignalStatus, Stage
from .services import initiatives as initiative_services
from .services import signals as signal_services

OUTER_ROLES = (Role.MANAGER, Role.COMMITTEE)


class SignalOutput(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="null for an obstacle"
    )
    journey_stage = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
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
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    departments = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    target_touchpoint = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    signals = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Initiative
        fields = [
            "id", "title", "problem", "stage", "stage_changed_at", "owner", "departments", "signals",
            "target_metric", "target_touchpoint", "priority_score", "rolled_out_at", "what_changed",
            "created_at", "updated_at",
        ]  # fmt: skip


class _ListApi(APIView):
    permission_classes = [HasRole]
    required_roles = OUTER_ROLES

    def paginate(self, request, queryset, output):
        return paginated_response(request=request, view=self, queryset=queryset, output=output)


class SignalListApi(_ListApi):
    """Signals the caller may see; `status` filters (new by default, `all` for every status)."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=[*SignalStatus.values, "all"], required=False, default="new")

    @extend_schema(
        parameters=[FilterSerializer, *page_parameters()],
        responses=paged(SignalOutput),
        operation_id="v1_signals_list",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        status = filters.validated_data["status"]
        signals = selectors.signal_board(user=request.user, status="" if status == "all" else status)
        return self.paginate(request, signals, SignalOutput)


class SignalDetailApi(_ListApi):
    """One signal the caller may see."""

    @extend_schema(responses=SignalOutput)
    def get(self, request, pk: int):
        return Response(SignalOutput(selectors.signal_get(user=request.user, signal_id=pk)).data)


class SignalDismissApi(_ListApi):
    """Set a new signal aside, saying why (a known seasonal effect, already being fixed...)."""

    class SignalDismissInput(serializers.Serializer):
        reason = StringField(max_length=2000)

    @extend_schema(
        request=SignalDismissInput,
        responses={200: SignalOutput, 409: refusal("Refused: the signal is no longer new.")},
    )
    def post(self, request, pk: int):
        signal = selectors.signal_get(user=request.user, signal_id=pk)
        data = self.SignalDismissInput(data=request.data)
        data.is_valid(raise_exception=True)
        signal = signal_services.signal_dismiss(
            signal=signal, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(SignalOutput(signal).data)


class SignalMergeApi(_ListApi):
    """Fold a duplicate new signal into another, which carries the evidence from then on."""

    class SignalMergeInput(serializers.Serializer):
        into = WholeNumberField(
            help_text="The id of the signal that carries on: another one you may see (404 if not)."
        )

    @extend_schema(
        request=SignalMergeInput,
        responses={
            200: SignalOutput,
            409: refusal("Refused: the signal is no longer new, or `into` is merged or dismissed."),
        },
    )
    def post(self, request, pk: int):
        signal = selectors.signal_get(user=request.user, signal_id=pk)
        data = self.SignalMergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        into = selectors.signal_get(user=request.user, signal_id=data.validated_data["into"])
        signal = signal_services.signal_merge(signal=signal, into=into, actor=request.user)
        return Response(SignalOutput(signal).data)


class SignalPromoteApi(_ListApi):
    """Promote a new signal to a proposed initiative (which then waits for the committee)."""

    class SignalPromoteInput(serializers.Serializer):
        title = StringField(max_length=200)
        problem = StringField()
        # Only people who may be accountable for an initiative (never an integration's service user).
        owner = serializers.SlugRelatedField(
            slug_field="username", queryset=staff_who_own_initiatives(), help_text="username"
        )
        departments = serializers.SlugRelatedField(
            slug_field="slug", queryset=Department.objects.all(), many=True, required=False
        )
        target_metric = StringField(max_length=200, required=False, default="", allow_blank=True)
        target_touchpoint = serializers.SlugRelatedField(
            slug_field="slug",
            queryset=Touchpoint.objects.all(),
            required=False,
            allow_null=True,
            default=None,
        )

    @extend_schema(
        request=SignalPromoteInput,
        responses={201: InitiativeOutput, 409: refusal("Refused: the signal is no longer new.")},
    )
    def post(self, request, pk: int):
        signal = selectors.signal_get(user=request.user, signal_id=pk)
        data = self.SignalPromoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        initiative = initiative_services.initiative_create_from_signals(
            signals=[signal], actor=request.user, **data.validated_data
        )
        return Response(InitiativeOutput(initiative).data, status=201)


class InitiativeListApi(_ListApi):
    class FilterSerializer(serializers.Serializer):
        stage = serializers.ChoiceField(choices=Stage.choices, required=False)

    @extend_schema(
        parameters=[FilterSerializer, *page_parameters()],
        responses=paged(InitiativeOutput),
        operation_id="v1_initiatives_list",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        initiatives = selectors.initiative_list(
            user=request.user, stage=filters.validated_data.get("stage", "")
        )
        return self.paginate(request, initiatives.prefetch_related("signals"), InitiativeOutput)


class InitiativeDetailApi(_ListApi):
    """One initiative the caller may see."""

    @extend_schema(responses=InitiativeOutput)
    def get(self, request, pk: int):
        return Response(InitiativeOutput(selectors.initiative_get(user=request.user, initiative_id=pk)).data)


class InitiativeTransitionApi(_ListApi):
    """The owner's stage actions; leaving `proposed` takes a committee decision (/decisions/)."""

    class InitiativeTransitionInput(serializers.Serializer):
        stage = serializers.ChoiceField(choices=Stage.choices)
        note = StringField(required=False, default="", allow_blank=True, max_length=500)

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
    def post(self, request, pk: int):
        initiative = selectors.initiative_get(user=request.user, initiative_id=pk)
        data = self.InitiativeTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        initiative = initiative_services.initiative_transition(
            initiative=initiative, to_stage=data.validated_data["stage"], actor=request.user,
            note=data.validated_data["note"],
        )  # fmt: skip
        return Response(InitiativeOutput(initiative).data)
