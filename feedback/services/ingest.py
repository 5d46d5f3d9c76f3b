"""Storing feedback exactly once, whichever channel delivers it and however often.

Each item is validated against the contract and stored in its own transaction, so a bad row
never loses the good ones. `(source, external_id)` is unique in the database: a re-delivery
with the same content is a `duplicate`, one that adds a comment or changes the score is an
`updated`, and concurrent deliveries of the same item settle on one row.
"""

import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
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


def _customer_upsert(*, data: dict | None) -> Customer | None:
    """Find the customer by external id (or email), creating it or filling in what the delivery adds.

    One INSERT ... ON CONFLICT DO UPDATE, so concurrent deliveries for a new customer settle on
    one row; only fields this delivery actually carries are written, so nothing known is blanked.
    """
    if not data:
        return None
    external_id = data.get("external_id") or f"email:{data['email']}"
    provided = {key: data[key] for key in CUSTOMER_FIELDS if data.get(key) not in (None, "")}
    if "annual_value" in provided:
        provided["value_tier"] = Customer.tier_for(provided["annual_value"])
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
# Table and column names come from the model's own metadata; every value is a parameter.
_INSERT_IF_ABSENT = (
    f"INSERT INTO {Feedback._meta.db_table} ({', '.join(f.column for f in _INSERTABLE)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(_INSERTABLE))}) "
    "ON CONFLICT (source_id, external_id) DO NOTHING RETURNING id"
)


def _insert_if_absent(*, feedback: Feedback) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING: the new row's id, or None when (source, external_id) exists."""
    params = [f.get_db_prep_save(f.pre_save(feedback, add=True), connection) for f in _INSERTABLE]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_IF_ABSENT, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _store(*, data: dict) -> IngestResult:
    """Store one validated item; the caller holds the transaction."""
    customer = _customer_upsert(data=data.get("customer"))
    values = {key: data[key] for key in FEEDBACK_FIELDS if key in data}
    if customer is not None:
        values["customer"] = customer
    values.setdefault("occurred_at", timezone.now())
    new = Feedback(source=data["source"], external_id=data["external_id"], **values)
    new.content_hash = _content_hash(values)
    new_id = _insert_if_absent(feedback=new)
    if new_id is not None:
        return IngestResult(data["external_id"], CREATED, new_id)

    # A later delivery of the same response: lock the row, apply what it changes, if anything.
    feedback = Feedback.objects.select_for_update(no_key=True).get(
        source=data["source"], external_id=data["external_id"]
    )
    if "occurred_at" not in data:
        values.pop("occurred_at")  # keep the time of the first delivery
    changed = [key for key, value in values.items() if getattr(feedback, key) != value]
    if not changed:
        return IngestResult(data["external_id"], DUPLICATE, feedback.pk)
    for key in changed:
        setattr(feedback, key, values[key])
    feedback.content_hash = _content_hash(
        {key: getattr(feedback, key) for key in (*FEEDBACK_FIELDS, "customer")}
    )
    feedback.save(update_fields=[*changed, "content_hash", "updated_at"])
    return IngestResult(data["external_id"], UPDATED, feedback.pk)


def feedback_ingest(*, raw, validator: ContractValidator | None = None) -> IngestResult:
    """Validate and store one item of the contract; never raises for bad input.

    Pass one `validator` for all the items of a batch: slugs are then looked up once.
    """
    data, errors = (validator or ContractValidator()).validate(raw)
    if errors:
        return IngestResult(external_id_of(raw), ERROR, errors=errors)
    with transaction.atomic():
        result = _store(data=data)
    if result.status in (CREATED, UPDATED):
        _after_commit(feedback_id=result.id)
    return result


def feedback_ingest_many(*, items: list) -> list[IngestResult]:
    """Each item on its own: good rows are stored even when others fail."""
    if len(items) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} items per request")
    validator = ContractValidator()
    return [feedback_ingest(raw=item, validator=validator) for item in items]


def _after_commit(*, feedback_id: int) -> None:
    """Work that follows storage (enrichment, triage) runs after commit, never inside it."""
    from cxloop.core.tasks_util import enqueue_on_commit
    from feedback.tasks import feedback_process as feedback_process_task

    enqueue_on_commit(feedback_process_task, feedback_id=feedback_id)
