import django_filters
from django.contrib.postgres.search import SearchQuery
from django.db.models import Q

from cxloop.org.models import Team

from .models import Category, Feedback, JourneyStage, Source, Touchpoint


class FeedbackFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Words in the comment", max_length=200)
    source = django_filters.ModelChoiceFilter(queryset=Source.objects.all(), to_field_name="slug")
    source_kind = django_filters.ChoiceFilter(
        field_name="source__kind", choices=Source.Kind.choices, label="Channel"
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), to_field_name="slug")
    touchpoint = django_filters.ModelChoiceFilter(queryset=Touchpoint.objects.all(), to_field_name="slug")
    journey_stage = django_filters.ModelChoiceFilter(
        queryset=JourneyStage.objects.all(), to_field_name="slug"
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.select_related("parent"), to_field_name="slug", method="filter_category"
    )
    scale = django_filters.ChoiceFilter(choices=Feedback.Scale.choices)
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte", label="Score from")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte", label="Score to")
    occurred_from = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label="From"
    )
    occurred_to = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt", label="Until")
    customer = django_filters.CharFilter(field_name="customer__external_id", label="Customer id")

    class Meta:
        model = Feedback
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        """Full-text search in the comments (web-search syntax: words, "phrases", -exclusions)."""
        return queryset.filter(search_vector=SearchQuery(value, config="english", search_type="websearch"))

    def filter_category(self, queryset, name, value):
        """The confirmed category, else the suggestion; a parent category includes its children."""
        confirmed = Q(confirmed_category=value) | Q(confirmed_category__parent=value)
        suggested = Q(confirmed_category__isnull=True) & (
            Q(suggested_category=value) | Q(suggested_category__parent=value)
        )
        return queryset.filter(confirmed | suggested)
