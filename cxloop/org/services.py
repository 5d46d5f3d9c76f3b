"""Writes of the organisation: API tokens, sessions, deactivation and roles."""

import contextvars
import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy

from cxloop.core.exceptions import ApplicationError
from cxloop.core.models import audit

from .models import ORG_WIDE_ROLES, TEAM_ROLES, ApiToken, Membership, Role, UserSession

KEY_PREFIX = "cxl_"
ALL_SCOPES = tuple(ApiToken.Scope.values)

# Set while person_deactivate runs, so the is_active hook (cxloop.org.signals) leaves the ending of
# sessions and tokens to it: one audit row with the staff's reason rather than a second one.
deactivating: contextvars.ContextVar[bool] = contextvars.ContextVar("cxloop_deactivating", default=False)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _clean_scopes(scopes: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(ALL_SCOPES if scopes is None else scopes))
    unknown = [scope for scope in chosen if scope not in ALL_SCOPES]
    if unknown:
        raise ApplicationError(
            gettext_lazy("Unknown scope: %(unknown)s.") % {"unknown": ", ".join(unknown)},
            {"scopes": [f"Choose from {', '.join(ALL_SCOPES)}."]},
        )
    if not chosen:
        raise ApplicationError(
            gettext_lazy("A token needs at least one scope."), {"scopes": ["Pick at least one scope."]}
        )
    return sorted(chosen, key=ALL_SCOPES.index)


def _expiry(days: int | None) -> datetime:
    longest = settings.CXLOOP_API_TOKEN_DAYS
    if days is None:
        days = longest
    if not 1 <= days <= longest:
        raise ApplicationError(
            gettext_lazy("A token lives between 1 and %(longest)s days.") % {"longest": longest},
            {"expires_in_days": [f"Enter a number of days from 1 to {longest}."]},
        )
    return timezone.now() + timedelta(days=days)


@transaction.atomic
def api_token_create(
    *,
    created_by,
    name: str,
    integration: bool = False,
    scopes: Iterable[str] | None = None,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its key, which is returned here and never again.

    A personal token holds the scopes asked for (all of them when none are named); an integration
    token only ever sends feedback, for the sources it is bound to (feedback.permissions).
    """
    name = name.strip()
    if not name:
        raise ApplicationError(gettext_lazy("A token needs a name."), {"name": ["This field is required."]})
    if integration:
        user = _integration_user(name=name)
        chosen = [ApiToken.Scope.INGEST.value]
    else:
        user = created_by
        chosen = _clean_scopes(scopes)
    key = _new_key()
    token = ApiToken.objects.create(
        name=name,
        user=user,
        is_integration=integration,
        scopes=chosen,
        key_prefix=key[:10],
        key_hash=hash_key(key),
        created_by=created_by,
        expires_at=_expiry(expires_in_days),
    )
    audit(
        actor=created_by,
        verb="api_token.created",
        target=token,
        scopes=chosen,
        integration=integration,
        expires_at=token.expires_at.isoformat(),
    )
    return token, key


def _integration_user(*, name: str):
    """A service user for an integration: cannot log in, holds no role (so no page, no people
    picker, no read), and sends feedback through its tokens for the sources they are bound to.

    An existing user of the name is reused only if it is such a service user: a person who happens to
    be called `integration-<name>` (one made by single sign-on, say) never receives the token; the
    service user then gets the first free name with a number after it.
    """
    User = get_user_model()
    base = f"integration-{slugify(name)[:100] or 'unnamed'}"
    for attempt in range(1, 1000):
        username = base if attempt == 1 else f"{base}-{attempt}"
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": name[:150]})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            return user
        if _is_service_user(user):
            return user
    raise ApplicationError(
        gettext_lazy("No free name for this integration's service user; pick another name.")
    )


def _is_service_user(user) -> bool:
    from allauth.socialaccount.models import SocialAccount

    return not (
        user.has_usable_password()
        or not user.is_active
        or user.is_staff
        or user.is_superuser
        or user.memberships.exists()
        or SocialAccount.objects.filter(user=user).exists()
    )


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    token = ApiToken.objects.select_for_update(no_key=True).get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.previous_key_valid_until = None
        token.save(update_fields=["revoked_at", "previous_key_valid_until"])
        audit(actor=actor, verb="api_token.revoked", target=token)
    return token


@transaction.atomic
def api_token_rotate(*, token: ApiToken, actor) -> tuple[ApiToken, str]:
    """A new key for the same token (same name, scopes, sources and life length, from now on).

    The replaced key stops working at once, or after CXLOOP_API_TOKEN_ROTATION_GRACE_SECONDS when
    that is set, so a running integration can switch keys without a gap. A revoked or expired token
    stays so: make a new one instead.
    """
    token = ApiToken.objects.select_for_update(no_key=True).get(pk=token.pk)
    if token.revoked_at is not None:
        raise ApplicationError(gettext_lazy("A revoked token cannot be rotated; create a new one."))
    now = timezone.now()
    if token.expires_at <= now:
        # Rotation renews a live token; an expired one (perhaps long forgotten) is not brought back.
        raise ApplicationError(gettext_lazy("An expired token cannot be rotated; create a new one."))
    # Whole seconds: created_at and the first expiry were taken microseconds apart.
    life = timedelta(
        seconds=round((token.expires_at - (token.rotated_at or token.created_at)).total_seconds())
    )
    longest = timedelta(days=settings.CXLOOP_API_TOKEN_DAYS)
    grace = settings.CXLOOP_API_TOKEN_ROTATION_GRACE_SECONDS
    key = _new_key()
    # The replaced key is remembered (still known as one issued, not a guess: throttle.py) and works
    # until the grace ends, which with no grace is now.
    token.previous_key_hash = token.key_hash
    token.previous_key_valid_until = now + timedelta(seconds=grace)
    token.key_hash, token.key_prefix = hash_key(key), key[:10]
    token.rotated_at = now
    token.expires_at = now + min(life, longest)
    token.save(
        update_fields=[
            "previous_key_hash", "previous_key_valid_until", "key_hash", "key_prefix", "rotated_at",
            "expires_at",
        ]
    )  # fmt: skip
    audit(
        actor=actor,
        verb="api_token.rotated",
        target=token,
        grace_seconds=grace,
        expires_at=token.expires_at.isoformat(),
    )
    return token, key


# --- sessions -------------------------------------------------------------------------------------


@transaction.atomic
def sessions_end(*, person, actor, reason: str = "") -> int:
    """End every signed-in session of `person` at once; returns how many there were.

    Deleting the session rows signs the person out everywhere: their next request finds no
    session. The register rows go with them (cascade).
    """
    keys = list(UserSession.objects.filter(user=person).values_list("session_id", flat=True))
    _, deleted = Session.objects.filter(session_key__in=keys).delete()
    ended = deleted.get(Session._meta.label, 0)
    audit(actor=actor, verb="sessions.ended", target=person, count=ended, has_reason=bool(reason))
    return ended


# --- deactivation ---------------------------------------------------------------------------------


def _end_access(*, person, actor, reason: str) -> tuple[int, int]:
    """Sessions ended and tokens revoked, for a person who may no longer use cxloop."""
    sessions = sessions_end(person=person, actor=actor, reason=reason)
    tokens = 0
    for token in ApiToken.objects.filter(user=person, revoked_at__isnull=True):
        api_token_revoke(token=token, actor=actor)
        tokens += 1
    return sessions, tokens


@transaction.atomic
def person_deactivate(*, person, actor, reason: str) -> None:
    """Deactivate a person: they cannot sign in, their sessions end and their API tokens are
    revoked, all in one transaction. Used by the person page and by single sign-on deprovisioning."""
    User = get_user_model()
    if actor is not None:  # a person's decision; deprovisioning by single sign-on is not refused
        _refuse_if_last_admin(losing=person.pk)
    person = User.objects.select_for_update(no_key=True).get(pk=person.pk)
    token = deactivating.set(True)
    try:
        person.is_active = False
        person.save(update_fields=["is_active"])
    finally:
        deactivating.reset(token)
    sessions, tokens = _end_access(person=person, actor=actor, reason=reason)
    audit(
        actor=actor,
        verb="person.deactivated",
        target=person,
        # Never the reason itself: staff's words may name a customer, and this row cannot be erased.
        has_reason=bool(reason),
        sessions_ended=sessions,
        tokens_revoked=tokens,
    )


@transaction.atomic
def person_deactivated_elsewhere(*, person, actor, via: str) -> None:
    """A person's is_active was unticked by a path other than person_deactivate (the Django admin,
    a save elsewhere): end their access all the same, in the transaction of that save."""
    sessions, tokens = _end_access(person=person, actor=actor, reason=f"deactivated via {via}")
    audit(
        actor=actor,
        verb="person.deactivated",
        target=person,
        via=via,
        sessions_ended=sessions,
        tokens_revoked=tokens,
    )


@transaction.atomic
def person_reactivate(*, person, actor, reason: str = "") -> None:
    """Let a deactivated person sign in again. Their revoked tokens stay revoked."""
    User = get_user_model()
    person = User.objects.select_for_update(no_key=True).get(pk=person.pk)
    if person.is_active:
        return
    person.is_active = True
    person.save(update_fields=["is_active"])
    audit(actor=actor, verb="person.reactivated", target=person, has_reason=bool(reason))


# --- roles ----------------------------------------------------------------------------------------
# Each grant and removal is audited by the Membership receivers (cxloop.org.signals: one row per
# role granted or taken away, whatever the path), so these services add no second row. A person's
# sessions get a new id on their next request after a change (cxloop.org.sessions).


def role_scope_problems(*, role: str, team, department) -> dict[str, str]:
    """Why a role cannot be held there, by field (empty: it can). The one home of the rule the
    database's membership_scope_matches_role constraint also holds."""
    problems: dict[str, str] = {}
    if role in TEAM_ROLES:
        if team is None:
            problems["team"] = gettext("An agent or team lead works in a team: choose one.")
        if department is not None:
            problems["department"] = gettext("Leave the department empty: it is the team's.")
    elif role == Role.MANAGER:
        if department is None:
            problems["department"] = gettext("A manager runs a department: choose one.")
        if team is not None:
            problems["team"] = gettext("A manager runs a department, not a team: leave the team empty.")
    elif role in ORG_WIDE_ROLES:
        if team is not None:
            problems["team"] = gettext("This role is held across the organisation: leave the team empty.")
        if role == Role.ADMIN and department is not None:
            problems["department"] = gettext(
                "An administrator works across the organisation: leave it empty."
            )
    else:
        problems["role"] = gettext("Choose a role from the list.")
    return problems


def _check_role(*, person, role: str, team, department, instead_of: Membership | None = None) -> None:
    problems = role_scope_problems(role=role, team=team, department=department)
    if problems:
        raise ApplicationError(" ".join(problems.values()), {k: [v] for k, v in problems.items()})
    same = Membership.objects.filter(user=person, role=role, team=team, department=department)
    if instead_of is not None:
        same = same.exclude(pk=instead_of.pk)
    if same.exists():
        message = gettext("They hold this role there already.")
        raise ApplicationError(message, {"role": [message]})


def _refuse_own_admin_loss(*, membership: Membership, actor, new_role: str | None) -> None:
    if membership.user_id == actor.pk and membership.role == Role.ADMIN and new_role != Role.ADMIN:
        raise ApplicationError(
            gettext("You cannot take away your own administrator role: ask another administrator.")
        )
    if membership.role == Role.ADMIN and new_role != Role.ADMIN:
        _refuse_if_last_admin(losing=membership.user_id)


LAST_ADMIN_LOCK = 0x6378_6C6F_6F70  # "cxloop": any constant no other advisory lock uses


def _refuse_if_last_admin(*, losing: int) -> None:
    """Somebody must still administer cxloop. A transaction lock (PostgreSQL advisory lock, released
    at commit) takes two administrators removing each other at the same moment one after the other;
    the count after it is a new statement, so it sees what the first one committed, and the second
    is refused. An advisory lock, not row locks: no order of row locks to deadlock on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LAST_ADMIN_LOCK])
    admins = set(
        Membership.objects.filter(role=Role.ADMIN, user__is_active=True).values_list("user_id", flat=True)
    )
    if not admins - {losing}:
        raise ApplicationError(
            gettext("cxloop needs at least one active administrator: appoint another first.")
        )


@transaction.atomic
def membership_grant(*, person, role: str, team=None, department=None, actor) -> Membership:
    """Give a person a role, in a team, a department or the whole organisation."""
    _check_role(person=person, role=role, team=team, department=department)
    return Membership.objects.create(user=person, role=role, team=team, department=department)


@transaction.atomic
def membership_change(*, membership: Membership, role: str, team=None, department=None, actor) -> Membership:
    """Move a person's role to another role, team or department."""
    membership = (
        Membership.objects.select_for_update(no_key=True).select_related("user").get(pk=membership.pk)
    )
    _refuse_own_admin_loss(membership=membership, actor=actor, new_role=role)
    _check_role(person=membership.user, role=role, team=team, department=department, instead_of=membership)
    membership.role, membership.team, membership.department = role, team, department
    membership.save(update_fields=["role", "team", "department"])
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor) -> None:
    """Take a role away from a person."""
    membership = Membership.objects.select_for_update(no_key=True).get(pk=membership.pk)
    _refuse_own_admin_loss(membership=membership, actor=actor, new_role=None)
    membership.delete()
