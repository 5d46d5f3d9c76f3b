"""Recording customers' orders, renewals, refunds and churn, exactly once each; erasing them.

Idempotent on (kind, external_id): a repeat with the same customer, amount and time is a
duplicate and changes nothing; one with another amount or time corrects the stored row (updated);
one naming another customer is an error, never a move. Good rows are stored even when others fail.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cxloop.core.bulk import insert_absent
from cxloop.core.models import audit
from feedback.models import Customer, CustomerTransaction
from feedback.permissions import Writer
from feedback.privacy.erased_keys import erased_customer_ids
from feedback.services.ingest import CREATED, DUPLICATE, ERROR, UPDATED, IngestResult

from .contract import TransactionInput, external_id_of
from .permissions import transaction_customers_writable, transaction_writer_refusal

UNKNOWN_CUSTOMER = (
    "no customer you may record for has this external id: send their feedback first, or ask an administrator."
)
ERASED_CUSTOMER = "this customer was erased: nothing more is kept about them."
OTHER_CUSTOMER = "is already used, for this kind, by a transaction of another customer."


@dataclass
class _Valid:
    index: int
    data: dict
    customer_id: int = 0


def _validate(items: list) -> tuple[list[IngestResult | None], list[_Valid]]:
    results: list[IngestResult | None] = [None] * len(items)
    valid: list[_Valid] = []
    for index, raw in enumerate(items):
        serializer = TransactionInput(data=raw)
        if serializer.is_valid():
            valid.append(_Valid(index=index, data=dict(serializer.validated_data)))
        else:
            errors = {key: [str(reason) for reason in value] for key, value in serializer.errors.items()}
            results[index] = IngestResult(external_id_of(raw), ERROR, errors=errors)
    return results, valid


def _resolve_customers(valid: list[_Valid], results: list, *, writer: Writer) -> list[_Valid]:
    """Each row's customer id; unknown, erased and not visible customers are row errors."""
    keys = sorted({row.data["customer"] for row in valid})
    ids = dict(Customer.objects.filter(external_id__in=keys).values_list("external_id", "pk"))
    erased = erased_customer_ids(keys=[key for key in keys if key not in ids])
    writable = transaction_customers_writable(writer=writer, customer_ids=ids.values())
    kept = []
    for row in valid:
        key = row.data["customer"]
        if key in erased:
            reason = ERASED_CUSTOMER
        elif ids.get(key) not in writable:
            reason = UNKNOWN_CUSTOMER
        else:
            row.customer_id = ids[key]
            kept.append(row)
            continue
        results[row.index] = IngestResult(row.data["external_id"], ERROR, errors={"customer": [reason]})
    return kept


def _key(row: _Valid) -> tuple[str, str]:
    return (row.data["kind"], row.data["external_id"])


def _store(valid: list[_Valid], results: list) -> None:
    """Insert each key's first row, then take the others in order against what is stored, so a
    batch means what its items would mean sent one after another."""
    now = timezone.now()
    first: dict[tuple[str, str], _Valid] = {}
    for row in valid:
        first.setdefault(_key(row), row)
    created = {
        (kind, external_id): pk
        for pk, kind, external_id in insert_absent(
            CustomerTransaction,
            rows=[
                {
                    "customer_id": row.customer_id,
                    "kind": row.data["kind"],
                    "external_id": row.data["external_id"],
                    "amount": row.data.get("amount"),
                    "occurred_at": row.data["occurred_at"],
                    "created_at": now,
                }
                for row in first.values()
            ],
            conflict=("kind", "external_id"),
            returning=("id", "kind", "external_id"),
        )
    }
    stored = _locked(set(first))
    for row in valid:
        key = _key(row)
        if key in created and first[key] is row:
            results[row.index] = IngestResult(row.data["external_id"], CREATED, id=created[key])
        else:
            results[row.index] = _compare(row, stored[key])


def _locked(keys: set[tuple[str, str]]) -> dict[tuple[str, str], CustomerTransaction]:
    """The stored rows of these keys, locked (in key order) for the comparisons that may update them."""
    if not keys:
        return {}
    found = CustomerTransaction.objects.select_for_update(no_key=True).filter(
        kind__in={kind for kind, _ in keys}, external_id__in=[external_id for _, external_id in keys]
    )
    return {(t.kind, t.external_id): t for t in found.order_by("kind", "external_id")}


def _compare(row: _Valid, stored: CustomerTransaction) -> IngestResult:
    external_id = row.data["external_id"]
    if stored.customer_id != row.customer_id:
        return IngestResult(external_id, ERROR, errors={"external_id": [OTHER_CUSTOMER]})
    amount, occurred_at = row.data.get("amount"), row.data["occurred_at"]
    if stored.amount == amount and stored.occurred_at == occurred_at:
        return IngestResult(external_id, DUPLICATE, id=stored.pk)
    stored.amount, stored.occurred_at = amount, occurred_at
    stored.save(update_fields=["amount", "occurred_at"])
    return IngestResult(external_id, UPDATED, id=stored.pk)


@transaction.atomic
def customer_transactions_record(*, items: list, writer: Writer) -> list[IngestResult]:
    """Store each item exactly once; one result per item, in order (created, duplicate, updated, error)."""
    refusal = transaction_writer_refusal(writer)
    if refusal is not None:
        return [IngestResult(external_id_of(raw), ERROR, errors={"customer": [refusal]}) for raw in items]
    results, valid = _validate(items)
    valid = _resolve_customers(valid, results, writer=writer)
    _store(valid, results)
    answered = [result for result in results if result is not None]
    counts = {status: sum(1 for r in answered if r.status == status) for status in (CREATED, UPDATED)}
    if counts[CREATED] or counts[UPDATED]:
        # Counts only: external ids of orders can point at a person.
        audit(actor=writer.user, verb="customer_transactions.recorded", target_type="customer_transaction",
              by=writer.label, created=counts[CREATED], updated=counts[UPDATED])  # fmt: skip
    return answered


def customer_transactions_erase(*, customer_ids) -> int:
    """Delete the transactions of erased customers (inside the erasure's transaction); how many."""
    deleted, _ = CustomerTransaction.objects.filter(customer_id__in=list(customer_ids)).delete()
    return deleted
