"""The huddle timeline's events: one constructor per kind, with named fields (as Saleor's order/events.py).

Each `huddle_event_<kind>` writes one HuddleEvent row with the JSON keys the huddle page and the
tests read; services call these, never HuddleEvent.objects.create.
"""

from datetime import date, datetime
from typing import Any

from innerloop.models.huddles import Huddle, HuddleEvent

Kind = HuddleEvent.Kind


def _write(*, huddle: Huddle, kind: str, actor: Any, data: dict[str, Any]) -> HuddleEvent:
    return HuddleEvent.objects.create(huddle=huddle, kind=kind, actor=actor, data=data)


def huddle_event_scheduled(*, huddle: Huddle, scheduled_at: datetime) -> HuddleEvent:
    return _write(
        huddle=huddle, kind=Kind.SCHEDULED, actor=None, data={"scheduled_at": scheduled_at.isoformat()}
    )


def huddle_event_rescheduled(
    *, huddle: Huddle, actor: Any, scheduled_at: datetime, was: datetime
) -> HuddleEvent:
    data = {"scheduled_at": scheduled_at.isoformat(), "was": was.isoformat()}
    return _write(huddle=huddle, kind=Kind.RESCHEDULED, actor=actor, data=data)


def huddle_event_prepared(*, huddle: Huddle, rebuilt: bool) -> HuddleEvent:
    return _write(huddle=huddle, kind=Kind.PREPARED, actor=None, data={"rebuilt": rebuilt})


def huddle_event_recorded(
    *, huddle: Huddle, actor: Any, attendee_ids: list[int], amended: bool
) -> HuddleEvent:
    """The meeting recorded (or, `amended`, its record changed): who attended, by user id."""
    kind = Kind.AMENDED if amended else Kind.RECORDED
    return _write(huddle=huddle, kind=kind, actor=actor, data={"attendees": sorted(attendee_ids)})


def huddle_event_commitment_added(
    *, huddle: Huddle, actor: Any, commitment_id: int, owner_id: int, due_on: date
) -> HuddleEvent:
    data = {"commitment_id": commitment_id, "owner_id": owner_id, "due_on": due_on.isoformat()}
    return _write(huddle=huddle, kind=Kind.COMMITMENT_ADDED, actor=actor, data=data)


def huddle_event_commitment_state(
    *, huddle: Huddle, actor: Any, commitment_id: int, from_state: str, to_state: str
) -> HuddleEvent:
    data = {"commitment_id": commitment_id, "from": from_state, "to": to_state}
    return _write(huddle=huddle, kind=Kind.COMMITMENT_STATE, actor=actor, data=data)


def huddle_event_obstacle_raised(*, huddle: Huddle, actor: Any, obstacle_id: int) -> HuddleEvent:
    return _write(huddle=huddle, kind=Kind.OBSTACLE_RAISED, actor=actor, data={"obstacle_id": obstacle_id})


def huddle_event_obstacle_escalated(*, huddle: Huddle, actor: Any, obstacle_id: int) -> HuddleEvent:
    return _write(huddle=huddle, kind=Kind.OBSTACLE_ESCALATED, actor=actor, data={"obstacle_id": obstacle_id})


def huddle_event_reviewed(*, huddle: Huddle, actor: Any, comment: str) -> HuddleEvent:
    return _write(huddle=huddle, kind=Kind.REVIEWED, actor=actor, data={"comment": comment})
