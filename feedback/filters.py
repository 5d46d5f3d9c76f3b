import django_filters
from django.contrib.postgres.search import SearchQuery
from django.db.models import Q
from django.utils.translation import gettext_lazy

from cxloop.org.models import Department, Team

from .models import Category, Feedback, JourneyStage, Source, Touchpoint


class FeedbackFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label=gettext_lazy("Words in the comment"), max_length=200
    )
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(), to_field_name="slug", label=gettext_lazy("Source")
    )
    source_kind = django_filters.ChoiceFilter(
        field_name="source__kind", choices=Source.Kind.choices, label=gettext_lazy("Channel")
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), to_field_name="slug", label=gettext_lazy("Team")
    )
    department = django_filters.ModelChoiceFilter(
        field_name="team__department",
        queryset=Department.objects.all(),
        to_field_name="slug",
        label=gettext_lazy("Department"),
    )
    touchpoint = django_filters.ModelChoiceFilter(
        queryset=Touchpoint.objects.all(), to_field_name="slug", label=gettext_lazy("Touchpoint")
    )
    journey_stage = django_filters.ModelChoiceFilter(
        queryset=JourneyStage.objects.all(), to_field_name="slug", label=gettext_lazy("Journey stage")
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.select_related("parent"),
        to_field_name="slug",
        method="filter_category",
        label=gettext_lazy("Category"),  # a filter with a method has no model field to name it
    )
    # Exactly the confirmed category (no suggestion, no subcategory): what the dashboards count.
    coded_as = django_filters.ModelChoiceFilter(
        field_name="confirmed_category",
        queryset=Category.objects.select_related("parent"),
        to_field_name="slug",
        label=gettext_lazy("Coded as"),
    )
    scale = django_filters.ChoiceFilter(choices=Feedback.Scale.choices, label=gettext_lazy("Scale"))
    score_min = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", label=gettext_lazy("Score from")
    )
    score_max = django_filters.NumberFilter(
        field_name="score", lookup_expr="lte", label=gettext_lazy("Score to")
    )
    occurred_from = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label=gettext_lazy("From")
    )
    occurred_to = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lt", label=gettext_lazy("Until")
    )
    customer = django_filters.CharFilter(
        field_name="customer__external_id", label=gettext_lazy("Customer id")
    )

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
