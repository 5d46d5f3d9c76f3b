"""Reads of customers' transactions, scoped to the customers the user can see."""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cxloop.org.scoping import scope_for
from feedback.models import CustomerTransaction, TransactionKind


class TransactionFilter(django_filters.FilterSet):
    customer = django_filters.CharFilter(
        field_name="customer__external_id", label=_("Customer (external id)"), max_length=200
    )
    kind = django_filters.ChoiceFilter(choices=TransactionKind.choices, label=_("Kind"))
    occurred_after = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label=_("Occurred at or after")
    )
    occurred_before = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lt", label=_("Occurred before")
    )

    class Meta:
        model = CustomerTransaction
        fields: list[str] = []


def customer_transactions_visible_to(*, user) -> QuerySet[CustomerTransaction]:
    """Transactions of the customers the user can see: those with feedback the user may read
    (as on the customer page), every customer for the committee and administrators."""
    from feedback.selectors import feedback_items_visible_to

    transactions = CustomerTransaction.objects.select_related("customer")
    if scope_for(user).sees_everything:
        return transactions
    customers = feedback_items_visible_to(user=user).filter(customer__isnull=False).values("customer_id")
    return transactions.filter(customer_id__in=customers)


def customer_transaction_list(*, user, filters: dict | None = None) -> QuerySet[CustomerTransaction]:
    """What the filters select, newest first; ValidationError naming each wrong filter (the API's 400)."""
    filterset = TransactionFilter(filters or {}, queryset=customer_transactions_visible_to(user=user))
    if not filterset.is_valid():
        errors = filterset.form.errors.get_json_data()
        raise ValidationError({name: [error["message"] for error in found] for name, found in errors.items()})
    return filterset.qs.order_by("-occurred_at", "-id")
