"""Do not contact: the one rule that a customer so marked receives no message of any kind.

Every path that writes to or calls customers asks `customer_do_not_contact` first and refuses (or leaves
the customer out, saying so); and every outgoing email, whoever queues it, passes
`do_not_contact_reason` twice, when queued and when sent (registered with the notifications'
suppression checks in cxloop/wiring.py). That second check is by address as well as by customer,
so a sender that queues an email to a flagged customer's address without naming the customer is
stopped all the same, and a customer flagged after a message was queued still gets nothing.
"""

import re

from django.db.models import F, Func, Q, Value

from .models import Customer

# What a person is told when a message was not sent (the outbox keeps it as the reason).
DO_NOT_CONTACT_REASON = "the customer asked not to be contacted"
NOT_SENT = "Not sent: the customer asked not to be contacted."


def do_not_contact_reason(*, to: str, customer_id: int | None) -> str | None:
    """The suppression check: why an email to `to` (for `customer_id`) may not go, or None."""
    match = Q(pk__in=[])
    if to and "@" in to:
        match |= Q(email__iexact=to.strip())
    if customer_id is not None:
        match |= Q(pk=customer_id)
    flagged = Customer.objects.filter(do_not_contact=True)
    if flagged.filter(match).exists() or _phone_flagged(flagged, to):
        return DO_NOT_CONTACT_REASON
    return None


def _phone_flagged(flagged, to: str) -> bool:
    """Whether `to`, a phone number (a text message), is a do-not-contact customer's, however either
    was written ("+351 912 345 678" and "+351912345678" are one number)."""
    digits = re.sub(r"\D", "", to or "")
    if "@" in (to or "") or len(digits) < 6:
        return False
    stored = Func(F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace")
    return flagged.exclude(phone="").annotate(phone_digits=stored).filter(phone_digits=digits).exists()


def customer_do_not_contact(customer: Customer | None) -> bool:
    """Whether this customer asked not to be contacted (read afresh: a flag set a moment ago counts)."""
    if customer is None:
        return False
    return Customer.objects.filter(pk=customer.pk, do_not_contact=True).exists()
