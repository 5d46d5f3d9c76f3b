"""An admin's reset of a person's second factor (a lost phone, a lost key)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from allauth.mfa.models import Authenticator
from django.db import transaction

from cxloop.core.models import audit

LAST_FACTOR_MESSAGE = (
    "Your role needs a second factor: add another authenticator app or security key before removing "
    "this one. An administrator can reset your second factor if you have lost it."
)
_resetting: ContextVar[bool] = ContextVar("cxloop_second_factor_resetting", default=False)


def resetting() -> bool:
    """Whether an admin's reset is under way (it may remove a person's last factor)."""
    return _resetting.get()


@contextmanager
def _admin_reset() -> Iterator[None]:
    token = _resetting.set(True)
    try:
        yield
    finally:
        _resetting.reset(token)


@transaction.atomic
def second_factor_reset(*, person: Any, actor: Any) -> int:
    """Remove every authenticator of `person` (TOTP, security keys, recovery codes); returns how many.

    If their role needs a second factor, their next sign-in leads them to enrol again.
    """
    kinds = sorted(set(Authenticator.objects.filter(user=person).values_list("type", flat=True)))
    with _admin_reset():
        deleted, _ = Authenticator.objects.filter(user=person).delete()
    audit(actor=actor, verb="mfa.reset", target=person, kinds=kinds, removed=deleted)
    return deleted
