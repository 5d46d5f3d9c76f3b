import django_filters
from django.db.models import Q
from django.utils import timezone

from cxloop.core.filters import SlugFilter, StrictBooleanFilter
from cxloop.org.models import Team
from feedback.models import Source, Touchpoint

from .models import Case, CaseKind, CaseStatus, Priority


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    kind = SlugFilter(queryset=CaseKind.objects.all())
    team = SlugFilter(queryset=Team.objects.all())
    overdue = StrictBooleanFilter(method="filter_overdue", label="Overdue")
    assignee = django_filters.CharFilter(method="filter_assignee", label="Assignee (me, none or a username)")
    source = SlugFilter(field_name="feedback__source", queryset=Source.objects.all())
    touchpoint = SlugFilter(field_name="feedback__touchpoint", queryset=Touchpoint.objects.all())
    feedback = django_filters.NumberFilter(field_name="feedback_id", label="Feedback id")

    class Meta:
        model = Case
        fields = []

    def __init__(self, *args, request_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_user = request_user
        if request_user is not None:
            from cxloop.org.scoping import teams_visible_to

            self.filters["team"].queryset = teams_visible_to(user=request_user)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(due_at__lt=timezone.now(), paused_at__isnull=True)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request_user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value)
