"""Do not contact: the one rule that a customer so marked receives no message of any kind.

Every path that writes to or calls customers asks `customer_do_not_contact` first and refuses (or leaves
the customer out, saying so); and every outgoing email, whoever queues it, passes
`do_not_contact_reason` twice, when queued and when sent (registered with the notifications'
suppression checks in cxloop/wiring.py). That second check is by address as well as by customer,
so a sender that queues an email to a flagged customer's address without naming the customer is
stopped all the same, and a customer flagged after a message was queued still gets nothing.
"""

from django.db.models import Q

from .models import Customer

# What a person is told when a message was not sent (the outbox keeps it as the reason).
DO_NOT_CONTACT_REASON = "the customer asked not to be contacted"
NOT_SENT = "Not sent: the customer asked not to be contacted."


def do_not_contact_reason(*, to: str, customer_id: int | None) -> str | None:
    """The suppression check: why an email to `to` (for `customer_id`) may not go, or None."""
    match = Q(pk__in=[])
    if to and to.strip():
        match |= Q(email__iexact=to.strip())
    if customer_id is not None:
        match |= Q(pk=customer_id)
    if Customer.objects.filter(match, do_not_contact=True).exists():
        return DO_NOT_CONTACT_REASON
    return None


def customer_do_not_contact(customer: Customer | None) -> bool:
    """Whether this customer asked not to be contacted (read afresh: a flag set a moment ago counts)."""
    if customer is None:
        return False
    return Customer.objects.filter(pk=customer.pk, do_not_contact=True).exists()
