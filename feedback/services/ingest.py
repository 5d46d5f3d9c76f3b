"""Storing feedback exactly once, whichever channel delivers it and however often.

Each item is validated against the contract and stored in its own transaction, so a bad row
never loses the good ones. `(source, external_id)` is unique in the database: a re-delivery
with the same content is a `duplicate`, one that adds a comment or changes the score is an
`updated`, and concurrent deliveries of the same item settle on one row.

Who may write what is decided by the Writer every caller passes (feedback.permissions): an item
it may not send, or stored feedback it may not change, is that item's error; customer details it
may not change are left as they were, and the item's answer carries a warning.
"""

import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.utils import timezone

from cxloop.core.bulk import insert_absent
from cxloop.outbound.services import feedback_received_emit
from feedback.contract import MAX_BATCH, ContractValidator, external_id_of
from feedback.models import Feedback, without_anonymous_rows
from feedback.permissions import Writer

from .customers import customer_key, customer_warnings, customers_resolve

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
# An update that changes these is enriched and triaged again.
REPROCESS_ON = frozenset({"comment", "scale", "score"})


@dataclass
class IngestResult:
    external_id: str | None
    status: str
    id: int | None = None
    errors: dict = field(default_factory=dict)
    # What was stored but not all applied (customer details this writer may not change).
    warnings: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        answer = {
            "external_id": self.external_id,
            "status": self.status,
            "id": self.id,
            "errors": self.errors,
        }
        if self.warnings:
            answer["warnings"] = self.warnings
        return answer


NOT_YOURS = {"external_id": ["is already used in this source by feedback you may not change."]}


def _refused(data: dict) -> IngestResult:
    return IngestResult(data["external_id"], ERROR, errors=NOT_YOURS)


def _policy_errors(*, data: dict, writer: Writer) -> dict:
    """Errors of an item this writer may not send (its source or its team), by field; fills in a
    person's own team when they name none."""
    errors = {}
    if why := writer.source_refusal(data["source"]):
        errors["source"] = [why]
    if data.get("team") is None and writer.default_team_id is not None:
        from cxloop.org.models import Team

        data["team"] = Team(pk=writer.default_team_id)
    if why := writer.team_refusal(data.get("team")):
        errors["team"] = [why]
    return errors


def _validated(*, raw, writer: Writer, validator: ContractValidator) -> dict | IngestResult:
    """The clean item, or the error answer for it (the contract's, then the write policy's)."""
    data, errors = validator.validate(raw)  # (data, None) or (None, errors)
    if data is not None:
        errors = _policy_errors(data=data, writer=writer)
    if data is None or errors:
        return IngestResult(external_id_of(raw), ERROR, errors=errors or {})
    return data


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


_ATTNAMES = {f.name: f.attname for f in Feedback._meta.concrete_fields}


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
    (source id, external id) -> id of each new row; a row whose key is stored already is left out."""
    inserted = insert_absent(
        Feedback,
        rows=rows,
        conflict=("source_id", "external_id"),
        returning=("id", "source_id", "external_id"),
    )
    feedback_received_emit(rows=rows, inserted=without_anonymous_rows(rows, inserted))  # never one by one
    return {(source_id, external_id): pk for pk, source_id, external_id in inserted}


def _store(*, data: dict, writer: Writer) -> IngestResult:
    """Store one validated item; the caller holds the transaction."""
    delivery = _delivery_hash(data)
    known = (
        Feedback.objects.filter(source=data["source"], external_id=data["external_id"])
        .only("id", "content_hash", "delivery_hashes", "team_id")
        .first()
    )
    if known is not None and not writer.may_change(known):
        return _refused(data)
    if known is not None and _applied_before(known, delivery):
        # The same delivery again (a retry, however late): nothing changes, the customer neither.
        return IngestResult(data["external_id"], DUPLICATE, known.pk)
    customer_id, warnings = None, {}
    if data.get("customer"):
        ids, unchanged = customers_resolve(customers=[data["customer"]], writer=writer)
        customer_id = ids[customer_key(data["customer"])]
        warnings = customer_warnings(data=data, unchanged=unchanged)
    created = _insert_all_absent(
        rows=[_row(data=data, delivery=delivery, customer_id=customer_id, now=timezone.now())]
    )
    if created:
        return IngestResult(data["external_id"], CREATED, created.popitem()[1], warnings=warnings)

    # A later delivery of the same response: lock the row, apply what it changes, if anything.
    feedback = Feedback.objects.select_for_update(no_key=True).get(
        source=data["source"], external_id=data["external_id"]
    )
    if not writer.may_change(feedback):
        # Stored by someone else between the look above and the insert.
        return _refused(data)
    if _applied_before(feedback, delivery):
        return IngestResult(data["external_id"], DUPLICATE, feedback.pk)
    # Only what this delivery says: without an occurred_at, the first delivery's time stays.
    values = {key: data[key] for key in FEEDBACK_FIELDS if key in data}
    warnings = {**warnings, **_keep_anonymised(feedback=feedback, values=values)}
    if customer_id is not None:
        values["customer_id"] = customer_id
    if "team" in values:
        values["team_id"] = values.pop("team").pk if values["team"] is not None else None
    changed = [key for key, value in values.items() if getattr(feedback, key) != value]
    if not changed:
        return IngestResult(data["external_id"], DUPLICATE, feedback.pk, warnings=warnings)
    if errors := _merged_score_errors(feedback=feedback, values=values):
        return IngestResult(data["external_id"], ERROR, errors=errors)
    for key in changed:
        setattr(feedback, key, values[key])
    feedback.delivery_hashes = [*(feedback.delivery_hashes or ()), delivery]
    fields = [*changed, "delivery_hashes", "updated_at"]
    if REPROCESS_ON.intersection(changed):
        # New words or a new score: enrich again (sentiment, category) and triage again (the
        # task enqueued after commit finds it unprocessed; triage opens at most one case per kind).
        feedback.processed_at = feedback.triaged_at = None
        fields += ["processed_at", "triaged_at"]
    feedback.save(update_fields=fields)
    return IngestResult(data["external_id"], UPDATED, feedback.pk, warnings=warnings)


# What erasure and retention anonymised (feedback/privacy/anonymise.py) stays so: a later delivery
# of the item (a vendor's retry, an old file imported again) does not bring the words back.
ANONYMISED_FIELDS = ("comment", "metadata")


def _keep_anonymised(*, feedback: Feedback, values: dict) -> dict:
    """Drop from `values` what an anonymised item may not take again; the warning that says so."""
    if feedback.comment_anonymised_at is None:
        return {}
    dropped = [key for key in ANONYMISED_FIELDS if values.pop(key, None) not in (None, "", {})]
    if not dropped:
        return {}
    return {
        key: ["not stored: this item's text was anonymised (erasure or retention) and stays so."]
        for key in dropped
    }


def _merged_score_errors(*, feedback: Feedback, values: dict) -> dict:
    """An update names only what it changes: the stored score must still fit a new scale (and a new
    score the stored scale), as the contract checks for one delivery alone."""
    scale, score = values.get("scale", feedback.scale), values.get("score", feedback.score)
    if score is None:
        return {}
    if scale is None:
        return {"scale": [f"required: the stored score {score} needs a scale (nps, csat or ces)."]}
    low, high = Feedback.SCALE_RANGES[scale]
    if not low <= score <= high:
        return {"score": [f"the stored score {score} is not on the {scale} scale: send the score with it."]}
    return {}


def _without_known_deliveries(
    *,
    valid: list[tuple[int, dict]],
    deliveries: dict[int, str],
    results: dict[int, IngestResult],
    writer: Writer,
) -> list[tuple[int, dict]]:
    """Answer `duplicate` for items delivered before, and refuse stored items this writer may not
    change (one query for the batch); the others, to store.

    A batch sent again after a timeout is then read, not written: no customer is touched.
    """
    keys = {(data["source"].pk, data["external_id"]) for _, data in valid}
    sources = {source_id for source_id, _ in keys}
    stored = {
        (row.source_id, row.external_id): row
        for row in Feedback.objects.filter(
            source_id__in=sources, external_id__in={external_id for _, external_id in keys}
        ).only("id", "source_id", "external_id", "content_hash", "delivery_hashes", "team_id")
    }
    rest = []
    for index, data in valid:
        known = stored.get((data["source"].pk, data["external_id"]))
        if known is not None and not writer.may_change(known):
            results[index] = _refused(data)
        elif known is not None and _applied_before(known, deliveries[index]):
            results[index] = IngestResult(data["external_id"], DUPLICATE, known.pk)
        else:
            rest.append((index, data))
    return rest


def _store_batch(*, valid: list[tuple[int, dict]], writer: Writer) -> dict[int, IngestResult]:
    """Store validated items in one transaction, set-based: index in the batch -> result.

    New items (the usual case) cost a share of three or four statements, not three each. An item
    whose key is already stored, or repeats an earlier item of the batch, then goes through the
    one-item path (duplicate or updated), in batch order. Any database error aborts the whole
    transaction: the caller then stores the items one by one.
    """
    results: dict[int, IngestResult] = {}
    with transaction.atomic():
        deliveries = {index: _delivery_hash(data) for index, data in valid}
        valid = _without_known_deliveries(valid=valid, deliveries=deliveries, results=results, writer=writer)
        customers = [data["customer"] for _, data in valid if data.get("customer")]
        customer_ids, unchanged = customers_resolve(customers=customers, writer=writer)
        now = timezone.now()
        rows = [
            _row(
                data=data,
                delivery=deliveries[index],
                customer_id=customer_ids[customer_key(data["customer"])] if data.get("customer") else None,
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
                warnings = customer_warnings(data=data, unchanged=unchanged)
                results[index] = IngestResult(data["external_id"], CREATED, new_id, warnings=warnings)
        for index, data in later:
            results[index] = _store(data=data, writer=writer)
        processing_enqueue(
            feedback_ids=[
                result.id
                for result in results.values()
                if result.status in (CREATED, UPDATED) and result.id is not None
            ]
        )
    return results


def _store_one(*, data: dict, writer: Writer) -> IngestResult:
    with transaction.atomic():
        result = _store(data=data, writer=writer)
    if result.status in (CREATED, UPDATED) and result.id is not None:
        _after_commit(feedback_id=result.id)
    return result


def feedback_ingest(*, raw, writer: Writer, validator: ContractValidator | None = None) -> IngestResult:
    """Validate and store one item of the contract as `writer`; never raises for bad input.

    Pass one `validator` for all the items of a batch: slugs are then looked up once.
    """
    checked = _validated(raw=raw, writer=writer, validator=validator or ContractValidator())
    if isinstance(checked, IngestResult):
        return checked
    return _store_one(data=checked, writer=writer)


def feedback_ingest_many(*, items: list, writer: Writer) -> list[IngestResult]:
    """Validate every item, then store the valid ones together; a result per item, in order.

    Good rows are stored even when others fail validation. Should storing the batch together fail
    (a row the database refuses), it is rolled back and the items are stored one by one, each in
    its own transaction, so only the refused row is lost.
    """
    if len(items) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} items per request")
    validator = ContractValidator()
    results: dict[int, IngestResult] = {}
    valid: list[tuple[int, dict]] = []
    for index, raw in enumerate(items):
        checked = _validated(raw=raw, writer=writer, validator=validator)
        if isinstance(checked, IngestResult):
            results[index] = checked
        else:
            valid.append((index, checked))
    if valid:
        try:
            stored = _store_batch(valid=valid, writer=writer)
        except DatabaseError:
            logger.warning("storing %d items one by one after an error", len(valid), exc_info=True)
            stored = {index: _store_one_or_error(data=data, writer=writer) for index, data in valid}
        results.update(stored)
    return [results[index] for index in range(len(items))]


def _store_one_or_error(*, data: dict, writer: Writer) -> IngestResult:
    """One item; a row the database refuses is that row's error. A lost connection still raises:
    nothing is acknowledged, and the sender retries."""
    try:
        return _store_one(data=data, writer=writer)
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
# Deliveries of up to this many items are live (a webhook with a few reviews, a small array): their
# tasks go to the processing queue. Larger ones are bulk loads, on the bulk queue, which the same
# workers take only when no live item waits, so a live detractor never waits behind a whole load.
LIVE_DELIVERY_MAX = 50


def processing_enqueue(*, feedback_ids: list[int]) -> None:
    """One task per chunk of ids after commit (immediately outside a transaction), not one per item:
    a Redis round trip each; on the bulk queue when the delivery is a bulk load."""
    from cxloop.core.tasks_util import enqueue_on_commit
    from feedback.tasks import feedback_process_bulk, feedback_process_many

    task = feedback_process_many if len(feedback_ids) <= LIVE_DELIVERY_MAX else feedback_process_bulk
    for start in range(0, len(feedback_ids), PROCESS_CHUNK):
        enqueue_on_commit(task, feedback_ids=feedback_ids[start : start + PROCESS_CHUNK])
