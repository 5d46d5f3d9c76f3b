"""Customers as assets: what each customer brought in and when they left (orders, renewals,
refunds, churn), imported through the API or a file, so recovery can be weighed in money."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feedback.models.record import Customer


class TransactionKind(models.TextChoices):
    ORDER = "order", _("Order")
    RENEWAL = "renewal", _("Renewal")
    REFUND = "refund", _("Refund")
    CHURN = "churn", _("Churn")


class CustomerTransaction(models.Model):
    """One order, renewal, refund or churn of a customer; idempotent on (kind, external_id)."""

    Kind = TransactionKind

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(max_length=8, choices=TransactionKind.choices)
    external_id = models.CharField(max_length=200)
    # Money in (orders, renewals) or back out (refunds), positive; none for a churn.
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="customer_transaction_once"),
            models.CheckConstraint(
                condition=Q(kind__in=TransactionKind.values), name="customer_transaction_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind="churn") & Q(amount__isnull=True))
                | (~Q(kind="churn") & Q(amount__isnull=False) & Q(amount__gte=0)),
                name="customer_transaction_amount_fits_kind",
            ),
        ]
        indexes = [models.Index(fields=["customer", "occurred_at"], name="customer_transaction_by_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_id}"
