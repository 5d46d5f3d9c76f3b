"""What a user may see: the one place visibility rules live (Zulip's access_* idea).

Every list and detail selector in the project narrows its queryset through these helpers,
so an agent sees their team, a manager their department, and the committee and admins all.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from .models import ORG_WIDE_ROLES, Department, Membership, Role, Team


@dataclass(frozen=True)
class Scope:
    """The resolved visibility of one user, computed once per request."""

    roles: frozenset[str]
    team_ids: frozenset[int]
    department_ids: frozenset[int]
    sees_everything: bool
    # Changes whenever the person's memberships do: a session started under other roles rotates its
    # id on its next request (cxloop.org.sessions).
    roles_fingerprint: str = ""

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def primary_role(self) -> Role | None:
        """The most senior role, which decides the landing page and navigation."""
        for role in (Role.ADMIN, Role.COMMITTEE, Role.MANAGER, Role.TEAM_LEAD, Role.AGENT):
            if role in self.roles:
                return role
        return None


EMPTY_SCOPE = Scope(frozenset(), frozenset(), frozenset(), sees_everything=False)
# Where scope_for caches a user's scope, on the user object itself (one per request).
_CACHE_ATTR = "_cxloop_scope"


def scope_for(user: User | AnonymousUser) -> Scope:
    """Resolve (and cache on the user object) what the user may see."""
    if not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    rows = list(Membership.objects.filter(user=user).values_list("role", "team_id", "department_id"))
    roles = {role for role, _, _ in rows}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    team_ids = {team_id for _, team_id, _ in rows if team_id}
    department_ids = {dept_id for role, _, dept_id in rows if role == Role.MANAGER and dept_id}
    scope = Scope(
        roles=frozenset(roles),
        team_ids=frozenset(team_ids),
        department_ids=frozenset(department_ids),
        sees_everything=bool(roles & ORG_WIDE_ROLES),
        roles_fingerprint=_fingerprint(rows, superuser=user.is_superuser),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _fingerprint(rows: Sequence[tuple[str, int | None, int | None]], *, superuser: bool) -> str:
    text = repr((sorted(rows, key=repr), superuser))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def team_filter(user, *, team_field: str = "team") -> Q:
    """A Q that keeps rows whose `team_field` is a team the user may see."""
    scope = scope_for(user)
    if scope.sees_everything:
        return Q()
    condition = Q(**{f"{team_field}__in": scope.team_ids})
    if scope.department_ids:
        condition |= Q(**{f"{team_field}__department__in": scope.department_ids})
    if not scope.team_ids and not scope.department_ids:
        return Q(pk__in=[])
    return condition


def scope_queryset(queryset: QuerySet, user, *, team_field: str = "team") -> QuerySet:
    """Narrow any queryset with a team foreign key to what the user may see."""
    return queryset.filter(team_filter(user, team_field=team_field))


def teams_visible_to(*, user) -> QuerySet[Team]:
    scope = scope_for(user)
    teams = Team.objects.select_related("department")
    if scope.sees_everything:
        return teams
    return teams.filter(Q(pk__in=scope.team_ids) | Q(department__in=scope.department_ids))


def departments_visible_to(*, user) -> QuerySet[Department]:
    """Departments the user manages (or all, for the committee and admins)."""
    scope = scope_for(user)
    if scope.sees_everything:
        return Department.objects.all()
    return Department.objects.filter(pk__in=scope.department_ids)
