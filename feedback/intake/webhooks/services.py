"""Storing a verified delivery: each of its items through the ingest service, exactly once, and what
cannot be stored kept as a dead letter with the reason.

The answer lists one result per item, in order, like an array sent to /api/v1/feedback/: the
ingest service's `{"external_id", "status", "id", "errors"}` (created, duplicate, updated, error),
`{"status": "ignored", "reason"}` for an event that is not feedback, and on an item not stored the
dead letter's id. Its HTTP status, over the items not ignored:
    201 every one created;      200 every one a duplicate or an update (or all ignored);
    207 any other mix (some stored, some not; or created with duplicates);
    422 none stored, and the mapping found nothing in at least one (no id, no score and no comment);
    400 none stored, each refused by the contract or a mapping that cannot be applied.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cxloop.core.exceptions import ApplicationError
from feedback.contract import MAX_BATCH
from feedback.models import Source
from feedback.models.webhooks import MAX_BODY_BYTES, WebhookDeadLetter
from feedback.permissions import Writer
from feedback.services.ingest import CREATED, DUPLICATE, ERROR, UPDATED, feedback_ingest_many

from .adapters import Ignored, Refused, adapter_for, map_delivery
from .bodies import payload_of

logger = logging.getLogger(__name__)

IGNORED = "ignored"
STORED = frozenset({CREATED, DUPLICATE, UPDATED})


@dataclass(frozen=True)
class Delivery:
    """A verified delivery as it came: what mapping it again needs, and which secret verified it."""

    body: bytes
    content_type: str
    delivery_id: str = ""
    signature: str = ""

    @property
    def headers(self) -> dict[str, str]:
        """The headers a mapping may read; the same on the first delivery and on a retry."""
        return {"webhook-id": self.delivery_id} if self.delivery_id else {}


@dataclass
class Outcome:
    """What became of a delivery: its answer (one result per item), HTTP status and dead letter."""

    many: bool
    results: list[dict]
    failures: list[dict] = field(default_factory=list)
    dead_letter: WebhookDeadLetter | None = None

    @property
    def answer(self) -> dict | list:
        return self.results if self.many else self.results[0]

    @property
    def http_status(self) -> int:
        statuses = [result["status"] for result in self.results if result["status"] != IGNORED]
        if all(status == CREATED for status in statuses) and statuses:
            return 201
        if all(status in (DUPLICATE, UPDATED) for status in statuses):
            return 200
        if any(status in STORED for status in statuses):
            return 207
        return 422 if any(failure["unmapped"] for failure in self.failures) else 400


def _ingested(items: list[tuple[int, dict]], *, source: Source) -> dict[int, dict]:
    """Each contract item stored through the ingest service (in batches it accepts): position -> result."""
    writer = Writer.for_webhook(source)
    answers: dict[int, dict] = {}
    for start in range(0, len(items), MAX_BATCH):
        chunk = items[start : start + MAX_BATCH]
        results = feedback_ingest_many(items=[item for _, item in chunk], writer=writer)
        answers.update(
            (position, result.as_dict()) for (position, _), result in zip(chunk, results, strict=True)
        )
    return answers


def _mapped_and_stored(*, source: Source, delivery: Delivery) -> Outcome:
    adapter = adapter_for(source)
    outcomes: list[dict | Ignored | Refused]
    if adapter is None:
        refused = Refused({"field_mapping": ["names no adapter this version has."]})
        mapped_many, outcomes = False, [refused]
    else:
        mapped = map_delivery(
            adapter,
            source=source,
            payload=payload_of(delivery.body, delivery.content_type),
            headers=delivery.headers,
        )
        mapped_many, outcomes = mapped.many, mapped.outcomes
    stored = _ingested(
        [(n, item) for n, item in enumerate(outcomes) if isinstance(item, dict)], source=source
    )
    outcome = Outcome(many=mapped_many, results=[])
    for position, item in enumerate(outcomes):
        if isinstance(item, Ignored):
            outcome.results.append({"status": IGNORED, "reason": item.reason})
            continue
        if isinstance(item, Refused):
            result = {"external_id": item.external_id, "status": ERROR, "id": None, "errors": item.errors}
        else:
            result = stored[position]
        outcome.results.append(result)
        if result["status"] == ERROR:
            outcome.failures.append(
                {
                    "item": position if mapped_many else None,
                    "external_id": result["external_id"],
                    "errors": result["errors"],
                    "unmapped": isinstance(item, Refused) and item.unmapped,
                }
            )
    return outcome


def _reason(outcome: Outcome) -> str:
    """One line for the list: which items, and the fields missing or wrong."""
    missing = sorted({name for f in outcome.failures if f["unmapped"] for name in f["errors"]})
    wrong = sorted({name for f in outcome.failures if not f["unmapped"] for name in f["errors"]})
    parts = [f"missing {', '.join(missing)}"] if missing else []
    parts += [f"refused {', '.join(wrong)}"] if wrong else []
    counted = [result for result in outcome.results if result["status"] != IGNORED]
    prefix = f"{len(outcome.failures)} of {len(counted)} items: " if outcome.many else ""
    return (prefix + "; ".join(parts))[:300]


def _attach(outcome: Outcome, letter: WebhookDeadLetter) -> None:
    outcome.dead_letter = letter
    for result in outcome.results:
        if result["status"] == ERROR:
            result["dead_letter"] = letter.pk


def _kept(*, source: Source, delivery: Delivery, outcome: Outcome) -> WebhookDeadLetter:
    """The dead letter of this body (one per body: a re-delivery counts on it and opens it again)."""
    now = timezone.now()
    letter, created = WebhookDeadLetter.objects.get_or_create(
        source=source,
        body_sha256=hashlib.sha256(delivery.body).hexdigest(),
        defaults={
            "received_at": now,
            "last_received_at": now,
            "reason": _reason(outcome),
            "errors": outcome.failures,
            "signature": delivery.signature[:80],
            "content_type": delivery.content_type[:100],
            "delivery_id": delivery.delivery_id[:200],
            "body": delivery.body[:MAX_BODY_BYTES],
            "body_size": len(delivery.body),
        },
    )
    if not created:
        WebhookDeadLetter.objects.filter(pk=letter.pk).update(
            deliveries=F("deliveries") + 1,
            last_received_at=now,
            status=WebhookDeadLetter.Status.OPEN,
            resolved_at=None,
            reason=_reason(outcome),
            errors=outcome.failures,
            signature=delivery.signature[:80],
        )
    return letter


def webhook_delivery_store(*, source: Source, delivery: Delivery) -> Outcome:
    """Store each item of a verified delivery once; keep what cannot be stored as a dead letter.

    Raises bodies.BodyError when the body is not what its content type says (nothing is kept).
    """
    outcome = _mapped_and_stored(source=source, delivery=delivery)
    if outcome.failures:
        letter = _kept(source=source, delivery=delivery, outcome=outcome)
        _attach(outcome, letter)
        logger.warning(
            "webhook for source %s: %d item(s) kept as dead letter %s",
            source.slug,
            len(outcome.failures),
            letter.pk,
        )
    return outcome


def dead_letter_retry(*, dead_letter: WebhookDeadLetter) -> Outcome:
    """Map a dead letter again through its source's current mapping, and store what it now can.

    It is resolved when no item is refused any more (items stored before answer `duplicate`);
    otherwise it stays open with the new reasons. A body kept cut cannot be retried.
    """
    if dead_letter.body_truncated:
        raise ApplicationError(
            gettext_lazy(
                "Only the first %(kept)s of %(body_size)s bytes were kept: "
                "ask the sender to deliver it again."
            )
            % {"kept": format(MAX_BODY_BYTES, ","), "body_size": format(dead_letter.body_size, ",")}
        )
    delivery = Delivery(
        body=bytes(dead_letter.body),
        content_type=dead_letter.content_type,
        delivery_id=dead_letter.delivery_id,
        signature=dead_letter.signature,
    )
    outcome = _mapped_and_stored(source=dead_letter.source, delivery=delivery)
    now = timezone.now()
    changes = {"retries": F("retries") + 1, "retried_at": now}
    if outcome.failures:
        changes.update(reason=_reason(outcome), errors=outcome.failures)
        _attach(outcome, dead_letter)
    else:
        changes.update(status=WebhookDeadLetter.Status.RESOLVED, resolved_at=now)
    WebhookDeadLetter.objects.filter(pk=dead_letter.pk).update(**changes)
    return outcome


def dead_letters_retry(*, dead_letters: Iterable[WebhookDeadLetter]) -> dict[str, list[str]]:
    """Retry each open dead letter: {"resolved": [...], "open": [...], "refused": [...]} as lines."""
    report: dict[str, list[str]] = {"resolved": [], "open": [], "refused": []}
    for letter in dead_letters:
        if letter.status != WebhookDeadLetter.Status.OPEN:
            continue
        try:
            outcome = dead_letter_retry(dead_letter=letter)
        except ApplicationError as exc:
            report["refused"].append(f"#{letter.pk}: {exc.message}")
            continue
        if outcome.failures:
            report["open"].append(f"#{letter.pk}: {_reason(outcome)}")
        else:
            report["resolved"].append(f"#{letter.pk}")
    return report
