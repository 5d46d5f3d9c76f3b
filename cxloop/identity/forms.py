from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.conf import settings


class LoginForm(AllauthLoginForm):
    """allauth's login form, refused outright when password sign-in is switched off."""

    def clean(self) -> dict[str, Any]:
        if not settings.CXLOOP_PASSWORD_LOGIN:
            raise forms.ValidationError(
                "Signing in with a password is switched off here: use single sign-on.", code="password_off"
            )
        return super().clean()
