"""Reads of sign-in state: who must have a second factor, who has one, who signed in how."""

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest

from cxloop.org.scoping import scope_for

# The factors that count: recovery codes only stand in for one of these.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def second_factor_required(*, user: Any) -> bool:
    """Whether the person's roles (a superuser counts as an admin) need a second factor."""
    required = {role.strip() for role in settings.CXLOOP_MFA_REQUIRED_ROLES if role.strip()}
    return bool(required) and scope_for(user).has_role(*required)


def has_second_factor(*, user: Any) -> bool:
    return is_mfa_enabled(user, SECOND_FACTORS)


def signed_in_by_sso(*, request: HttpRequest) -> bool:
    """Whether this session began with a single sign-on (django-allauth's record of the session)."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "socialaccount" for record in records)


def must_enrol(*, request: HttpRequest) -> bool:
    """A signed-in person whose role needs a second factor, has none, and whose sign-in is not one
    the identity provider vouches for (single sign-on, unless CXLOOP_MFA_FOR_SSO)."""
    user = request.user
    if not user.is_authenticated or not second_factor_required(user=user):
        return False
    if has_second_factor(user=user):
        return False
    return settings.CXLOOP_MFA_FOR_SSO or not signed_in_by_sso(request=request)
