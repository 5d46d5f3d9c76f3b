"""Reads of sign-in state: who must have a second factor, who has one, who signed in how."""

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.http import HttpRequest

# Kept with the API's token check in cxloop.org, which may not import from here.
from cxloop.org.second_factor import SECOND_FACTORS, has_second_factor, second_factor_required

__all__ = ["SECOND_FACTORS", "has_second_factor", "must_enrol", "second_factor_required", "signed_in_by_sso"]


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
