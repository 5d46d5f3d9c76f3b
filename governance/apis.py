"""The decisions API: scoped list and detail, opening a decision, casting a seat's vote, naming proxies."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.api import StringField, WholeNumberField, page_parameters, paged, paginated_response, refusal
from cxloop.org.models import Role
from cxloop.org.permissions import HasRole
from outerloop import selectors as outer

from . import selectors, services
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


class DecisionOpenApi(_DecisionApi):
    """Put a proposed initiative to the vote at an upcoming meeting (committee only)."""

    required_roles = (Role.COMMITTEE,)

    class DecisionOpenInput(serializers.Serializer):
        meeting = serializers.PrimaryKeyRelatedField(
            pk_field=WholeNumberField(),
            queryset=Meeting.objects.filter(held_at__isnull=True),
            help_text="An upcoming meeting's id.",
        )
        initiative = WholeNumberField(help_text="A proposed initiative's id (404 if you may not see it).")
        rationale = StringField()

    @extend_schema(
        request=DecisionOpenInput,
        responses={
            201: DecisionOutput,
            404: refusal("No initiative `initiative` that you may see."),
            409: refusal("Refused: the initiative is not proposed, or a decision on it is already open."),
        },
    )
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
    """Cast one seat's vote, as its holder or its named proxy; the decision is taken at quorum."""

    class DecisionVoteInput(serializers.Serializer):
        seat = serializers.PrimaryKeyRelatedField(
            queryset=CommitteeSeat.objects.all(), pk_field=WholeNumberField()
        )
        choice = serializers.ChoiceField(choices=Outcome.choices)

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
    def post(self, request, pk: int):
        decision = get_object_or_404(selectors.decisions_visible_to(user=request.user), pk=pk)
        data = self.DecisionVoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.vote_cast(decision=decision, actor=request.user, **data.validated_data)
        decision.refresh_from_db()
        return Response(DecisionOutput(decision).data)


class ProxyOutput(serializers.Serializer):
    meeting = serializers.IntegerField(source="meeting_id")
    seat = serializers.IntegerField(source="seat_id")
    department = serializers.CharField(source="seat.department.slug")
    proxy = serializers.CharField(source="proxy.username")
    named_by = serializers.CharField(source="named_by.username", help_text="the seat's holder")
    named_at = serializers.DateTimeField()


class MeetingProxiesApi(_DecisionApi):
    """A meeting's proxies: who casts a seat's votes at it in place of the seat's holder."""

    class ProxyNameInput(serializers.Serializer):
        seat = serializers.PrimaryKeyRelatedField(
            queryset=CommitteeSeat.objects.all(), pk_field=WholeNumberField()
        )
        proxy = serializers.SlugRelatedField(
            slug_field="username", queryset=get_user_model().objects.all(), help_text="username"
        )

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
    def post(self, request, pk: int):
        meeting = selectors.meeting_get(meeting_id=pk)
        data = self.ProxyNameInput(data=request.data)
        data.is_valid(raise_exception=True)
        named = services.proxy_name(meeting=meeting, actor=request.user, **data.validated_data)
        return Response(ProxyOutput(named).data, status=201)


class MeetingProxyWithdrawApi(_DecisionApi):
    """The seat's holder withdraws the proxy named for the meeting; votes it cast stand."""

    @extend_schema(
        request=None,
        responses={
            204: None,
            403: refusal('Not your seat: "seat": ["not yours"].'),
            409: refusal('Refused: no proxy is named ("seat": ["no proxy"]), or the meeting has been held.'),
        },
    )
    def delete(self, request, pk: int, seat_id: int):
        meeting = selectors.meeting_get(meeting_id=pk)
        seat = get_object_or_404(CommitteeSeat, pk=seat_id, committee=meeting.committee_id)
        services.proxy_withdraw(meeting=meeting, seat=seat, actor=request.user)
        return Response(status=204)
