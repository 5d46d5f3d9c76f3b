"""Erasing a customer on request (GDPR article 17): their personal data deleted or anonymised
everywhere it landed, their scores kept, so counts and metrics stay right.

Feedback erases what it owns (the customer row, their comments, the raw copies intake keeps);
the apps above it erase their copies through the erasers they register (feedback.privacy.registry,
connected in cxloop/wiring.py). All of it happens in one transaction, with one audit row per
customer that holds counts only, never what was erased.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cxloop.core.exceptions import ApplicationError
from cxloop.core.models import audit
from feedback.models import Customer
from feedback.transactions.services import customer_transactions_erase

from .anonymise import classifier_forget, comments_anonymise, customer_anonymise
from .logs import logs_erase
from .needles import CONTAINED_MIN, Needles
from .raw_copies import raw_copies_erase
from .registry import Counts, ErasureScope, erasers_run


@dataclass
class ErasureReport:
    """What an erasure changed (or, for a dry run, would change): rows per kind, over all customers."""

    customer_ids: list[int]
    counts: Counts = field(default_factory=dict)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, counts: Counts) -> None:
        for key, value in counts.items():
            self.counts[key] = self.counts.get(key, 0) + value


def customers_to_erase(*, external_id: str | None = None, email: str | None = None) -> list[Customer]:
    """The customers one request names: by external id (one), or by email (every customer with it)."""
    external_id, email = (external_id or "").strip(), (email or "").strip()
    if bool(external_id) == bool(email):
        raise ApplicationError(
            gettext_lazy("Give either the customer's external id or their email address."),
            {"external_id": ["give this or an email"], "email": ["give this or an external id"]},
        )
    if external_id:
        found = list(Customer.objects.filter(external_id=external_id))
        if not found:
            raise ApplicationError(
                gettext_lazy("No customer has this external id."), {"external_id": ["unknown customer"]}
            )
        return found
    found = list(Customer.objects.filter(email__iexact=email).order_by("pk"))
    if not found:
        raise ApplicationError(
            gettext_lazy("No customer has this email address."), {"email": ["unknown customer"]}
        )
    return found


@transaction.atomic
def customer_erase(
    *,
    actor,
    external_id: str | None = None,
    email: str | None = None,
    via: str = "page",
    dry_run: bool = False,
) -> ErasureReport:
    """Erase the customer with this external id, or every customer with this email address.

    `dry_run`: the caller rolls the transaction back (customer_erase_preview)."""
    customers = customers_to_erase(external_id=external_id, email=email)
    return customers_erase(actor=actor, customers=customers, via=via, dry_run=dry_run)


def customer_erase_preview(*, external_id: str | None = None, email: str | None = None) -> ErasureReport:
    """What `customer_erase` would change, counted by doing it and rolling it back, so the counts are
    exactly the erasure's. Nothing is kept: files are only deleted after a commit that never comes."""
    with transaction.atomic():
        report = customer_erase(actor=None, external_id=external_id, email=email, via="dry run", dry_run=True)
        transaction.set_rollback(True)
    report.dry_run = True
    return report


@transaction.atomic
def customers_erase(
    *, actor, customers: list[Customer], via: str = "page", dry_run: bool = False
) -> ErasureReport:
    """Erase each customer (locked, in id order), with one audit row each; erasing again changes nothing.

    A dry run (rolled back by the caller) does not lock every raw copy it searches, only the rows it
    changes: a preview must not hold up imports and webhooks for as long as it reads."""
    now = timezone.now()
    ids = sorted(customer.pk for customer in customers)
    report = ErasureReport(customer_ids=ids)
    for customer in Customer.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"):
        counts = _erase_one(customer=customer, now=now, lock_copies=not dry_run)
        report.add(counts)
        audit(actor=actor, verb="customer.erased", target=customer, via=via, counts=counts)
    return report


def _erase_one(*, customer: Customer, now, lock_copies: bool = True) -> Counts:
    """Every copy of one customer's personal data, then the customer row itself."""
    feedback = list(customer.feedback.values_list("pk", "comment"))
    feedback_ids = frozenset(pk for pk, _ in feedback)
    identifiers = [] if customer.erased_at else [customer.external_id, customer.email, customer.phone]
    needles = Needles.build(identifiers=identifiers, comments=[comment for _, comment in feedback])
    masked = frozenset(i for i in needles.identifiers if len(i) >= CONTAINED_MIN)
    # Raw copies first: they are found by the values about to be emptied.
    counts = raw_copies_erase(needles=needles, lock=lock_copies)
    counts["feedback.classifiers"] = classifier_forget(feedback_ids=feedback_ids)
    counts |= erasers_run(
        ErasureScope(
            customer_ids=frozenset({customer.pk}),
            feedback_ids=feedback_ids,
            addresses=frozenset({customer.email.lower()} if customer.email else set()),
            identifiers=masked,
            now=now,
        )
    )
    # After the erasers: an object they renamed by id is already out of the admin's history.
    counts |= logs_erase(identifiers=masked)
    counts["feedback.comments"] = comments_anonymise(feedback_ids=feedback_ids, now=now)
    counts["feedback.transactions"] = customer_transactions_erase(customer_ids=[customer.pk])
    counts |= customer_anonymise(customer=customer, now=now)
    return counts
