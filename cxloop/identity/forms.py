from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm as AllauthAuthenticateWebAuthnForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cxloop.org.throttle import second_factor_refused

PAUSED = "Sign-in is paused after too many failed attempts. Try again later."


class LoginForm(AllauthLoginForm):
    """allauth's login form, refused outright when password sign-in is switched off."""

    def clean(self) -> dict[str, Any]:
        if not settings.CXLOOP_PASSWORD_LOGIN:
            raise forms.ValidationError(
                _("Signing in with a password is switched off here: use single sign-on."), code="password_off"
            )
        return super().clean()


def _refuse_if_paused(user: Any) -> None:
    # Checked before the code is: while paused, even the right code is refused, and the refusal is not
    # counted as another failure (the pause does not grow).
    if second_factor_refused(request=context.request, user=user):
        raise forms.ValidationError(PAUSED, code="paused")


class AuthenticateForm(AllauthAuthenticateForm):
    """The code step of sign-in (TOTP or a recovery code), refused while the username or address is
    locked by cxloop.org.throttle."""

    def clean_code(self) -> str:
        _refuse_if_paused(self.user)
        return super().clean_code()


class AuthenticateWebAuthnForm(AllauthAuthenticateWebAuthnForm):
    """The security-key step of sign-in, under the same lock."""

    def clean_credential(self) -> Authenticator:
        _refuse_if_paused(self.user)
        return super().clean_credential()
