"""The huddle action table: every action on a huddle, declared once (HTML only: huddles have no API).

Each entry names its permission predicate (innerloop.permissions), the service it calls and what the
page says when it worked. Its input is the page's form (innerloop.huddles.forms), cleaned before the
entry runs: with no API there is no second surface to agree with (`input=None`, `api=False`).
"""

from typing import Any

from django.shortcuts import get_object_or_404

from cxloop.core.actions import Action, ActionTable
from innerloop import permissions
from innerloop.models.huddles import Commitment, Huddle, Obstacle

from . import services


def _message(text: str) -> Any:
    return lambda result, data: text


HUDDLE_ACTIONS: ActionTable[Huddle] = ActionTable(
    Action(
        name="prepare",
        input=None,
        perform=lambda user, huddle, data: services.huddle_prepare(
            huddle_id=huddle.pk, force=huddle.summary_built_at is not None
        ),
        message=_message("Summary built."),
        allowed=permissions.can_record_huddle,
        denied="Only the team lead records the huddle.",
        api=False,
    ),
    Action(
        name="record",
        input=None,
        perform=lambda user, huddle, data: services.huddle_record(
            huddle=huddle, actor=user, attendees=data["attendees"], notes=data["notes"]
        ),
        message=_message("Huddle recorded."),
        allowed=permissions.can_record_huddle,
        denied="Only the team lead records the huddle.",
        api=False,
    ),
    Action(
        name="commitment-add",
        input=None,
        perform=lambda user, huddle, data: services.commitment_create(
            huddle=huddle, actor=user, text=data["text"], owner=data["owner"], due_on=data["due_on"]
        ),
        message=_message("Commitment added."),
        allowed=permissions.can_record_huddle,
        denied="Only the team lead records the huddle.",
        api=False,
    ),
    Action(
        name="commitment-state",
        input=None,
        perform=lambda user, huddle, data: services.commitment_set_state(
            commitment=get_object_or_404(Commitment, pk=data["commitment_id"], team_id=huddle.team_id),
            actor=user,
            state=data["state"],
        ),
        message=_message("Commitment updated."),
        allowed=permissions.can_record_huddle,
        denied="Only the team lead records the huddle.",
        api=False,
    ),
    Action(
        name="obstacle-add",
        input=None,
        perform=lambda user, huddle, data: services.obstacle_create(
            huddle=huddle, actor=user, text=data["text"], escalate=data["escalate"]
        ),
        message=_message("Obstacle recorded."),
        allowed=permissions.can_record_huddle,
        denied="Only the team lead records the huddle.",
        api=False,
    ),
    Action(
        name="obstacle-escalate",
        input=None,
        perform=lambda user, huddle, data: services.obstacle_escalate(
            obstacle=get_object_or_404(Obstacle, pk=data["obstacle_id"], huddle=huddle), actor=user
        ),
        message=_message("Obstacle escalated."),
        allowed=permissions.can_record_huddle,
        denied="Only the team lead records the huddle.",
        api=False,
    ),
    Action(
        name="review",
        input=None,
        perform=lambda user, huddle, data: services.huddle_review(
            huddle=huddle, reviewer=user, comment=data["comment"]
        ),
        message=lambda huddle, data: f"{huddle.team.name}: huddle marked reviewed.",
        allowed=permissions.can_review_huddle,
        denied="Only the department's manager reviews its huddles.",
        api=False,
    ),
)

# The team's meeting time: an action on a team (its lead's), not on one huddle.
CADENCE_ACTIONS: ActionTable[Any] = ActionTable(
    Action(
        name="cadence",
        input=None,
        perform=lambda user, team, data: services.huddle_cadence_set(team=team, actor=user, **data),
        message=lambda cadence, data: f"Saved: {cadence}.",
        allowed=permissions.can_set_cadence,
        api=False,
    ),
)
