"""Demo orders, renewals, refunds and churn for the customers the demo's cases served, so the
comparison page has something to compare on the first `make run`.

Planted effect: after an unrecovered detractor case a customer spends 30 % less and churns within
the quarter with probability 0.20 (0.05 when recovered), so the page shows a difference.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from cxloop.core.demo import demo_rng
from feedback.models import CustomerTransaction, TransactionKind, ValueTier
from innerloop.models import Case
from innerloop.models.cases import RECOVERED, RECOVERY_CHECKED

# Mean spending a year per tier, and orders a year.
SPEND: dict[str, float] = {ValueTier.STANDARD: 300.0, ValueTier.HIGH: 3000.0, ValueTier.TOP: 15000.0}
ORDERS_A_YEAR: dict[str, float] = {ValueTier.STANDARD: 3.0, ValueTier.HIGH: 6.0, ValueTier.TOP: 12.0}
CHURN_IN_QUARTER = {True: 0.05, False: 0.20}
SPEND_AFTER = {True: 1.0, False: 0.7}
REFUND_SHARE = 0.05
BATCH = 5000

Served = tuple[str, datetime | None, bool | None]  # tier, first checked case's resolution, recovered


def _served() -> dict[int, Served]:
    """Every customer a case served, with their first recovery-checked case when they have one."""
    served: dict[int, Served] = {
        customer_id: (tier, None, None)
        for customer_id, tier in Case.objects.filter(customer__isnull=False)
        .values_list("customer_id", "customer__value_tier")
        .distinct()
    }
    checked = Case.objects.filter(RECOVERY_CHECKED, customer__isnull=False, resolved_at__isnull=False)
    recovered = set(checked.filter(RECOVERED).values_list("pk", flat=True))
    first = checked.order_by("customer_id", "resolved_at", "id").distinct("customer_id")
    for pk, customer_id, tier, resolved_at in first.values_list(
        "pk", "customer_id", "customer__value_tier", "resolved_at"
    ):
        served[customer_id] = (tier, resolved_at, pk in recovered)
    return served


def _customer_rows(rng: random.Random, customer_id: int, served: Served, *, start: datetime, end: datetime):
    tier, resolved_at, recovered = served
    churn_at = None
    if resolved_at is not None and rng.random() < CHURN_IN_QUARTER[bool(recovered)]:
        churn_at = resolved_at + timedelta(days=rng.uniform(1, 90))
        if churn_at < end:
            yield ("churn", f"DEMO-CH-{customer_id}", None, churn_at)
    rate = ORDERS_A_YEAR[tier] / 365.0
    mean = SPEND[tier] / ORDERS_A_YEAR[tier]
    moment, number = start, 0
    while True:
        moment += timedelta(days=rng.expovariate(rate))
        if moment >= end or (churn_at is not None and moment >= churn_at):
            return
        factor = SPEND_AFTER[bool(recovered)] if resolved_at is not None and moment > resolved_at else 1.0
        amount = Decimal(str(round(rng.gammavariate(2.0, mean * factor / 2.0), 2)))
        number += 1
        kind = "renewal" if tier != ValueTier.STANDARD and number % 6 == 0 else "order"
        yield (kind, f"DEMO-{kind[0].upper()}-{customer_id}-{number}", amount, moment)
        if rng.random() < REFUND_SHARE:
            refund = (amount * Decimal("0.5")).quantize(Decimal("0.01"))
            yield ("refund", f"DEMO-F-{customer_id}-{number}", refund, moment + timedelta(days=3))


def seed_customer_transactions(*, seed: int, end: datetime, days: int) -> int:
    """Create the demo's transactions (inside the demo's transaction); returns how many."""
    rng = demo_rng(seed=seed, part="customer-transactions")
    start = end - timedelta(days=days)
    rows: list[CustomerTransaction] = []
    before = CustomerTransaction.objects.count()
    for customer_id, served in sorted(_served().items()):
        for kind, external_id, amount, moment in _customer_rows(
            rng, customer_id, served, start=start, end=end
        ):
            if moment < end:
                rows.append(
                    CustomerTransaction(
                        customer_id=customer_id,
                        kind=TransactionKind(kind),
                        external_id=external_id,
                        amount=amount,
                        occurred_at=moment,
                    )
                )
        if len(rows) >= BATCH:
            CustomerTransaction.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    CustomerTransaction.objects.bulk_create(rows, ignore_conflicts=True)
    # bulk_create answers every row it was given, conflicts included: count what is there.
    return CustomerTransaction.objects.count() - before
