"""The audit log's filters, shared by the page, its CSV and the API: person, customer (id or
external id), object (type and id), verb, and a date range (both days included).

Bad input is a form error naming the filter (the API's 400), never a filter silently left out.
"""

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cxloop.core.api import EARLIEST_DAY, LATEST_DAY
from cxloop.core.models import AuditEvent

from .labels import PSEUDO_TARGETS

# Customer ids for an external id, registered by the app that owns customers (cxloop/wiring.py):
# the core may not import it.
_customer_lookups: list[Callable[[str], list[int]]] = []


def register_customer_lookup(lookup: Callable[[str], list[int]]) -> None:
    if lookup not in _customer_lookups:
        _customer_lookups.append(lookup)


def customer_ids_for(value: str) -> set[int]:
    """The customers `value` names: as an id (when it is a number) and as an external id."""
    ids = {int(value)} if value.isascii() and value.isdigit() and len(value) < 19 else set()
    for lookup in _customer_lookups:
        ids.update(lookup(value))
    return ids


def target_type_choices() -> list[tuple[str, str]]:
    models = sorted(apps.get_models(), key=lambda model: model._meta.label_lower)
    return [
        # Words, not codes (issue #16): "Customer (Feedback)", not "customer (feedback.customer)".
        *((label, capfirst(str(name))) for label, name in PSEUDO_TARGETS.items()),
        *(
            (m._meta.label_lower, f"{capfirst(m._meta.verbose_name)} ({m._meta.app_config.verbose_name})")
            for m in models
        ),
    ]


class AuditFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("from"), cleaned.get("to")
        if date_from is not None and date_from < EARLIEST_DAY:
            self.add_error("from", f"Must be on or after {EARLIEST_DAY}.")
        if date_to is not None and date_to >= LATEST_DAY:
            self.add_error("to", f"Must be before {LATEST_DAY}.")
        if date_from and date_to and date_to < date_from:
            self.add_error("to", "Must be on or after from.")
        if cleaned.get("target_id") and not cleaned.get("target_type"):
            self.add_error("target_type", "Choose the object's type to look for its id.")
        return cleaned


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditEventFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(
        field_name="actor_username", max_length=150, label=_("Person (username)")
    )
    customer = django_filters.CharFilter(
        method="filter_customer", max_length=200, label=_("Customer (id or external id)")
    )
    target_type = django_filters.ChoiceFilter(
        choices=target_type_choices(), method="filter_type", label=_("Object type")
    )
    target_id = django_filters.CharFilter(method="filter_target", max_length=64, label=_("Object id"))
    verb = django_filters.CharFilter(field_name="verb", max_length=64, label=_("What (verb)"))

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = AuditFilterForm

    def filter_customer(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(customer_id__in=customer_ids_for(value.strip()))

    def filter_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The type is applied with the id, or alone: filter_target reads both.
        target_id = self.form.cleaned_data.get("target_id")
        return queryset if target_id else queryset.filter(target_type=value)

    def filter_target(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(target_type=self.form.cleaned_data["target_type"]) & Q(target_id=value.strip())
        )

    def filter_from(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_to(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))


# "from" and "to" are Python keywords: added by name, as the query string spells them (the
# metaclass made base_filters, which the stubs do not declare).
_DAY = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
_base_filters: dict[str, django_filters.Filter] = AuditEventFilter.base_filters  # type: ignore[attr-defined]
_base_filters["from"] = django_filters.DateFilter(
    method="filter_from", label=_("From (day)"), widget=_DAY, input_formats=["%Y-%m-%d"]
)
_base_filters["to"] = django_filters.DateFilter(
    method="filter_to", label=_("To (day, included)"), widget=_DAY, input_formats=["%Y-%m-%d"]
)
