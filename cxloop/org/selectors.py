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
