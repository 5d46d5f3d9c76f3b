"""The decisions API: scoped list and detail, opening a decision and recording a seat's vote."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.api import page_parameters, paged, paginated_response
from cxloop.org.models import Role
from cxloop.org.permissions import HasRole
from outerloop import selectors as outer

from . import selectors, services
from .models import CommitteeSeat, Decision, Meeting, Outcome


class VoteOutput(serializers.Serializer):
    seat = serializers.IntegerField(source="seat_id")
    department = serializers.CharField(source="seat.department.slug")
    choice = serializers.CharField()
    created_at = serializers.DateTimeField()


class DecisionOutput(serializers.ModelSerializer):
    votes = VoteOutput(many=True, read_only=True)
    outcome = serializers.CharField(
        read_only=True, help_text="approved, deferred or rejected; empty while open"
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "meeting",
            "initiative",
            "status",
            "outcome",
            "rationale",
            "votes",
            "created_at",
            "decided_at",
        ]


class _DecisionApi(APIView):
    permission_classes = [HasRole]
    required_roles = (Role.MANAGER, Role.COMMITTEE)


class DecisionListApi(_DecisionApi):
    @extend_schema(
        parameters=page_parameters(), responses=paged(DecisionOutput), operation_id="v1_decisions_list"
    )
    def get(self, request):
        decisions = selectors.decisions_visible_to(user=request.user).order_by("-created_at")
        return paginated_response(request=request, view=self, queryset=decisions, output=DecisionOutput)


class DecisionDetailApi(_DecisionApi):
    @extend_schema(responses=DecisionOutput)
    def get(self, request, pk: int):
        decision = get_object_or_404(selectors.decisions_visible_to(user=request.user), pk=pk)
        return Response(DecisionOutput(decision).data)


class DecisionOpenApi(_DecisionApi):
    """Put a proposed initiative to the vote at an upcoming meeting (committee only)."""

    required_roles = (Role.COMMITTEE,)

    class DecisionOpenInput(serializers.Serializer):
        meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.filter(held_at__isnull=True))
        initiative = serializers.IntegerField()
        rationale = serializers.CharField()

    @extend_schema(request=DecisionOpenInput, responses={201: DecisionOutput})
    def post(self, request):
        data = self.DecisionOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        initiative = outer.initiative_get(user=request.user, initiative_id=data.validated_data["initiative"])
        decision = services.decision_open(
            meeting=data.validated_data["meeting"], initiative=initiative,
            rationale=data.validated_data["rationale"], actor=request.user,
        )  # fmt: skip
        return Response(DecisionOutput(decision).data, status=201)


class DecisionVoteApi(_DecisionApi):
    """Record one seat's vote; the decision is taken when an outcome reaches quorum."""

    class DecisionVoteInput(serializers.Serializer):
        seat = serializers.PrimaryKeyRelatedField(queryset=CommitteeSeat.objects.all())
        choice = serializers.ChoiceField(choices=Outcome.choices)

    @extend_schema(request=DecisionVoteInput, responses=DecisionOutput)
    def post(self, request, pk: int):
        decision = get_object_or_404(selectors.decisions_visible_to(user=request.user), pk=pk)
        data = self.DecisionVoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.vote_record(decision=decision, actor=request.user, **data.validated_data)
        decision.refresh_from_db()
        return Response(DecisionOutput(decision).data)
