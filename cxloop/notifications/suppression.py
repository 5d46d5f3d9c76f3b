"""Who may not be emailed: the checks that every outgoing email passes, when queued and when sent.

This layer does not know customers (the apps depend downward only), so the apps that do register a
check here (cxloop/wiring.py: feedback's do-not-contact rule). `email_queue` asks before recording
a message and the sender asks again at send time, so a customer marked after a message was queued
still gets nothing. The checks look at the address as well as the customer id a sender names, so
a sender cannot get round them by leaving the id out.

With no check registered the checks refuse to answer (ImproperlyConfigured): a process that did not
run the wiring must not send mail as if nobody had asked not to be contacted.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

# A check takes the address and the customer id (None when the sender named none) and answers why
# the message may not go, or None.
SuppressionCheck = Callable[..., str | None]

_checks: dict[str, SuppressionCheck] = {}


def suppression_check_register(name: str, check: SuppressionCheck) -> None:
    """Ask `check` about every outgoing email (once per name: the wiring may run twice in tests)."""
    _checks[name] = check


def suppression_reason(*, to: str, customer_id: int | None) -> str | None:
    """Why an email to `to` (for customer `customer_id`, if named) may not be sent, or None."""
    if not _checks:
        raise ImproperlyConfigured(
            "No recipient suppression check is registered (cxloop.wiring.connect has not run)."
        )
    for check in _checks.values():
        reason = check(to=to, customer_id=customer_id)
        if reason:
            return reason
    return None
