"""Audit rows for single sign-on and second-factor events, from django-allauth's signals.

Connected on import (IdentityConfig.ready). Rows name the person and the kind of factor, never a
code or a secret. A failed second factor also counts towards the sign-in throttle (cxloop.org.throttle).
"""

from typing import Any

from allauth.account.signals import user_logged_in
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from cxloop.core.models import audit
from cxloop.org.throttle import second_factor_failure_record

from .services.second_factor import LAST_FACTOR_MESSAGE, resetting
from .services.sso import groups_from_claims


def _kind(authenticator: Authenticator) -> str:
    return str(authenticator.type)


@receiver(user_logged_in, dispatch_uid="cxloop.identity.sso_login")
def _sso_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is None:
        return
    extra = sociallogin.account.extra_data or {}
    groups = groups_from_claims(extra.get("userinfo") or extra.get("id_token") or extra)
    audit(actor=user, verb="sso.login", target=user, provider=sociallogin.account.provider, groups=groups)


@receiver(mfa_signals.authenticator_added, dispatch_uid="cxloop.identity.mfa_added")
def _added(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    codes = authenticator.type == Authenticator.Type.RECOVERY_CODES
    verb = "mfa.recovery_codes_generated" if codes else "mfa.enrolled"
    audit(actor=user, verb=verb, target=user, kind=_kind(authenticator), authenticator_id=authenticator.pk)


@receiver(mfa_signals.authenticator_removed, dispatch_uid="cxloop.identity.mfa_removed")
def _removed(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    audit(
        actor=user,
        verb="mfa.removed",
        target=user,
        kind=_kind(authenticator),
        authenticator_id=authenticator.pk,
    )


@receiver(mfa_signals.authenticator_reset, dispatch_uid="cxloop.identity.mfa_reset")
def _reset(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    audit(
        actor=user,
        verb="mfa.recovery_codes_generated",
        target=user,
        kind=_kind(authenticator),
        authenticator_id=authenticator.pk,
    )


@receiver(mfa_signals.authenticator_used, dispatch_uid="cxloop.identity.mfa_used")
def _used(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    verb = "mfa.recovery_code_used" if authenticator.type == Authenticator.Type.RECOVERY_CODES else "mfa.used"
    audit(
        actor=user,
        verb=verb,
        target=user,
        kind=_kind(authenticator),
        reauthenticated=bool(kwargs.get("reauthenticated")),
    )


@receiver(mfa_signals.authentication_failed, dispatch_uid="cxloop.identity.mfa_failed")
def _failed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    authenticator = kwargs.get("authenticator")
    second_factor_failure_record(request=request, user=user)
    audit(
        actor=None,
        verb="mfa.failed",
        target=user,
        kind=_kind(authenticator) if authenticator is not None else "",
        reauthentication=bool(kwargs.get("reauthentication")),
    )


@receiver(pre_delete, sender=Authenticator, dispatch_uid="cxloop.identity.keep_last_factor")
def _keep_last_factor(sender: Any, instance: Authenticator, origin: Any = None, **kwargs: Any) -> None:
    """A person whose role needs a second factor may not remove their last one, by whichever of
    allauth's pages (not all of them ask the adapter). Only the removal of that one factor is refused:
    an admin's reset, and a factor going with its deleted person, pass."""
    if origin is not instance or resetting():
        return
    if not get_mfa_adapter().can_delete_authenticator(instance):
        raise PermissionDenied(LAST_FACTOR_MESSAGE)
