"""The outer loop's list filters: validated once, by the selectors that read them.

The pages and the API hand the query string to the selector as it came; an invalid value is an
InvalidFilter naming the field and the reason (the API's 400, the page's form error).
"""

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from cxloop.core.exceptions import ApplicationError

from .models import SignalStatus, Stage


class InvalidFilter(ApplicationError):
    """A filter value the list does not take: `extra` is {field: [reason]}."""


class SignalBoardFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*SignalStatus.values, "all"], required=False, default="new")


class InitiativeListFilter(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)


def filters_validate(filter_class: type[serializers.Serializer], params: Mapping[str, Any]) -> dict[str, Any]:
    """The validated filters, or InvalidFilter naming each field refused and why."""
    filters = filter_class(data=params)
    if not filters.is_valid():
        errors = {field: [str(reason) for reason in reasons] for field, reasons in filters.errors.items()}
        fields = ", ".join(errors)
        raise InvalidFilter(f"Check the filter: {fields}.", errors)
    return dict(filters.validated_data)
