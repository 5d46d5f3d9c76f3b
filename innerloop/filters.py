from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.filters import SlugFilter, StrictBooleanFilter
from cxloop.org.models import Department, Team
from feedback.models import Source, Touchpoint

from .models import Case, CaseKind, CaseQuerySet, CaseStatus, Priority

# The queue's sort keys, each ascending and (with a leading minus) descending: the whitelist the
# column headings and the "Sort by" select offer (the orderings are innerloop.selectors').
QUEUE_SORTS = [
    ("due", _("Due soonest first")),
    ("-due", _("Due latest first")),
    ("priority", _("Most urgent first")),
    ("-priority", _("Least urgent first")),
    ("age", _("Oldest first")),
    ("-age", _("Newest first")),
    ("status", _("Status, new first")),
    ("-status", _("Status, closed first")),
    ("owner", _("Assignee, A to Z")),
    ("-owner", _("Assignee, Z to A")),
    ("value", _("Customer value, highest first")),
    ("-value", _("Customer value, lowest first")),
]


_DATE = forms.DateInput(attrs={"type": "date"})


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, label=_("Status"))
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, label=_("Priority"))
    kind = SlugFilter(
        queryset=CaseKind.objects.all(), translate_names=True, empty_label=_("Any"), label=_("Kind of case")
    )
    team = SlugFilter(queryset=Team.objects.all(), empty_label=_("Any"), label=_("Team"))
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Overdue"))
    assignee = django_filters.CharFilter(method="filter_assignee", label=_("Assignee"))
    source = SlugFilter(
        field_name="feedback__source", queryset=Source.objects.all(), empty_label=_("Any"), label=_("Source")
    )
    touchpoint = SlugFilter(
        field_name="feedback__touchpoint",
        queryset=Touchpoint.objects.all(),
        empty_label=_("Any"),
        label=_("Touchpoint"),
    )
    feedback = django_filters.NumberFilter(field_name="feedback_id", label=_("Feedback id"))
    # The dashboards' drill-down (innerloop.dashboards.links): a department's cases opened in a period.
    department = SlugFilter(
        field_name="team__department", queryset=Department.objects.all(), label=_("Department")
    )
    opened_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Opened from"), widget=_DATE
    )
    opened_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Opened until"), widget=_DATE
    )
    # The order only: the selector applies it (innerloop.selectors.QUEUE_ORDERINGS); a value outside
    # the whitelist is a form error naming this field, never an order_by of what a person typed.
    sort = django_filters.ChoiceFilter(
        choices=QUEUE_SORTS, method="filter_sort", label=_("Sort by"), empty_label=_("Most pressing first")
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args: Any, request_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_user = request_user
        if request_user is not None:
            from cxloop.org.scoping import teams_visible_to

            self.filters["team"].queryset = teams_visible_to(user=request_user)
            self._narrow_departments(request_user)

    def use_people(self, people: list[tuple[str, str]]) -> None:
        """Offer the assignee filter as a list of names (the page's; the API still takes a username)."""
        choices = [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody (unassigned)")), *people]
        self.filters["assignee"].extra["widget"] = forms.Select(choices=choices)

    def filter_sort(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        """Ordering is the selector's (case_queue), applied once after every filter."""
        return queryset

    def _narrow_departments(self, user: Any) -> None:
        """Managers and above choose among their departments; others have none to choose."""
        from cxloop.org.scoping import departments_visible_to, scope_for

        scope = scope_for(user)
        if scope.sees_everything or scope.department_ids:
            self.filters["department"].queryset = departments_visible_to(user=user)
        else:
            del self.filters["department"]

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
