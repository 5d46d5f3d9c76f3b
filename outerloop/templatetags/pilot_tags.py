"""{% pilot_section %}: the initiative page's pilots, their arms, suggested controls and actions."""

from typing import Any

from django import template

from outerloop.models import Initiative, PilotArm
from outerloop.permissions import can_edit_initiative
from outerloop.pilot_controls import candidate_units, controls_suggest
from outerloop.pilot_forms import PilotControlsForm, PilotForm
from outerloop.services.pilots import SET_UP_STAGES

register = template.Library()


def pilot_rows(*, initiative: Initiative, user: Any, bound: dict | None = None) -> list[dict]:
    """Each pilot with its arms and, while not started, the suggested controls and their form."""
    bound = bound or {}
    rows = []
    for pilot in initiative.pilots.prefetch_related("units__team", "units__touchpoint"):
        units = list(pilot.units.all())
        row: dict[str, Any] = {
            "pilot": pilot,
            "pilot_units": [u.team or u.touchpoint for u in units if u.arm == PilotArm.PILOT],
            "control_units": [u.team or u.touchpoint for u in units if u.arm == PilotArm.CONTROL],
        }
        if pilot.started_at is None:
            row["suggestions"] = controls_suggest(pilot=pilot, user=user)
            candidates = candidate_units(dimension=pilot.dimension, user=user)
            row["controls_form"] = bound.get(pilot.pk) or PilotControlsForm(candidates=candidates)
        rows.append(row)
    return rows


@register.inclusion_tag("outerloop/_pilot_section.html", takes_context=True)
def pilot_section(context: template.Context, initiative: Initiative) -> dict:
    """The pilot section: what runs where, controls to pick from, and the forms to set it up."""
    request = context["request"]
    return {
        "initiative": initiative,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "may_edit": can_edit_initiative(request.user, initiative),
        "may_set_up": initiative.stage in SET_UP_STAGES and can_edit_initiative(request.user, initiative),
        "rows": pilot_rows(
            initiative=initiative, user=request.user, bound=context.get("pilot_controls_bound")
        ),
        "pilot_form": context.get("pilot_form") or PilotForm(user=request.user),
    }
