"""Erasing a customer deletes their orders, renewals, refunds and churn (#18 item 8)."""

import pytest

from feedback.models import CustomerTransaction
from feedback.permissions import Writer
from feedback.privacy.erasure import customer_erase, customer_erase_preview
from feedback.transactions.services import customer_transactions_record
from tests.factories import CustomerFactory, CustomerTransactionFactory

pytestmark = pytest.mark.django_db


def test_erasing_a_customer_deletes_their_transactions_and_no_one_elses(people):
    # given
    gone, kept = CustomerFactory(external_id="C-gone"), CustomerFactory(external_id="C-kept")
    CustomerTransactionFactory(customer=gone, external_id="O-1")
    CustomerTransactionFactory(customer=gone, kind="churn", amount=None, external_id="CH-1")
    CustomerTransactionFactory(customer=kept, external_id="O-2")
    # when
    preview = customer_erase_preview(external_id="C-gone")
    report = customer_erase(actor=people["admin"], external_id="C-gone")
    # then
    assert preview.counts["feedback.transactions"] == report.counts["feedback.transactions"] == 2
    assert list(CustomerTransaction.objects.values_list("external_id", flat=True)) == ["O-2"]


def test_transactions_sent_for_an_erased_customer_are_refused(people):
    # given
    CustomerFactory(external_id="C-gone")
    customer_erase(actor=people["admin"], external_id="C-gone")
    item = {"customer": "C-gone", "kind": "order", "external_id": "O-9", "amount": "5.00",
            "occurred_at": "2026-03-01T10:00:00+00:00"}  # fmt: skip
    # when
    (result,) = customer_transactions_record(items=[item], writer=Writer.system())
    # then
    assert result.status == "error"
    assert "erased" in result.errors["customer"][0]
    assert not CustomerTransaction.objects.exists()
