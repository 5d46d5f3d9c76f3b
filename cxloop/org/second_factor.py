"""Who must have a second factor and who has one: read by the sign-in pages (cxloop.identity) and by
API token authentication, so that a token is no way round the requirement."""

from typing import Any

from django.conf import settings

from .scoping import scope_for

ENROL_MESSAGE = "Your role needs a second factor: set up an authenticator app or a security key to continue."
# The factors that count: recovery codes only stand in for one of these (allauth's type names).
SECOND_FACTORS = ["totp", "webauthn"]


def second_factor_required(*, user: Any) -> bool:
    """Whether the person's roles (a superuser counts as an admin) need a second factor."""
    required = {role.strip() for role in settings.CXLOOP_MFA_REQUIRED_ROLES if role.strip()}
    return bool(required) and scope_for(user).has_role(*required)


def has_second_factor(*, user: Any) -> bool:
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, SECOND_FACTORS)


def token_needs_second_factor(*, user: Any) -> bool:
    """Whether a token of this person must be refused until they enrol: their role needs a second
    factor and they have none. A person of the identity provider (single sign-on) is vouched for by it,
    as at sign-in, unless CXLOOP_MFA_FOR_SSO."""
    if not second_factor_required(user=user) or has_second_factor(user=user):
        return False
    if settings.CXLOOP_MFA_FOR_SSO:
        return True
    from allauth.socialaccount.models import SocialAccount

    return not SocialAccount.objects.filter(user=user).exists()
