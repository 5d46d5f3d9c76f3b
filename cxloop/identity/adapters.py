"""django-allauth adapters: who may sign in, and how (cxloop's rules over allauth's defaults)."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse

from cxloop.core.models import audit
from cxloop.org.throttle import client_address

from .sealing import seal, unseal
from .selectors import SECOND_FACTORS, second_factor_required
from .services.sso import SsoRefused, grants_for, groups_from_claims, memberships_sync, sso_refusal_record


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Nobody signs themselves up: admins create accounts, single sign-on creates them just in
        time (SocialAccountAdapter)."""
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address as everything else here reads it (behind CXLOOP_TRUSTED_PROXY_COUNT proxies)."""
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """allauth's own limit on failed passwords (its `login_failed` rate) is left out: axes and
        cxloop.org.throttle count and refuse those. The same rate still limits guesses at the second
        factor (ACCOUNT_RATE_LIMITS)."""
        self._login_failed_rl_usage = None

    def get_login_stages(self) -> list[str]:
        # Our second-factor stage in place of allauth's: it lets a single sign-on through when the
        # provider is trusted with the second factor (CXLOOP_MFA_FOR_SSO off).
        return [
            "cxloop.identity.stages.SecondFactorStage"
            if path == "allauth.mfa.stages.AuthenticateStage"
            else path
            for path in super().get_login_stages()
        ]


def _refuse(request: HttpRequest, error: SsoRefused) -> ImmediateHttpResponse:
    response = TemplateResponse(request, "identity/refused.html", {"message": error.message}, status=403)
    return ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Refuse a sign-on the mapping grants nothing to, or of a deactivated person; else set an
        existing person's memberships to what their groups grant now."""
        groups = groups_from_claims(_claims(sociallogin))
        person = sociallogin.user if sociallogin.is_existing else None
        try:
            if sociallogin.state.get("process", "login") != "login":
                # Joining a provider identity to a signed-in account is not offered: an account is
                # either the provider's or a local one.
                raise SsoRefused("connect")
            if person is not None and not person.is_active:
                raise SsoRefused("inactive")
            if person is not None:
                memberships_sync(person=person, groups=groups)
            if not grants_for(groups=groups):
                raise SsoRefused("no_role")
        except SsoRefused as error:
            sso_refusal_record(person=person, uid=sociallogin.account.uid, reason=error.reason, groups=groups)
            raise _refuse(request, error) from error

    def list_apps(self, request: HttpRequest, provider: Any = None, client_id: Any = None) -> list[SocialApp]:
        """Only the provider configured by the CXLOOP_OIDC_* settings (none from the database)."""
        app = sso_app()
        if app is None or (provider and provider not in (app.provider, app.provider_id)):
            return []
        if client_id and client_id != app.client_id:
            return []
        return [app]

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """A person the mapping grants a role (checked in pre_social_login) gets an account just in
        time."""
        return True

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form)
        groups = groups_from_claims(_claims(sociallogin))
        audit(actor=None, verb="person.created", target=user, via="sso", groups=groups)
        memberships_sync(person=user, groups=groups)
        return user


def _claims(sociallogin: SocialLogin) -> dict[str, Any]:
    """The userinfo answer, or the ID token's claims (what allauth's OpenID Connect provider keeps)."""
    data = sociallogin.account.extra_data or {}
    return data.get("userinfo") or data.get("id_token") or data


class MfaAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        return unseal(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A person whose role needs a second factor may not remove their last one (an admin can
        reset it; README)."""
        if authenticator.type not in SECOND_FACTORS or not second_factor_required(user=authenticator.user):
            return True
        others = Authenticator.objects.filter(user=authenticator.user, type__in=SECOND_FACTORS).exclude(
            pk=authenticator.pk
        )
        return others.exists()


def sso_app() -> SocialApp | None:
    """The organisation's OpenID provider, from the CXLOOP_OIDC_* settings (None when not set up)."""
    if not settings.CXLOOP_OIDC_SERVER_URL:
        return None
    return SocialApp(
        provider="openid_connect",
        provider_id=settings.CXLOOP_OIDC_PROVIDER_ID,
        name=settings.CXLOOP_OIDC_NAME,
        client_id=settings.CXLOOP_OIDC_CLIENT_ID,
        secret=settings.CXLOOP_OIDC_CLIENT_SECRET,
        settings={"server_url": settings.CXLOOP_OIDC_SERVER_URL, "scope": list(settings.CXLOOP_OIDC_SCOPES)},
    )
