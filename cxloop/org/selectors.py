"""Reads of the organisation, always scoped to the user."""

from django.db.models import QuerySet

from .models import Membership
from .scoping import scope_for


def memberships_visible_to(*, user) -> QuerySet[Membership]:
    """Everyone's roles for admins and the committee; the user's own otherwise."""
    memberships = Membership.objects.select_related("user", "team__department", "department").order_by(
        "user__username", "role"
    )
    if scope_for(user).sees_everything:
        return memberships
    return memberships.filter(user=user)


def api_tokens_visible_to(*, user):
    """The user's own tokens, and for admins every integration token."""
    from django.db.models import Q

    from .models import ApiToken

    tokens = ApiToken.objects.select_related("user", "created_by")
    condition = Q(user=user, is_integration=False)
    if scope_for(user).has_role("admin"):
        condition |= Q(is_integration=True)
    return tokens.filter(condition)
