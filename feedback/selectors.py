"""Reads of feedback, always scoped to what the user may see."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from cxloop.org.models import Team
from cxloop.org.scoping import scope_queryset

from .models import Feedback, anonymous_answer_q

if TYPE_CHECKING:
    from .filters import FeedbackFilter


def feedback_visible_to(*, user) -> QuerySet[Feedback]:
    """Feedback of the teams the user may see (all of it for the committee and admins)."""
    return scope_queryset(Feedback.objects.all(), user)


def feedback_items_visible_to(*, user) -> QuerySet[Feedback]:
    """What the user may read one item at a time: employee surveys' answers never (anonymous: shown
    only as a group's figures, feedback.surveys.employee), though aggregates still count them."""
    return feedback_visible_to(user=user).exclude(anonymous_answer_q())


LIST_RELATED = (
    "source",
    "customer",
    "touchpoint",
    "journey_stage",
    "team",
    "confirmed_category",
    "suggested_category",
)


def feedback_filterset(*, user, filters: dict | None = None):
    """The explorer's FilterSet over what the user may see (its form renders the filter bar)."""
    from cxloop.org.scoping import teams_visible_to

    from .filters import FeedbackFilter

    feedback = feedback_items_visible_to(user=user).select_related(*LIST_RELATED).defer("search_vector")
    filterset = FeedbackFilter(filters or {}, queryset=feedback)
    # Offer (and accept) only the teams the user may see.
    filterset.filters["team"].queryset = teams_visible_to(user=user)
    return filterset


@dataclass(frozen=True)
class TeamsToFileUnder:
    """The teams a person records or imports feedback for, and whether they must name one."""

    teams: QuerySet[Team]
    required: bool


def teams_to_file_under(*, user) -> TeamsToFileUnder:
    """Their own teams (managers: their department's); any team, or none, for those who see everything."""
    from cxloop.org.scoping import scope_for, teams_visible_to

    scope = scope_for(user)
    teams = teams_visible_to(user=user)
    if not scope.sees_everything and scope.team_ids:
        teams = teams.filter(pk__in=scope.team_ids)
    return TeamsToFileUnder(teams=teams, required=not scope.sees_everything)


def feedback_search(*, user, filters: dict | None = None) -> tuple["FeedbackFilter", QuerySet[Feedback]]:
    """The explorer's filters and what they select, newest first; an invalid filter selects nothing
    (its errors say why). The one place the filters are validated: a team the user may not see is
    an invalid choice here, never a filter silently left out."""
    filterset = feedback_filterset(user=user, filters=filters)
    if not filterset.is_valid():
        return filterset, Feedback.objects.none()
    return filterset, filterset.qs.order_by("-occurred_at", "-id")


def feedback_list(*, user, filters: dict | None = None) -> QuerySet[Feedback]:
    """What the filters select; ValidationError naming each wrong filter and why (the API's 400)."""
    filterset, feedback = feedback_search(user=user, filters=filters)
    if not filterset.is_valid():
        errors = filterset.form.errors.get_json_data()
        raise ValidationError({name: [error["message"] for error in found] for name, found in errors.items()})
    return feedback


def feedback_get(*, user, feedback_id: int) -> Feedback:
    """One item, or 404 when it does not exist or belongs to a team the user may not see."""
    return get_object_or_404(
        feedback_items_visible_to(user=user).select_related(
            *LIST_RELATED,
            "confirmed_category__parent",
            "suggested_category__parent",
        ),
        pk=feedback_id,
    )


@dataclass(frozen=True)
class CustomerHistory:
    """What a customer said that the viewer may see, newest first, and how much more there is."""

    items: list[Feedback]
    elsewhere: int  # items of teams the viewer may not see: counted, never shown


def _without(feedback: QuerySet[Feedback], pk: int | None) -> QuerySet[Feedback]:
    return feedback if pk is None else feedback.exclude(pk=pk)


def customer_history(
    *, user, customer_id: int, exclude_id: int | None = None, limit: int = 500
) -> CustomerHistory:
    """Everything the customer said on any channel, to the teams the viewer may see.

    Tying feedback to a customer (anyone may, by external id) must not open what the customer told
    other departments: those items are only counted, so the person calling back knows there is more.
    """
    mine = _without(feedback_items_visible_to(user=user).filter(customer_id=customer_id), exclude_id)
    items = list(
        mine.select_related(*LIST_RELATED, "confirmed_category")
        .defer("search_vector")
        .order_by("-occurred_at", "-id")[:limit]
    )
    everything = _without(Feedback.objects.filter(customer_id=customer_id), exclude_id).count()
    return CustomerHistory(items=items, elsewhere=everything - mine.count())


def customer_timeline(*, user, customer_id: int):
    """A customer and their history (customer_history); 404 unless one of their items is visible."""
    from .models import Customer

    customer = get_object_or_404(Customer.objects.select_related("owning_team"), pk=customer_id)
    if not feedback_items_visible_to(user=user).filter(customer=customer).exists():
        raise Http404("No such customer.")
    return customer, customer_history(user=user, customer_id=customer.pk)
