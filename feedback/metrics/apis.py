"""GET /api/v1/metrics/{nps,csat,ces}/ (DESIGN.md section 5, a contract), scoped to the caller."""

from datetime import UTC, datetime, timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cxloop.core.api import EARLIEST_DAY, LATEST_DAY, KeywordNames, StringField, report_days
from cxloop.org.models import Role
from cxloop.org.permissions import HasRole
from cxloop.org.scoping import teams_visible_to
from feedback.models import JourneyStage, Source, SourceKind, Touchpoint

from .dimensions import DIMENSIONS, TIME_DIMENSIONS
from .queries import Filters
from .selectors import metric_report

DEFAULT_DAYS = 90
MAX_DAYS = 3_660
MAX_GROUP_BY = 2
_ONE_DIMENSION = f"({'|'.join(DIMENSIONS)})"
GROUP_BY_PATTERN = rf"^{_ONE_DIMENSION}(,{_ONE_DIMENSION})?\Z"


class MetricFilterSerializer(KeywordNames, serializers.Serializer):
    """The query parameters shared by the three metric endpoints."""

    from_ = serializers.DateField(
        required=False,
        help_text=f"First day (UTC), inclusive; default: 90 days before `to`. From {EARLIEST_DAY}.",
    )
    to = serializers.DateField(
        required=False,
        help_text="Day after the last (UTC), exclusive; default: tomorrow. After `from`, at most "
        f"{MAX_DAYS:,} days after it, and not after {LATEST_DAY}.",
    )
    # DRF takes a declared field out of the class; the stubs see it clash with Field.source.
    source = serializers.SlugField(required=False, help_text="Slug of a source.")  # type: ignore[assignment]
    channel = serializers.ChoiceField(choices=SourceKind.choices, required=False, help_text="A source kind.")
    touchpoint = serializers.SlugField(required=False)
    journey_stage = serializers.SlugField(required=False)
    segment = StringField(required=False, max_length=50, help_text="A customer segment.")
    team = serializers.SlugField(required=False, help_text="Slug of a team you may see.")
    group_by = serializers.RegexField(
        GROUP_BY_PATTERN,
        required=False,
        trim_whitespace=False,
        error_messages={"invalid": f"Choose from {', '.join(DIMENSIONS)}: one, or two joined by a comma."},
        help_text=f"One of {', '.join(DIMENSIONS)}, or two different ones joined by a comma (e.g. "
        "week,touchpoint), but not week and month together.",
    )
    compare = serializers.ChoiceField(
        choices=["previous"],
        required=False,
        help_text="previous: against the previous period of equal length (week or month buckets: the "
        "calendar week or month before each).",
    )

    @staticmethod
    def _lookup(queryset, slug: str):
        found = queryset.filter(slug=slug).first()
        if found is None:
            raise serializers.ValidationError(f"No {queryset.model._meta.verbose_name} with slug {slug!r}.")
        return found

    def validate_source(self, value):
        return self._lookup(Source.objects.all(), value)

    def validate_touchpoint(self, value):
        return self._lookup(Touchpoint.objects.all(), value)

    def validate_journey_stage(self, value):
        return self._lookup(JourneyStage.objects.all(), value)

    def validate_team(self, value):
        # A team the caller may not see reads exactly like one that does not exist.
        return self._lookup(teams_visible_to(user=self.context["user"]), value)

    def validate_group_by(self, value: str) -> tuple[str, ...]:
        names = tuple(value.split(","))
        if len(names) > MAX_GROUP_BY or len(set(names)) != len(names):
            raise serializers.ValidationError(f"At most {MAX_GROUP_BY} different dimensions.")
        if len(set(names) & set(TIME_DIMENSIONS)) > 1:
            raise serializers.ValidationError("Group by week or by month, not both.")
        return names

    def validate(self, attrs):
        tomorrow = datetime.now(UTC).date() + timedelta(days=1)
        attrs["from"], attrs["to"] = report_days(
            attrs, tomorrow=tomorrow, default_days=DEFAULT_DAYS, max_days=MAX_DAYS
        )
        return attrs


# --- Output (for the OpenAPI schema; the selector builds these dicts) ---


class _Comparison(serializers.Serializer):
    difference = serializers.FloatField(allow_null=True, required=False)
    difference_ci_low = serializers.FloatField(allow_null=True, required=False)
    difference_ci_high = serializers.FloatField(allow_null=True, required=False)
    p_value = serializers.FloatField(allow_null=True, required=False, min_value=0, max_value=1)


class _Interval(serializers.Serializer):
    ci_low = serializers.FloatField(allow_null=True, help_text="95 % interval, low end.")
    ci_high = serializers.FloatField(allow_null=True, help_text="95 % interval, high end.")
    low_sample = serializers.BooleanField(help_text="n is below the configured minimum.")


class NpsFiguresSerializer(_Interval):
    n = serializers.IntegerField(min_value=0)
    promoters = serializers.IntegerField(min_value=0)
    passives = serializers.IntegerField(min_value=0)
    detractors = serializers.IntegerField(min_value=0)
    nps = serializers.FloatField(
        allow_null=True,
        min_value=-100,
        max_value=100,
        help_text="Null when n is 0; the interval is adjusted Wald.",
    )


class CsatFiguresSerializer(_Interval):
    n = serializers.IntegerField(min_value=0)
    satisfied = serializers.IntegerField(min_value=0, help_text="Scores of 4 or 5 (of 1-5).")
    pct_satisfied = serializers.FloatField(
        allow_null=True, min_value=0, max_value=100, help_text="Null when n is 0; the interval is Wilson's."
    )


class CesFiguresSerializer(_Interval):
    n = serializers.IntegerField(min_value=0)
    mean = serializers.FloatField(
        allow_null=True, min_value=1, max_value=7, help_text="Null when n is 0; the interval is Student's t."
    )


def _report_serializer(metric: str, figures: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The report schema of one metric: overall and per-group figures, each with its comparison."""
    prefix = metric.capitalize()
    compared = type(
        f"{prefix}ComparedSerializer", (figures, _Comparison), {"previous": figures(required=False)}
    )
    row = type(
        f"{prefix}GroupSerializer",
        (compared,),
        {
            "group": serializers.DictField(child=serializers.CharField(allow_null=True)),
            "labels": serializers.DictField(child=serializers.CharField(allow_null=True)),
        },
    )
    return type(
        f"{prefix}ReportSerializer",
        (KeywordNames, serializers.Serializer),
        {
            "__doc__": f"The {metric.upper()} report: overall and per group, each with its comparison.",
            "metric": serializers.CharField(),
            "from_": serializers.DateField(),
            "to": serializers.DateField(),
            "group_by": serializers.ListField(child=serializers.ChoiceField(choices=DIMENSIONS)),
            "compare": serializers.ChoiceField(choices=["previous"], allow_null=True),
            "low_sample_n": serializers.IntegerField(),
            "previous_from": serializers.DateField(required=False),
            "previous_to": serializers.DateField(required=False),
            "overall": compared(),
            "results": row(many=True),
        },
    )


class _MetricReportApi(APIView):
    """Shared GET: validate the query, read the report from the rollup, scoped to the caller."""

    permission_classes = [HasRole]
    required_roles = tuple(Role.values)
    required_scope = "metrics"
    metric = ""
    FilterSerializer = MetricFilterSerializer

    def get(self, request):
        # A repeated parameter would be read as its last value and the others dropped unseen.
        repeated = [name for name in request.query_params if len(request.query_params.getlist(name)) > 1]
        if repeated:
            once = "Give it once (group_by takes two dimensions joined by a comma)."
            raise serializers.ValidationError({name: [once] for name in repeated})
        params = self.FilterSerializer(data=request.query_params, context={"user": request.user})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        report = metric_report(
            user=request.user,
            metric=self.metric,
            date_from=data["from"],
            date_to=data["to"],
            group_by=data.get("group_by", ()),
            filters=Filters(
                source=data.get("source"),
                touchpoint=data.get("touchpoint"),
                journey_stage=data.get("journey_stage"),
                team=data.get("team"),
                segment=data.get("segment"),
                channel=data.get("channel"),
            ),
            compare=data.get("compare"),
        )
        # The selector's dict is already the contract's shape (OutputSerializer documents it): running
        # it through a serializer again would cost more than the query at a few hundred groups.
        return Response(report)


class NpsReportApi(_MetricReportApi):
    """NPS per group: n, promoters, passives, detractors, nps, 95 % adjusted-Wald interval, low_sample."""

    metric = "nps"
    OutputSerializer = _report_serializer("nps", NpsFiguresSerializer)

    @extend_schema(parameters=[MetricFilterSerializer], responses=OutputSerializer)
    def get(self, request):
        return super().get(request)


class CsatReportApi(_MetricReportApi):
    """CSAT per group: n, satisfied, pct_satisfied with its 95 % Wilson interval, low_sample."""

    metric = "csat"
    OutputSerializer = _report_serializer("csat", CsatFiguresSerializer)

    @extend_schema(parameters=[MetricFilterSerializer], responses=OutputSerializer)
    def get(self, request):
        return super().get(request)


class CesReportApi(_MetricReportApi):
    """CES per group: n, mean with its 95 % t interval, low_sample."""

    metric = "ces"
    OutputSerializer = _report_serializer("ces", CesFiguresSerializer)

    @extend_schema(parameters=[MetricFilterSerializer], responses=OutputSerializer)
    def get(self, request):
        return super().get(request)
