"""The decisions API: scoped list and detail, opening a decision, casting a seat's vote, naming proxies.

Opening, voting and the proxies are the entries of governance.actions, which the meeting page runs
too; these endpoints find the target, run the entry and answer with the output.
"""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.actions import ActionApi
from cxloop.core.api import refusal
from cxloop.core.pagination import page_parameters, paged, paginated_response
from cxloop.org.models import Role
from cxloop.org.permissions import HasRole

from . import selectors
from .actions import (
    DECISION_ACTIONS,
    MEETING_ACTIONS,
    DecisionOpenInput,
    DecisionVoteInput,
    ProxyNameInput,
)
from .models import CommitteeSeat, Decision, Meeting, Outcome, Vote


class VoteOutput(serializers.Serializer):
    seat = serializers.IntegerField(source="seat_id")
    department = serializers.CharField(source="seat.department.slug")
    choice = serializers.ChoiceField(choices=Outcome.choices)
    cast_by = serializers.CharField(source="cast_by.username", allow_null=True, help_text="username")
    cast_as = serializers.ChoiceField(
        choices=Vote.CastAs.choices,
        help_text="holder; proxy, named by `proxy_for` for the meeting; recorded: by another, before #12",
    )
    proxy_for = serializers.CharField(
        source="proxy_for.username", allow_null=True, help_text="username of the holder who named the proxy"
    )
    log_entry = serializers.CharField(
        help_text="The decision log's line, e.g. "
        '"Logistics & Returns: approve (cast by Ana Silva as proxy for Tom Reed)"'
    )
    created_at = serializers.DateTimeField()


class DecisionOutput(serializers.ModelSerializer):
    votes = VoteOutput(many=True, read_only=True)
    outcome = serializers.ChoiceField(
        choices=[*Outcome.values, ""],
        read_only=True,
        help_text="approved, deferred or rejected; empty while open",
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


class _DecisionActionApi(ActionApi):
    permission_classes = [HasRole]
    required_roles: tuple[Role, ...] = (Role.MANAGER, Role.COMMITTEE)


class DecisionListApi(_DecisionApi):
    @extend_schema(
        parameters=page_parameters(), responses=paged(DecisionOutput), operation_id="v1_decisions_list"
    )
    def get(self, request):
        decisions = selectors.decisions_visible_to(user=request.user).order_by("-created_at")
        return paginated_response(request=request, view=self, queryset=decisions, output=DecisionOutput)


class DecisionDetailApi(_DecisionApi):
    """One decision the caller may see."""

    @extend_schema(responses=DecisionOutput)
    def get(self, request, pk: int):
        decision = get_object_or_404(selectors.decisions_visible_to(user=request.user), pk=pk)
        return Response(DecisionOutput(decision).data)


class DecisionOpenApi(_DecisionActionApi):
    """Put a proposed initiative to the vote at an upcoming meeting (committee only)."""

    required_roles = (Role.COMMITTEE,)
    entry = MEETING_ACTIONS["decide"]
    output = DecisionOutput
    success_status = 201

    @extend_schema(
        request=DecisionOpenInput,
        responses={
            201: DecisionOutput,
            404: refusal("No initiative `initiative` that you may see."),
            409: refusal("Refused: the initiative is not proposed, or a decision on it is already open."),
        },
    )
    def post(self, request: Request) -> Response:
        return self.run_action(request)


class DecisionVoteApi(_DecisionActionApi):
    """Cast one seat's vote, as its holder or its named proxy; the decision is taken at quorum."""

    entry = DECISION_ACTIONS["vote"]
    output = DecisionOutput

    def get_target(self, request: Request, **kwargs: Any) -> Decision:
        return get_object_or_404(selectors.decisions_visible_to(user=request.user), pk=kwargs["pk"])

    def present(self, result: Any, target: Decision) -> Decision:
        target.refresh_from_db()
        return target

    @extend_schema(
        request=DecisionVoteInput,
        responses={
            200: DecisionOutput,
            403: refusal(
                'Not your seat\'s vote: {"detail": "… vote is cast by its holder, Tom Reed, or by the proxy '
                'they named for this meeting.", "seat": ["not yours"]}'
            ),
            409: refusal(
                'Refused: the decision has been taken ("decision"), or the seat has voted ("seat").'
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run_action(request, pk=pk)


class ProxyOutput(serializers.Serializer):
    meeting = serializers.IntegerField(source="meeting_id")
    seat = serializers.IntegerField(source="seat_id")
    department = serializers.CharField(source="seat.department.slug")
    proxy = serializers.CharField(source="proxy.username")
    named_by = serializers.CharField(source="named_by.username", help_text="the seat's holder")
    named_at = serializers.DateTimeField()


class MeetingProxiesApi(_DecisionActionApi):
    """A meeting's proxies: who casts a seat's votes at it in place of the seat's holder."""

    entry = MEETING_ACTIONS["proxy"]
    output = ProxyOutput
    success_status = 201

    def get_target(self, request: Request, **kwargs: Any) -> Meeting:
        return selectors.meeting_get(meeting_id=kwargs["pk"])

    @extend_schema(
        parameters=page_parameters(), responses=paged(ProxyOutput), operation_id="v1_meetings_proxies_list"
    )
    def get(self, request, pk: int):
        meeting = selectors.meeting_get(meeting_id=pk)
        proxies = selectors.meeting_proxies(meeting=meeting)
        return paginated_response(request=request, view=self, queryset=proxies, output=ProxyOutput)

    @extend_schema(
        request=ProxyNameInput,
        responses={
            201: ProxyOutput,
            403: refusal(
                'Not your seat: {"detail": "Only Logistics & Returns\'s seat holder, Tom Reed, names its '
                'proxy.", "seat": ["not yours"]}'
            ),
            409: refusal('Refused: the meeting has been held ("meeting": ["held"]).'),
        },
        description="The seat's holder names an active committee member or manager to cast the seat's votes "
        "at this upcoming meeting, replacing anyone named before.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.run_action(request, pk=pk)


class MeetingProxyWithdrawApi(_DecisionActionApi):
    """The seat's holder withdraws the proxy named for the meeting; votes it cast stand."""

    entry = MEETING_ACTIONS["withdraw-proxy"]
    success_status = 204

    def get_target(self, request: Request, **kwargs: Any) -> Meeting:
        return selectors.meeting_get(meeting_id=kwargs["pk"])

    def get_input(self, request: Request, target: Meeting, **kwargs: Any) -> dict[str, Any]:
        # The seat is the URL's, one of the meeting's committee (404 if not).
        seat = get_object_or_404(CommitteeSeat, pk=kwargs["seat_id"], committee=target.committee_id)
        return {"seat": seat.pk}

    @extend_schema(
        request=None,
        responses={
            204: None,
            403: refusal('Not your seat: "seat": ["not yours"].'),
            409: refusal('Refused: no proxy is named ("seat": ["no proxy"]), or the meeting has been held.'),
        },
    )
    def delete(self, request: Request, pk: int, seat_id: int) -> Response:
        return self.run_action(request, pk=pk, seat_id=seat_id)
