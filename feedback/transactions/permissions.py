"""Who may record a customer's revenue and churn: the write policy for customers, applied to money.

A transaction says what a customer is worth, like their annual value, so the feedback write policy's
rule for customer details applies (feedback.permissions): only a writer that manages customers (an
integration whose sources are all customers' sources of truth, a webhook of such a source, a person
with the *manage customers* permission), an administrator or the system records them.

And only for customers the writer can see, as customers are seen everywhere else (a customer is
visible through their feedback, feedback.selectors.customer_timeline): a writer bound to sources
only for customers with feedback from those sources, a person only for customers with feedback
they may read; administrators and the system for every customer. A customer nobody has heard from
is unknown: transactions never create customers (unlike feedback, which creates them), since a
customer created so would be visible to nobody but administrators and tell nothing about recovery.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from feedback.models import Feedback
from feedback.permissions import Writer

NOT_A_CUSTOMER_WRITER = _(
    "Only the customers' source of truth (an integration whose sources are customer authorities), "
    "a person who manages customers, or an administrator records orders, renewals, refunds and churn."
)


def transaction_writer_refusal(writer: Writer) -> str | None:
    """Why this principal may not record transactions at all, or None."""
    if writer.kind == "system" or writer.any_source or writer.manages_customers:
        return None
    return str(NOT_A_CUSTOMER_WRITER)


def transaction_customers_writable(*, writer: Writer, customer_ids: Iterable[int]) -> set[int]:
    """Of these customers, those this principal may record transactions for (one query at most)."""
    from feedback.selectors import feedback_items_visible_to

    ids = set(customer_ids)
    if not ids or transaction_writer_refusal(writer) is not None:
        return set()
    if writer.kind == "system" or (writer.source_ids is None and writer.team_ids is None):
        return ids
    items: QuerySet[Feedback] = (
        Feedback.objects.filter(source_id__in=writer.source_ids)
        if writer.source_ids is not None
        else feedback_items_visible_to(user=writer.user)
    )
    return set(items.filter(customer_id__in=ids).values_list("customer_id", flat=True).distinct())
