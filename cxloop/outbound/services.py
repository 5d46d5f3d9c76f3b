"""Recording events and managing endpoints (writes). Sending is in delivery.py.

`event_emit` / `events_emit` run inside the caller's transaction: the event and its deliveries are
committed with the change they report, or not at all; the sending starts after commit. Should Redis be
down then, the `outbound.deliver_due` sweep sends them within a minute.
"""

import os
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.models import audit
from cxloop.core.tasks_util import enqueue_on_commit

from .models import Endpoint, EventType, OutboundDelivery, OutboundEvent, new_secret
from .payloads import Payload, case_payload, feedback_payload
from .subscriptions import anyone_subscribes, subscribers, subscribers_forget

# Deliveries of one emit beyond this many are left to the sweep (a bulk load's events), so that a
# request never waits for a thousand Redis round trips after its commit.
ENQUEUE_AT_ONCE_MAX = 100
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_event_id() -> str:
    """ "msg_" and a ULID (48 bits of milliseconds, 80 random bits): unique, sortable by time."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "msg_" + "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def events_emit(*, type: str, payloads: list[Payload]) -> list[OutboundEvent]:
    """Record one event per payload that some active endpoint wants, with a delivery to each of them;
    nothing (and no write) for a payload nobody wants. Two INSERTs for the whole list."""
    wanting = subscribers()
    wanted = [(payload, [s.id for s in wanting if s.wants(type, payload)]) for payload in payloads]
    wanted = [(payload, ids) for payload, ids in wanted if ids]
    if not wanted:
        return []
    now = timezone.now()
    events = [OutboundEvent(id=new_event_id(), type=type, payload=payload) for payload, _ in wanted]
    OutboundEvent.objects.bulk_create(events)
    deliveries = OutboundDelivery.objects.bulk_create(
        OutboundDelivery(endpoint_id=endpoint_id, event=event, next_attempt_at=now)
        for event, (_, ids) in zip(events, wanted, strict=True)
        for endpoint_id in ids
    )
    if len(deliveries) <= ENQUEUE_AT_ONCE_MAX:
        from .tasks import deliver as deliver_task

        for delivery in deliveries:
            enqueue_on_commit(deliver_task, delivery_id=delivery.pk)
    return events


def event_emit(*, type: str, payload: Payload) -> OutboundEvent | None:
    """Record one event (None when no active endpoint wants it); it is sent after commit."""
    events = events_emit(type=type, payloads=[payload])
    return events[0] if events else None


def case_event_emit(*, type: str, case: Any, **extra: Any) -> OutboundEvent | None:
    """`event_emit` for an event about a case (payloads.case_payload), `extra` added to it."""
    return event_emit(type=type, payload=case_payload(case, **extra))


def feedback_received_emit(*, rows: list[dict[str, Any]], inserted: list[tuple]) -> None:
    """`feedback.received` for the items just inserted: (id, source id, external id) of each, and
    the rows (column values) they were inserted from. No query while nobody subscribes."""
    if not inserted or not anyone_subscribes(EventType.FEEDBACK_RECEIVED):
        return
    by_key = {(row["source_id"], row["external_id"]): row for row in rows}
    events_emit(
        type=EventType.FEEDBACK_RECEIVED,
        payloads=[
            feedback_payload(by_key[(source_id, external_id)], feedback_id=pk)
            for pk, source_id, external_id in inserted
        ],
    )


# --- Endpoints, for administrators ----------------------------------------------------------------

ENDPOINT_FIELDS = ("name", "url", "format", "event_types", "feedback_filter", "owner")


@transaction.atomic
def endpoint_create(*, actor: Any, **fields: Any) -> Endpoint:
    endpoint = Endpoint(**{key: fields[key] for key in ENDPOINT_FIELDS if key in fields})
    endpoint.full_clean(exclude=["owner"])  # optional: nobody to tell
    endpoint.save()
    audit(actor=actor, verb="webhook.created", target=endpoint, format=endpoint.format)
    transaction.on_commit(subscribers_forget)
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, actor: Any, **fields: Any) -> Endpoint:
    """Change what is given; an empty URL keeps the stored one (a chat URL is never shown again)."""
    endpoint = Endpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)
    if not fields.get("url"):
        fields.pop("url", None)
    changed = [key for key in ENDPOINT_FIELDS if key in fields and getattr(endpoint, key) != fields[key]]
    for key in changed:
        setattr(endpoint, key, fields[key])
    endpoint.full_clean(exclude=["owner"])  # optional: nobody to tell
    endpoint.save()
    audit(actor=actor, verb="webhook.changed", target=endpoint, fields=sorted(changed))
    transaction.on_commit(subscribers_forget)
    return endpoint


@transaction.atomic
def endpoint_disable(*, endpoint: Endpoint, reason: str, actor: Any = None) -> Endpoint:
    """Stop sending to an endpoint and cancel what waits for it. Disabled for failing (no actor),
    its owner is told, in the app and by email."""
    endpoint = Endpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)
    if not endpoint.active:
        return endpoint
    endpoint.active, endpoint.disabled_at, endpoint.disabled_reason = False, timezone.now(), reason[:300]
    endpoint.save(update_fields=["active", "disabled_at", "disabled_reason"])
    OutboundDelivery.objects.filter(endpoint=endpoint, state=OutboundDelivery.State.PENDING).update(
        state=OutboundDelivery.State.CANCELLED, next_attempt_at=None, sending_since=None
    )
    if actor is not None:
        audit(actor=actor, verb="webhook.disabled", target=endpoint)
    elif endpoint.owner_id is not None:
        _tell_owner_disabled(endpoint)
    transaction.on_commit(subscribers_forget)
    return endpoint


def _tell_owner_disabled(endpoint: Endpoint) -> None:
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext

    from cxloop.notifications.services import notify
    from cxloop.org.language import language_of

    assert endpoint.owner is not None
    assert endpoint.disabled_at is not None
    with translation.override(language_of(endpoint.owner) or settings.LANGUAGE_CODE):
        title = gettext("Webhook “%(name)s” was disabled") % {"name": endpoint.name}
        body = gettext("It kept failing: %(reason)s. Fix the receiver, then enable it again.") % {
            "reason": endpoint.disabled_reason
        }
    notify(
        user=endpoint.owner,
        key=f"outbound:{endpoint.pk}:disabled:{int(endpoint.disabled_at.timestamp())}",
        kind="webhook_disabled",
        title=title,
        body=body,
        url=reverse("outbound:detail", args=[endpoint.pk]),
    )


@transaction.atomic
def endpoint_enable(*, endpoint: Endpoint, actor: Any) -> Endpoint:
    endpoint = Endpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)
    endpoint.active, endpoint.disabled_at, endpoint.disabled_reason = True, None, ""
    endpoint.consecutive_failures = 0
    endpoint.save(update_fields=["active", "disabled_at", "disabled_reason", "consecutive_failures"])
    audit(actor=actor, verb="webhook.enabled", target=endpoint)
    transaction.on_commit(subscribers_forget)
    return endpoint


@transaction.atomic
def endpoint_secret_rotate(*, endpoint: Endpoint, actor: Any) -> str:
    """A new signing secret, returned to be shown once; the old one stops at once."""
    endpoint = Endpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    audit(actor=actor, verb="webhook.secret_rotated", target=endpoint)
    return endpoint.secret


@transaction.atomic
def delivery_retry(*, delivery: OutboundDelivery, actor: Any) -> OutboundDelivery:
    """Send a delivery that gave up (or was cancelled) once more, now. Its endpoint must be active."""
    from cxloop.core.exceptions import StateConflict

    from .tasks import deliver as deliver_task

    delivery = (
        OutboundDelivery.objects.select_for_update(no_key=True).select_related("endpoint").get(pk=delivery.pk)
    )
    if delivery.state not in (OutboundDelivery.State.GAVE_UP, OutboundDelivery.State.CANCELLED):
        raise StateConflict(_("Only a delivery that gave up can be sent again."), {"state": ["not given up"]})
    if not delivery.endpoint.active:
        raise StateConflict(_("Enable the webhook first."), {"endpoint": ["disabled"]})
    delivery.state, delivery.next_attempt_at = OutboundDelivery.State.PENDING, timezone.now()
    delivery.sending_since = None
    delivery.save(update_fields=["state", "next_attempt_at", "sending_since"])
    audit(actor=actor, verb="webhook.retried", target=delivery.endpoint, delivery=delivery.pk)
    enqueue_on_commit(deliver_task, delivery_id=delivery.pk)
    return delivery


TEST_PAYLOAD: Payload = {"test": True, "message": "A test event from cxloop: no action is needed."}


@transaction.atomic
def endpoint_test_event(*, endpoint: Endpoint, actor: Any) -> OutboundDelivery:
    """A test event to this endpoint alone, of its first event type; tried once, never retried."""
    event_type = (endpoint.event_types or [EventType.CASE_OPENED])[0]
    event = OutboundEvent.objects.create(id=new_event_id(), type=event_type, payload=TEST_PAYLOAD)
    delivery = OutboundDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=timezone.now())
    audit(actor=actor, verb="webhook.tested", target=endpoint)
    return delivery
