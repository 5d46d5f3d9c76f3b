"""The huddle action table: every action on a huddle, declared once (HTML only: huddles have no API).

Each entry names its permission predicate (innerloop.permissions), the service it calls and what the
page says when it worked. Its input is the page's form (innerloop.huddles.forms), cleaned before the
entry runs: with no API there is no second surface to agree with (`input=None`, `api=False`).
"""

from collections.abc import Callable
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from cxloop.core.actions import Action, ActionTable
from innerloop import permissions
from innerloop.models.huddles import Commitment, Huddle, Obstacle

from . import services


def _message(text: str) -> Any:
    return lambda result, data: text


def _recording(
    name: str, perform: Callable[[Any, Huddle, dict[str, Any]], Any], message: str
) -> Action[Huddle]:
    """An action of recording the huddle: the team lead's, whatever it records."""
    return Action(
        name=name,
        input=None,
        perform=perform,
        message=_message(message),
        allowed=permissions.can_record_huddle,
        denied=_("Only the team lead records the huddle."),
        api=False,
    )


HUDDLE_ACTIONS: ActionTable[Huddle] = ActionTable(
    _recording(
        "prepare",
        lambda user, huddle, data: services.huddle_prepare(
            huddle_id=huddle.pk, force=huddle.summary_built_at is not None
        ),
        "Summary built.",
    ),
    _recording(
        "record",
        lambda user, huddle, data: services.huddle_record(
            huddle=huddle, actor=user, attendees=data["attendees"], notes=data["notes"]
        ),
        "Huddle recorded.",
    ),
    _recording(
        "commitment-add",
        lambda user, huddle, data: services.commitment_create(
            huddle=huddle, actor=user, text=data["text"], owner=data["owner"], due_on=data["due_on"]
        ),
        "Commitment added.",
    ),
    _recording(
        "commitment-state",
        lambda user, huddle, data: services.commitment_set_state(
            commitment=get_object_or_404(Commitment, pk=data["commitment_id"], team_id=huddle.team_id),
            actor=user,
            state=data["state"],
        ),
        "Commitment updated.",
    ),
    _recording(
        "obstacle-add",
        lambda user, huddle, data: services.obstacle_create(
            huddle=huddle, actor=user, text=data["text"], escalate=data["escalate"]
        ),
        "Obstacle recorded.",
    ),
    _recording(
        "obstacle-escalate",
        lambda user, huddle, data: services.obstacle_escalate(
            obstacle=get_object_or_404(Obstacle, pk=data["obstacle_id"], huddle=huddle), actor=user
        ),
        "Obstacle escalated.",
    ),
    Action(
        name="review",
        input=None,
        perform=lambda user, huddle, data: services.huddle_review(
            huddle=huddle, reviewer=user, comment=data["comment"]
        ),
        message=lambda huddle, data: _("%(team)s: huddle marked reviewed.") % {"team": huddle.team.name},
        allowed=permissions.can_review_huddle,
        denied=_("Only the department's manager reviews its huddles."),
        api=False,
    ),
)

# The team's meeting time: an action on a team (its lead's), not on one huddle.
CADENCE_ACTIONS: ActionTable[Any] = ActionTable(
    Action(
        name="cadence",
        input=None,
        perform=lambda user, team, data: services.huddle_cadence_set(team=team, actor=user, **data),
        message=lambda cadence, data: _("Saved: %(cadence)s.") % {"cadence": cadence},
        allowed=permissions.can_set_cadence,
        api=False,
    ),
)
