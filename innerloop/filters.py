from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from cxloop.core.filters import SlugFilter, StrictBooleanFilter
from cxloop.org.models import Team
from feedback.models import Source, Touchpoint

from .models import Case, CaseKind, CaseQuerySet, CaseStatus, Priority


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
        fields: list[str] = []

    def __init__(self, *args: Any, request_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_user = request_user
        if request_user is not None:
            from cxloop.org.scoping import teams_visible_to

            self.filters["team"].queryset = teams_visible_to(user=request_user)

    def filter_overdue(self, queryset: CaseQuerySet, name: str, value: bool) -> CaseQuerySet:
        """Overdue as Case.objects.overdue defines it (and `case.is_overdue`, the API's `overdue`)."""
        now = timezone.now()
        return queryset.overdue(now) if value else queryset.not_overdue(now)

    def filter_assignee(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "me":
            return queryset.filter(assignee=self.request_user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value)
