"""The sign-in stage that asks for the second factor."""

from allauth.mfa.stages import AuthenticateStage
from django.conf import settings
from django.http import HttpRequest


class SecondFactorStage(AuthenticateStage):
    """allauth's stage, except that a single sign-on is not asked again unless CXLOOP_MFA_FOR_SSO:
    the identity provider is trusted to have checked its own second factor."""

    def _should_handle(self, request: HttpRequest) -> bool:
        signal_kwargs = self.login.signal_kwargs or {}
        if "sociallogin" in signal_kwargs and not settings.CXLOOP_MFA_FOR_SSO:
            return False
        return super()._should_handle(request)
