import django_filters

from cxloop.org.models import Team

from .models import Feedback, JourneyStage, Source, Touchpoint


class FeedbackFilter(django_filters.FilterSet):
    source = django_filters.ModelChoiceFilter(queryset=Source.objects.all(), to_field_name="slug")
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), to_field_name="slug")
    touchpoint = django_filters.ModelChoiceFilter(queryset=Touchpoint.objects.all(), to_field_name="slug")
    journey_stage = django_filters.ModelChoiceFilter(
        queryset=JourneyStage.objects.all(), to_field_name="slug"
    )
    scale = django_filters.ChoiceFilter(choices=Feedback.Scale.choices)
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte")
    occurred_from = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_to = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Feedback
        fields = ["source", "team", "touchpoint", "journey_stage", "scale"]
