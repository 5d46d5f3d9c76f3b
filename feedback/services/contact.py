"""Marking a customer "do not contact" and lifting it: by a person, audited without personal data."""

from django.db import transaction
from django.utils import timezone

from cxloop.core.models import audit
from feedback.models import Customer


@transaction.atomic
def customer_do_not_contact_set(*, customer: Customer, do_not_contact: bool, actor, by: str = "") -> Customer:
    """Mark the customer do not contact (from now) or lift it; doing what is already so changes nothing.

    The audit row names the customer by id and the person by username only (`by` says through what,
    e.g. "case 12" or "admin"): never the customer's name or address.
    """
    customer = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
    if customer.do_not_contact == do_not_contact:
        return customer
    customer.do_not_contact = do_not_contact
    customer.do_not_contact_since = timezone.now() if do_not_contact else None
    customer.save(update_fields=["do_not_contact", "do_not_contact_since"])
    audit(
        actor=actor,
        verb="customer.do_not_contact_set" if do_not_contact else "customer.do_not_contact_removed",
        target=customer,
        by=by or (actor.get_username() if actor is not None else "system"),
    )
    return customer
