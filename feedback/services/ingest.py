"""Storing feedback exactly once, whichever channel delivers it and however often.

Each item is validated against the contract and stored in its own transaction, so a bad row
never loses the good ones. `(source, external_id)` is unique in the database: a re-delivery
with the same content is a `duplicate`, one that adds a comment or changes the score is an
`updated`, and concurrent deliveries of the same item settle on one row.
"""

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import DatabaseError, DataError, IntegrityError, connection, models, transaction
from django.utils import timezone

from feedback.contract import MAX_BATCH, ContractValidator, external_id_of
from feedback.models import Customer, Feedback

logger = logging.getLogger(__name__)

CREATED, DUPLICATE, UPDATED, ERROR = "created", "duplicate", "updated", "error"

# Contract keys stored on the Feedback row itself (customer is resolved separately).
FEEDBACK_FIELDS = (
    "scale",
    "score",
    "comment",
    "occurred_at",
    "touchpoint",
    "journey_stage",
    "team",
    "metadata",
)
CUSTOMER_FIELDS = ("name", "email", "phone", "segment", "annual_value")
# An update that changes these is enriched and triaged again.
REPROCESS_ON = frozenset({"comment", "scale", "score"})


@dataclass
class IngestResult:
    external_id: str | None
    status: str
    id: int | None = None
    errors: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"external_id": self.external_id, "status": self.status, "id": self.id, "errors": self.errors}


def _content_hash(values: dict) -> str:
    def plain(value):
        return getattr(value, "pk", value)

    canonical = json.dumps({k: plain(v) for k, v in sorted(values.items())}, default=str, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _delivery_hash(data: dict) -> str:
    """What one delivery says (its contract fields and its customer): the same delivery hashes the same."""
    said = {key: data[key] for key in FEEDBACK_FIELDS if key in data}
    if data.get("customer"):
        said["customer"] = data["customer"]
    return _content_hash(said)


def _applied_before(feedback: Feedback, delivery: str) -> bool:
    return delivery == feedback.content_hash or delivery in (feedback.delivery_hashes or ())


def _customer_key(data: dict) -> str:
    return data.get("external_id") or f"email:{data['email']}"


def _customer_fields(data: dict) -> dict:
    """The customer fields a delivery carries (empty ones say nothing), with the tier they imply."""
    provided = {key: data[key] for key in CUSTOMER_FIELDS if data.get(key) not in (None, "")}
    if "annual_value" in provided:
        provided["value_tier"] = Customer.tier_for(provided["annual_value"])
    return provided


def _customer_upsert(*, data: dict | None) -> Customer | None:
    """Find the customer by external id (or email), creating it or filling in what the delivery adds.

    One INSERT ... ON CONFLICT DO UPDATE, so concurrent deliveries for a new customer settle on
    one row; only fields this delivery actually carries are written, so nothing known is blanked.
    """
    if not data:
        return None
    external_id = _customer_key(data)
    provided = _customer_fields(data)
    if not provided:
        customer, _ = Customer.objects.get_or_create(external_id=external_id)
        return customer
    (customer,) = Customer.objects.bulk_create(
        [Customer(external_id=external_id, **provided)],
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=list(provided),
    )
    return customer


_INSERTABLE = [f for f in Feedback._meta.concrete_fields if not f.primary_key and not f.generated]
# Per column: its attribute name, its default, and the field itself where the value needs adapting
# (JSON); everything else the contract has already turned into what psycopg2 sends as it is.
_COLUMNS = [(f.attname, f.get_default(), f if isinstance(f, models.JSONField) else None) for f in _INSERTABLE]
_ATTNAMES = {f.name: f.attname for f in _INSERTABLE}


def _row(*, data: dict, delivery: str, customer_id: int | None, now) -> dict:
    """The column values (by attribute name) of the new row for one validated item."""
    row = {_ATTNAMES[key]: getattr(data[key], "pk", data[key]) for key in FEEDBACK_FIELDS if key in data}
    row.setdefault("occurred_at", now)
    row.update(
        source_id=data["source"].pk,
        external_id=data["external_id"],
        customer_id=customer_id,
        content_hash=delivery,
        received_at=now,
        updated_at=now,
    )
    return row


def _insert_all_absent(*, rows: list[dict]) -> dict[tuple[int, str], int]:
    """One INSERT ... ON CONFLICT DO NOTHING for all rows (column values by attribute name):
    (source id, external id) -> id of each new row; a row whose key is stored already is left out.

    Rows go in key order, so concurrent batches take the unique index's locks in the same order.
    """
    rows = sorted(rows, key=lambda row: (row["source_id"], row["external_id"]))
    placeholders = f"({', '.join(['%s'] * len(_COLUMNS))})"
    # Table and column names come from the model's own metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {Feedback._meta.db_table} ({', '.join(f.column for f in _INSERTABLE)}) "  # noqa: S608
        f"VALUES {', '.join([placeholders] * len(rows))} "
        "ON CONFLICT (source_id, external_id) DO NOTHING RETURNING id, source_id, external_id"
    )
    params = [
        value if field is None else field.get_db_prep_save(value, connection)
        for row in rows
        for attname, default, field in _COLUMNS
        for value in (row.get(attname, default),)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(source_id, external_id): pk for pk, source_id, external_id in cursor.fetchall()}


def _store(*, data: dict) -> IngestResult:
    """Store one validated item; the caller holds the transaction."""
    delivery = _delivery_hash(data)
    known = (
        Feedback.objects.filter(source=data["source"], external_id=data["external_id"])
        .only("id", "content_hash", "delivery_hashes")
        .first()
    )
    if known is not None and _applied_before(known, delivery):
        # The same delivery again (a retry, however late): nothing changes, the customer neither.
        return IngestResult(data["external_id"], DUPLICATE, known.pk)
    customer = _customer_upsert(data=data.get("customer"))
    customer_id = customer.pk if customer is not None else None
    created = _insert_all_absent(
        rows=[_row(data=data, delivery=delivery, customer_id=customer_id, now=timezone.now())]
    )
    if created:
        return IngestResult(data["external_id"], CREATED, created.popitem()[1])

    # A later delivery of the same response: lock the row, apply what it changes, if anything.
    feedback = Feedback.objects.select_for_update(no_key=True).get(
        source=data["source"], external_id=data["external_id"]
    )
    if _applied_before(feedback, delivery):
        return IngestResult(data["external_id"], DUPLICATE, feedback.pk)
    # Only what this delivery says: without an occurred_at, the first delivery's time stays.
    values = {key: data[key] for key in FEEDBACK_FIELDS if key in data}
    if customer is not None:
        values["customer"] = customer
    changed = [key for key, value in values.items() if getattr(feedback, key) != value]
    if not changed:
        return IngestResult(data["external_id"], DUPLICATE, feedback.pk)
    for key in changed:
        setattr(feedback, key, values[key])
    feedback.delivery_hashes = [*(feedback.delivery_hashes or ()), delivery]
    fields = [*changed, "delivery_hashes", "updated_at"]
    if REPROCESS_ON.intersection(changed):
        # New words or a new score: enrich again (sentiment, category) and triage again (the
        # task enqueued after commit finds it unprocessed; triage opens at most one case per kind).
        feedback.processed_at = None
        fields.append("processed_at")
    feedback.save(update_fields=fields)
    return IngestResult(data["external_id"], UPDATED, feedback.pk)


def _customers_upsert(*, customers: list[dict]) -> dict[str, int]:
    """The batch's customers, created or filled in, in a few statements: customer key -> id.

    What one delivery after another would leave: each field as the last delivery naming it says.
    Customers are written in key order, so concurrent batches lock them in the same order.
    """
    merged: dict[str, dict] = {}
    for data in customers:
        merged.setdefault(_customer_key(data), {}).update(_customer_fields(data))
    by_fields: dict[tuple, list[Customer]] = defaultdict(list)
    for key in sorted(merged):
        by_fields[tuple(sorted(merged[key]))].append(Customer(external_id=key, **merged[key]))
    ids, unknown = {}, []
    for fields, group in by_fields.items():
        if fields:
            # DO UPDATE returns the ids (of new and existing rows alike).
            Customer.objects.bulk_create(
                group, update_conflicts=True, unique_fields=["external_id"], update_fields=list(fields)
            )
            ids.update((customer.external_id, customer.pk) for customer in group)
        else:
            Customer.objects.bulk_create(group, ignore_conflicts=True)
            unknown += [customer.external_id for customer in group]
    if unknown:
        ids.update(Customer.objects.filter(external_id__in=unknown).values_list("external_id", "id"))
    return ids


def _without_known_deliveries(
    *, valid: list[tuple[int, dict]], deliveries: dict[int, str], results: dict[int, IngestResult]
) -> list[tuple[int, dict]]:
    """Answer `duplicate` for items delivered before (one query for the batch); the others, to store.

    A batch sent again after a timeout is then read, not written: no customer is touched.
    """
    keys = {(data["source"].pk, data["external_id"]) for _, data in valid}
    sources = {source_id for source_id, _ in keys}
    stored = {
        (row.source_id, row.external_id): row
        for row in Feedback.objects.filter(
            source_id__in=sources, external_id__in={external_id for _, external_id in keys}
        ).only("id", "source_id", "external_id", "content_hash", "delivery_hashes")
    }
    rest = []
    for index, data in valid:
        known = stored.get((data["source"].pk, data["external_id"]))
        if known is not None and _applied_before(known, deliveries[index]):
            results[index] = IngestResult(data["external_id"], DUPLICATE, known.pk)
        else:
            rest.append((index, data))
    return rest


def _store_batch(*, valid: list[tuple[int, dict]]) -> dict[int, IngestResult]:
    """Store validated items in one transaction, set-based: index in the batch -> result.

    New items (the usual case) cost a share of three or four statements, not three each. An item
    whose key is already stored, or repeats an earlier item of the batch, then goes through the
    one-item path (duplicate or updated), in batch order. Any database error aborts the whole
    transaction: the caller then stores the items one by one.
    """
    results: dict[int, IngestResult] = {}
    with transaction.atomic():
        deliveries = {index: _delivery_hash(data) for index, data in valid}
        valid = _without_known_deliveries(valid=valid, deliveries=deliveries, results=results)
        customers = [data["customer"] for _, data in valid if data.get("customer")]
        customer_ids = _customers_upsert(customers=customers)
        now = timezone.now()
        rows = [
            _row(
                data=data,
                delivery=deliveries[index],
                customer_id=customer_ids[_customer_key(data["customer"])] if data.get("customer") else None,
                now=now,
            )
            for index, data in valid
        ]
        created = _insert_all_absent(rows=rows) if rows else {}
        later = []
        for index, data in valid:
            new_id = created.pop((data["source"].pk, data["external_id"]), None)
            if new_id is None:
                later.append((index, data))
            else:
                results[index] = IngestResult(data["external_id"], CREATED, new_id)
        for index, data in later:
            results[index] = _store(data=data)
        _after_commit_many(
            feedback_ids=[result.id for result in results.values() if result.status in (CREATED, UPDATED)]
        )
    return results


def _store_one(*, data: dict) -> IngestResult:
    with transaction.atomic():
        result = _store(data=data)
    if result.status in (CREATED, UPDATED):
        _after_commit(feedback_id=result.id)
    return result


def feedback_ingest(*, raw, validator: ContractValidator | None = None) -> IngestResult:
    """Validate and store one item of the contract; never raises for bad input.

    Pass one `validator` for all the items of a batch: slugs are then looked up once.
    """
    data, errors = (validator or ContractValidator()).validate(raw)
    if errors:
        return IngestResult(external_id_of(raw), ERROR, errors=errors)
    return _store_one(data=data)


def feedback_ingest_many(*, items: list) -> list[IngestResult]:
    """Validate every item, then store the valid ones together; a result per item, in order.

    Good rows are stored even when others fail validation. Should storing the batch together fail
    (a row the database refuses), it is rolled back and the items are stored one by one, each in
    its own transaction, so only the refused row is lost.
    """
    if len(items) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} items per request")
    validator = ContractValidator()
    results: list[IngestResult | None] = [None] * len(items)
    valid = []
    for index, raw in enumerate(items):
        data, errors = validator.validate(raw)
        if errors:
            results[index] = IngestResult(external_id_of(raw), ERROR, errors=errors)
        else:
            valid.append((index, data))
    if valid:
        try:
            stored = _store_batch(valid=valid)
        except DatabaseError:
            logger.warning("storing %d items one by one after an error", len(valid), exc_info=True)
            stored = {index: _store_one_or_error(data=data) for index, data in valid}
        for index, result in stored.items():
            results[index] = result
    return results


def _store_one_or_error(*, data: dict) -> IngestResult:
    """One item; a row the database refuses is that row's error. A lost connection still raises:
    nothing is acknowledged, and the sender retries."""
    try:
        return _store_one(data=data)
    except (IntegrityError, DataError) as error:
        logger.warning("item %s refused by the database: %s", data["external_id"], error)
        return IngestResult(data["external_id"], ERROR, errors={"non_field_errors": ["could not be stored."]})


def _after_commit(*, feedback_id: int) -> None:
    """Work that follows storage (enrichment, triage) runs after commit, never inside it."""
    from cxloop.core.tasks_util import enqueue_on_commit
    from feedback.tasks import feedback_process as feedback_process_task

    enqueue_on_commit(feedback_process_task, feedback_id=feedback_id)


# A batch's items are enriched in tasks of this many, so that several workers can share a batch.
PROCESS_CHUNK = 200


def _after_commit_many(*, feedback_ids: list[int]) -> None:
    """One task per chunk of ids after commit, not one per item: a Redis round trip each."""
    from cxloop.core.tasks_util import enqueue_on_commit
    from feedback.tasks import feedback_process_many

    for start in range(0, len(feedback_ids), PROCESS_CHUNK):
        enqueue_on_commit(feedback_process_many, feedback_ids=feedback_ids[start : start + PROCESS_CHUNK])
