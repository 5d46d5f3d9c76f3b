"""The demo's transactions (#18 item 8): the same for the same seed, only for customers cases served."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import CustomerTransaction
from innerloop.recovery_value.demo import seed_customer_transactions
from tests.factories import CategoryFactory, CustomerFactory, CustomerTransactionFactory, FeedbackFactory
from tests.innerloop.factories import CaseFactory

pytestmark = pytest.mark.django_db

END = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def served(org):
    cause = CategoryFactory()
    customers = []
    for index, score in enumerate((9, 2, None)):
        customer = CustomerFactory(external_id=f"C-{index}", value_tier="top")
        feedback = FeedbackFactory(customer=customer, team=org["team_a1"], score=1)
        CaseFactory(
            feedback=feedback, customer=customer, team=org["team_a1"], status="closed", root_cause=cause,
            resolution_note="Put right.", resolved_at=END - timedelta(days=120), recovery_score=score,
        )  # fmt: skip
        customers.append(customer)
    CustomerFactory(external_id="never-served")
    return customers


def _stored() -> list[tuple]:
    return list(
        CustomerTransaction.objects.order_by("kind", "external_id").values_list(
            "customer_id", "kind", "external_id", "amount", "occurred_at"
        )
    )


def test_the_demo_transactions_are_the_same_for_the_same_seed_and_only_for_served_customers(served):
    # when
    created = seed_customer_transactions(seed=42, end=END, days=183)
    first = _stored()
    CustomerTransaction.objects.all().delete()
    seed_customer_transactions(seed=42, end=END, days=183)
    # then
    assert created == len(first) > 10
    assert _stored() == first
    assert {row[0] for row in first} <= {customer.pk for customer in served}
    assert all(row[4] < END for row in first)
    assert all((row[1] == "churn") == (row[3] is None) for row in first)


def test_seeding_again_adds_nothing(served):
    # given
    CustomerTransactionFactory(customer=served[0], external_id="kept")
    seed_customer_transactions(seed=7, end=END, days=183)
    before = CustomerTransaction.objects.count()
    # when
    again = seed_customer_transactions(seed=7, end=END, days=183)
    # then
    assert again == 0
    assert CustomerTransaction.objects.count() == before
