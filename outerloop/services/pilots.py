"""Pilots: an initiative's pre-test or customer test run on chosen teams (stores) or touchpoints,
beside controls picked from the suggestions (outerloop.pilot_controls), so that its impact review can
tell the fix from the season (outerloop.did).

Who: whoever may edit the initiative (its owner, the committee, admins: outerloop.permissions), on
units they may see. Every change is a row on the initiative's timeline (a milestone event whose data
names the pilot) and an audit row.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError, NotPermitted, StateConflict
from cxloop.core.models import audit
from outerloop.models import Initiative, InitiativeEvent, Pilot, PilotArm, PilotDimension, PilotUnit, Stage
from outerloop.permissions import can_edit_initiative
from outerloop.pilot_controls import candidate_units, pilot_unit_ids

PILOT_STAGES = (Stage.PRE_TEST, Stage.CUSTOMER_TEST)
# A pilot is set up while the initiative is still before its roll-out (from the proposal on, so the
# committee sees it when deciding); it runs while the initiative is in the pilot's own stage.
SET_UP_STAGES = (
    Stage.PROPOSED,
    Stage.APPROVED,
    Stage.DESIGN,
    Stage.PRE_TEST,
    Stage.DEVELOP,
    Stage.CUSTOMER_TEST,
)


def _refuse_unless_editor(actor: Any, initiative: Initiative) -> None:
    if not can_edit_initiative(actor, initiative):
        raise NotPermitted(
            _("Only the initiative's owner or the committee sets up its pilots."),
            {"actor": ["not permitted"]},
        )


def _pilot_event(*, pilot: Pilot, actor: Any, action: str, **data: Any) -> InitiativeEvent:
    """The initiative's timeline: `action` is created, controls, started or ended."""
    payload = {"pilot": pilot.pk, "stage": pilot.stage, "action": action, **data}
    audit(actor=actor, verb=f"pilot.{action}", target=pilot, initiative=pilot.initiative_id)
    return InitiativeEvent.objects.create(
        initiative_id=pilot.initiative_id, kind=InitiativeEvent.Kind.MILESTONE, actor=actor, data=payload
    )


def _units_allowed(*, dimension: str, unit_ids: Sequence[int], actor: Any, field: str) -> list[int]:
    """The units, if each is one the actor may see; else the refusal names the field."""
    ids = sorted(set(unit_ids))
    visible = set(
        candidate_units(dimension=dimension, user=actor).filter(pk__in=ids).values_list("pk", flat=True)
    )
    if len(visible) != len(ids):
        raise ApplicationError(
            _("Choose only units you may see."), {field: ["not visible to you or does not exist"]}
        )
    return ids


def _validate_setup(*, stage: str, dimension: str, baseline_start: datetime, baseline_end: datetime) -> None:
    if stage not in PILOT_STAGES:
        raise ApplicationError(_("A pilot runs the pre-test or the customer test."), {"stage": ["invalid"]})
    if dimension not in PilotDimension.values:
        raise ApplicationError(_("Pilot teams or touchpoints."), {"dimension": ["invalid"]})
    if baseline_end <= baseline_start:
        raise ApplicationError(
            _("The baseline period ends after it starts."), {"baseline_end": ["before the start"]}
        )
    if baseline_end > timezone.now():
        raise ApplicationError(
            _("The baseline period is in the past: it is what the arms are compared on."),
            {"baseline_end": ["in the future"]},
        )


@transaction.atomic
def pilot_create(
    *,
    initiative: Initiative,
    actor: Any,
    stage: str,
    dimension: str,
    unit_ids: Sequence[int],
    baseline_start: datetime,
    baseline_end: datetime,
) -> Pilot:
    """Set up a pilot on `unit_ids` (teams or touchpoints, by `dimension`); controls come next."""
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    _refuse_unless_editor(actor, initiative)
    _validate_setup(
        stage=stage, dimension=dimension, baseline_start=baseline_start, baseline_end=baseline_end
    )
    if initiative.stage not in SET_UP_STAGES:
        raise StateConflict(
            _("Pilots are set up before the roll-out."), {"stage": ["rolled out or decided against"]}
        )
    if not unit_ids:
        raise ApplicationError(_("Choose the units that run the pilot."), {"units": ["required"]})
    ids = _units_allowed(dimension=dimension, unit_ids=unit_ids, actor=actor, field="units")
    try:
        with transaction.atomic():
            pilot = Pilot.objects.create(
                initiative=initiative, stage=stage, dimension=dimension, baseline_start=baseline_start,
                baseline_end=baseline_end, created_by=actor,
            )  # fmt: skip
    except IntegrityError as error:
        raise StateConflict(
            _("This stage already has a pilot."), {"stage": ["already has a pilot"]}
        ) from error
    column = "team_id" if dimension == PilotDimension.TEAM else "touchpoint_id"
    PilotUnit.objects.bulk_create([PilotUnit(pilot=pilot, arm=PilotArm.PILOT, **{column: pk}) for pk in ids])
    _pilot_event(pilot=pilot, actor=actor, action="created", dimension=dimension, units=len(ids))
    return pilot


def _locked_pilot(pilot: Pilot) -> Pilot:
    return Pilot.objects.select_for_update(no_key=True).select_related("initiative").get(pk=pilot.pk)


@transaction.atomic
def pilot_controls_set(*, pilot: Pilot, actor: Any, unit_ids: Sequence[int]) -> Pilot:
    """Choose the controls (replacing any chosen before); only before the pilot starts."""
    pilot = _locked_pilot(pilot)
    _refuse_unless_editor(actor, pilot.initiative)
    if pilot.started_at is not None:
        raise StateConflict(_("The pilot has started: its controls are fixed."), {"controls": ["started"]})
    if not unit_ids:
        raise ApplicationError(_("Choose at least one control."), {"controls": ["required"]})
    ids = _units_allowed(dimension=pilot.dimension, unit_ids=unit_ids, actor=actor, field="controls")
    both = set(ids) & set(pilot_unit_ids(pilot=pilot, arm=PilotArm.PILOT))
    if both:
        raise ApplicationError(
            _("A unit cannot be both in the pilot and a control."), {"controls": ["also in the pilot"]}
        )
    pilot.units.filter(arm=PilotArm.CONTROL).delete()
    column = "team_id" if pilot.dimension == PilotDimension.TEAM else "touchpoint_id"
    PilotUnit.objects.bulk_create(
        [PilotUnit(pilot=pilot, arm=PilotArm.CONTROL, **{column: pk}) for pk in ids]
    )
    _pilot_event(pilot=pilot, actor=actor, action="controls", units=len(ids))
    return pilot


@transaction.atomic
def pilot_start(*, pilot: Pilot, actor: Any, now: datetime | None = None) -> Pilot:
    """Start the pilot: the initiative is in the pilot's stage and the pilot has controls."""
    pilot = _locked_pilot(pilot)
    _refuse_unless_editor(actor, pilot.initiative)
    now = now or timezone.now()
    if pilot.started_at is not None:
        raise StateConflict(_("The pilot has already started."), {"pilot": ["started"]})
    if pilot.initiative.stage != pilot.stage:
        raise StateConflict(
            _("The pilot starts when the initiative reaches its stage (%(stage)s).")
            % {"stage": Stage(pilot.stage).label.lower()},
            {"stage": ["not in the pilot's stage"]},
        )
    if not pilot.units.filter(arm=PilotArm.CONTROL).exists():
        raise StateConflict(_("Choose the controls first."), {"controls": ["required"]})
    if now < pilot.baseline_end:
        raise StateConflict(_("The baseline period is not over yet."), {"baseline_end": ["not over"]})
    pilot.started_at = now
    pilot.save(update_fields=["started_at"])
    _pilot_event(pilot=pilot, actor=actor, action="started")
    return pilot


@transaction.atomic
def pilot_end(*, pilot: Pilot, actor: Any, now: datetime | None = None) -> Pilot:
    """End a running pilot: its after period closes here."""
    pilot = _locked_pilot(pilot)
    _refuse_unless_editor(actor, pilot.initiative)
    now = now or timezone.now()
    if pilot.started_at is None or pilot.ended_at is not None:
        raise StateConflict(_("Only a running pilot can be ended."), {"pilot": ["not running"]})
    if now <= pilot.started_at:
        raise StateConflict(_("A pilot ends after it starts."), {"pilot": ["too early"]})
    pilot.ended_at = now
    pilot.save(update_fields=["ended_at"])
    _pilot_event(pilot=pilot, actor=actor, action="ended")
    return pilot
