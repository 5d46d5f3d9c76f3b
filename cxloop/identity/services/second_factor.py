"""An admin's reset of a person's second factor (a lost phone, a lost key)."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.db import transaction

from cxloop.core.models import audit


@transaction.atomic
def second_factor_reset(*, person: Any, actor: Any) -> int:
    """Remove every authenticator of `person` (TOTP, security keys, recovery codes); returns how many.

    If their role needs a second factor, their next sign-in leads them to enrol again.
    """
    kinds = sorted(set(Authenticator.objects.filter(user=person).values_list("type", flat=True)))
    deleted, _ = Authenticator.objects.filter(user=person).delete()
    audit(actor=actor, verb="mfa.reset", target=person, kinds=kinds, removed=deleted)
    return deleted
