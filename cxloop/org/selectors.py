"""Reads of the organisation, always scoped to the user."""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Membership, UserSession
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


def person_for_admin(*, user, pk: int):
    """A person, for the administrator's person page (404 for everyone else)."""
    from django.contrib.auth import get_user_model
    from django.http import Http404

    if not scope_for(user).has_role("admin"):
        raise Http404
    return get_object_or_404(get_user_model(), pk=pk)


def sessions_active_of(*, person) -> QuerySet[UserSession]:
    """The person's sessions that would still be let in: not expired, idle or past their lifetime."""
    now = timezone.now()
    return UserSession.objects.filter(
        user=person,
        session__expire_date__gt=now,
        # The register's last-seen time is written once a minute: a minute of slack.
        last_seen_at__gt=now - timedelta(seconds=settings.CXLOOP_SESSION_IDLE_SECONDS + 60),
        created_at__gt=now - timedelta(seconds=settings.CXLOOP_SESSION_MAX_SECONDS),
    ).order_by("-last_seen_at")


def invitations_pending_for_admin(*, user):
    """Invitations not accepted or withdrawn (expired ones too: they can be resent), for admins."""
    from .models import Invitation

    if not scope_for(user).has_role("admin"):
        return Invitation.objects.none()
    return Invitation.objects.select_related("team", "department", "invited_by").filter(
        accepted_at__isnull=True, withdrawn_at__isnull=True
    )


def people_without_role(*, user):
    """People who hold no role (so no page), for admins: integration service users left out."""
    from django.contrib.auth import get_user_model

    if not scope_for(user).has_role("admin"):
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(memberships__isnull=True)
        .exclude(api_tokens__is_integration=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
