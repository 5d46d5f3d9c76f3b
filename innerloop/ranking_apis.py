"""Fair rankings through the API: teams, and a team's people for its lead and manager only
(innerloop.rankings; the method is in feedback.metrics.shrinkage)."""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.api import EARLIEST_DAY, LATEST_DAY, KeywordNames, refusal, report_days
from cxloop.org.models import Role
from cxloop.org.permissions import HasRole
from cxloop.org.scoping import departments_visible_to, teams_visible_to

from .rankings import agent_scores, team_ranking

DEFAULT_DAYS = 90
MAX_DAYS = 3_660


class _Window(KeywordNames, serializers.Serializer):
    from_ = serializers.DateField(
        required=False, help_text=f"First day; default: 90 days before `to`. From {EARLIEST_DAY}."
    )
    to = serializers.DateField(
        required=False,
        help_text=f"Day after the last; default: tomorrow. After `from`, and not after {LATEST_DAY}.",
    )

    def validate(self, attrs):
        tomorrow = timezone.localdate() + timedelta(days=1)
        attrs["from"], attrs["to"] = report_days(
            attrs, tomorrow=tomorrow, default_days=DEFAULT_DAYS, max_days=MAX_DAYS
        )
        return attrs


class FairOutput(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, help_text="1 is the best; null without answers.")
    nps = serializers.FloatField(allow_null=True, help_text="NPS shrunk toward the department's.")
    ci_low = serializers.FloatField(allow_null=True, help_text="95 % interval of the shrunken NPS, low end.")
    ci_high = serializers.FloatField(
        allow_null=True, help_text="95 % interval of the shrunken NPS, high end."
    )
    raw_nps = serializers.FloatField(allow_null=True, help_text="The NPS as measured.")
    n = serializers.IntegerField()
    weight = serializers.FloatField(allow_null=True, help_text="Share of its own NPS the estimate keeps.")
    department_nps = serializers.FloatField(allow_null=True, help_text="The NPS it is shrunk toward.")
    beats_next = serializers.FloatField(
        allow_null=True, help_text="Probability it truly beats the one ranked just below it."
    )
    beats_next_words = serializers.CharField()


class TeamRankOutput(serializers.Serializer):
    team = serializers.CharField(help_text="The team's slug.")
    name = serializers.CharField()
    department = serializers.CharField(help_text="Its department's slug.")
    n = serializers.IntegerField()
    nps = serializers.FloatField(allow_null=True, help_text="The NPS as measured.")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    low_sample = serializers.BooleanField()
    fair = FairOutput()


class TeamRankingOutput(KeywordNames, serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    results = TeamRankOutput(many=True)


class TeamRankingApi(APIView):
    """Teams ranked by their NPS shrunk toward their department's, with P(beats the next)."""

    permission_classes = [HasRole]
    required_roles = tuple(Role.values)
    required_scope = "metrics"

    class FilterSerializer(_Window):
        department = serializers.SlugField(required=False, help_text="Only this department's teams.")

    @extend_schema(parameters=[FilterSerializer], responses=TeamRankingOutput)
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        department = None
        if data.get("department"):
            department = departments_visible_to(user=request.user).filter(slug=data["department"]).first()
            if department is None:
                raise serializers.ValidationError(
                    {"department": ["No department you may see has this slug."]}
                )
        ranked = team_ranking(
            user=request.user, date_from=data["from"], date_to=data["to"], department=department
        )
        results = [
            {
                "team": team.slug, "name": team.name, "department": team.department.slug,
                **{key: row[key] for key in ("n", "nps", "ci_low", "ci_high", "low_sample")},
                "fair": row["fair"],
            }
            for team, row in ranked
        ]  # fmt: skip
        return Response({"from": data["from"], "to": data["to"], "results": results})


class PersonRankOutput(serializers.Serializer):
    person = serializers.IntegerField(help_text="The person's user id.")
    name = serializers.CharField()
    n = serializers.IntegerField(help_text="Recovery answers on the cases they resolved in the period.")
    shown = serializers.BooleanField(help_text="False below the minimum sample: no score is given.")
    fair = FairOutput(allow_null=True)


class PeopleRankingOutput(KeywordNames, serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    min_n = serializers.IntegerField(help_text="Below this many answers a person's score is not given.")
    department_nps = serializers.FloatField(allow_null=True)
    results = PersonRankOutput(many=True)


class PeopleRankingApi(APIView):
    """A team's people ranked by the recovery NPS of the cases they resolved, shrunk toward the
    department's; for the team's lead and its department's manager only."""

    permission_classes = [HasRole]
    required_roles = (Role.TEAM_LEAD, Role.MANAGER)
    required_scope = "metrics"

    @extend_schema(
        parameters=[_Window],
        responses={
            200: PeopleRankingOutput,
            403: refusal("Not the team's lead nor its department's manager."),
        },
    )
    def get(self, request, slug: str):
        team = get_object_or_404(teams_visible_to(user=request.user), slug=slug)
        params = _Window(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        scores = agent_scores(user=request.user, team=team, date_from=data["from"], date_to=data["to"])
        if scores is None:
            raise PermissionDenied("Only the team's lead and its department's manager see people's scores.")
        results = [
            {
                "person": row["member"].user_id,
                "name": row["member"].user.get_full_name() or row["member"].user.username,
                "n": row["n"], "shown": row["shown"], "fair": row["fair"],
            }
            for row in scores.rows
        ]  # fmt: skip
        return Response(
            {
                "from": data["from"], "to": data["to"], "min_n": scores.min_n,
                "department_nps": scores.department_nps, "results": results,
            }
        )  # fmt: skip
