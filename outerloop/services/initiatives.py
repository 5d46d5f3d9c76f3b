"""Initiatives: proposed from signals, decided by the committee, moved through stages by their owner."""

import math
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError, NotPermitted, StateConflict
from cxloop.org.models import Department
from cxloop.outbound.models import EventType
from cxloop.outbound.payloads import stage_change_payload
from cxloop.outbound.services import event_emit
from outerloop import events
from outerloop.models import (
    DECISION_STAGES,
    INITIATIVE_TRANSITIONS,
    Initiative,
    InitiativeComment,
    Milestone,
    Signal,
    SignalStatus,
    Stage,
)
from outerloop.permissions import can_move_initiative

from .signals import signal_mark_promoted


def priority_score_for(*, signals: list[Signal]) -> float:
    """Frequency x value at risk x breadth: recent mentions, times log10(10 + value), times departments.

    The log keeps one very large account from swamping everything else; every factor is at least 1
    so a signal without customers or departments still ranks by how often it comes up.
    """
    frequency = sum(s.recent_count for s in signals)
    value = float(sum(s.value_at_risk for s in signals))
    breadth = max([s.departments for s in signals] + [1])
    return round(frequency * math.log10(10 + value) * breadth, 1)


def _departments_of(signals: list[Signal]) -> list[int]:
    ids: set[int] = set()
    for signal in signals:
        ids.update(signal.department_ids or [])
    return sorted(ids)


@transaction.atomic
def initiative_create_from_signals(
    *,
    signals: list[Signal],
    actor,
    owner,
    title: str,
    problem: str,
    departments: list[Department] | None = None,
    target_metric: str = "",
    target_touchpoint=None,
) -> Initiative:
    """Promote one or more signals to a proposed initiative, which then waits for the committee."""
    if not signals:
        raise ApplicationError(
            _("An initiative needs at least one signal as evidence."), {"signals": ["required"]}
        )
    locked = list(Signal.objects.select_for_update(no_key=True).filter(pk__in=[s.pk for s in signals]))
    if any(s.status != SignalStatus.NEW for s in locked):
        raise StateConflict(_("Only new signals can be promoted."), {"signals": ["already triaged"]})
    now = timezone.now()
    initiative = Initiative.objects.create(
        title=title,
        problem=problem,
        owner=owner,
        target_metric=target_metric,
        target_touchpoint=target_touchpoint,
        priority_score=priority_score_for(signals=locked),
        stage=Stage.PROPOSED,
        stage_changed_at=now,
        created_by=actor,
    )
    initiative.signals.set(locked)
    department_ids = [d.pk for d in departments] if departments else _departments_of(locked)
    initiative.departments.set(department_ids)
    for signal in locked:
        signal_mark_promoted(signal=signal, actor=actor, initiative_id=initiative.pk)
    events.initiative_created(
        initiative=initiative, actor=actor, signal_ids=[s.pk for s in locked], owner_username=owner.username,
        priority_score=initiative.priority_score,
    )  # fmt: skip
    return initiative


def _locked(initiative: Initiative) -> Initiative:
    return Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)


def _set_stage(
    initiative: Initiative, to_stage: str, *, actor, note: str | None = None, decision_id: int | None = None
) -> None:
    if to_stage not in INITIATIVE_TRANSITIONS[initiative.stage]:
        raise StateConflict(
            _("An initiative cannot go from %(from)s to %(to)s.")
            % {"from": initiative.get_stage_display().lower(), "to": Stage(to_stage).label.lower()},
            {"stage": ["invalid transition"]},
        )
    from_stage, initiative.stage = initiative.stage, to_stage
    initiative.stage_changed_at = timezone.now()
    fields = ["stage", "stage_changed_at", "updated_at"]
    if to_stage == Stage.ROLLED_OUT:
        initiative.rolled_out_at = initiative.stage_changed_at
        fields.append("rolled_out_at")
    initiative.save(update_fields=fields)
    events.initiative_stage_changed(
        initiative=initiative, actor=actor, from_stage=from_stage, to_stage=to_stage, note=note,
        decision_id=decision_id,
    )  # fmt: skip
    # Told to other systems (cxloop.outbound) in this transaction; sent after commit.
    payload = stage_change_payload(initiative, from_stage=from_stage)
    event_emit(type=EventType.INITIATIVE_STAGE_CHANGED, payload=payload)


@transaction.atomic
def initiative_transition(*, initiative: Initiative, to_stage: str, actor, note: str = "") -> Initiative:
    """The owner's stage actions. Leaving `proposed` is the committee's: see initiative_apply_decision."""
    initiative = _locked(initiative)
    if not can_move_initiative(actor, initiative):
        raise NotPermitted(
            _("Only the initiative's owner moves it through its stages."), {"actor": ["not owner"]}
        )
    if initiative.stage == Stage.PROPOSED:
        raise StateConflict(
            _("A proposed initiative waits for a committee decision."), {"stage": ["needs a decision"]}
        )
    if to_stage == Stage.IMPACT_REVIEWED and not initiative.impact_reviews.exists():
        raise StateConflict(_("Review the impact first."), {"stage": ["no impact review"]})
    # Rolling out tells nobody by itself: the customers are told from the initiative's page, once a
    # person has written what changed and seen the email (outerloop.services.close_loop).
    _set_stage(initiative, to_stage, actor=actor, note=note)
    return initiative


@transaction.atomic
def initiative_apply_decision(
    *, initiative: Initiative, outcome: str, actor, decision_id: int, rationale: str, votes: dict
) -> Initiative:
    """Move a proposed initiative to approved, deferred or rejected: called by governance only.

    The decision itself (its votes and quorum) lives in governance, which depends on this app;
    the timeline here records its id, outcome and rationale.
    """
    if outcome not in DECISION_STAGES:
        raise ApplicationError(
            _("Unknown decision %(outcome)s.") % {"outcome": outcome}, {"outcome": ["invalid"]}
        )
    initiative = _locked(initiative)
    if initiative.stage != Stage.PROPOSED:
        raise StateConflict(_("Only a proposed initiative can be decided."), {"stage": ["not proposed"]})
    _set_stage(initiative, outcome, actor=actor, decision_id=decision_id)
    events.initiative_decided(
        initiative=initiative, actor=actor, decision_id=decision_id, outcome=outcome, rationale=rationale,
        votes=votes,
    )  # fmt: skip
    return initiative


@transaction.atomic
def initiative_resubmit(*, initiative: Initiative, actor) -> Initiative:
    """Put a deferred initiative back before the committee."""
    initiative = _locked(initiative)
    if initiative.stage != Stage.DEFERRED:
        raise StateConflict(_("Only a deferred initiative can be resubmitted."), {"stage": ["not deferred"]})
    _set_stage(initiative, Stage.PROPOSED, actor=actor)
    return initiative


@transaction.atomic
def initiative_update(*, initiative: Initiative, actor, **fields) -> Initiative:
    """Edit the problem, target metric, priority score or "what changed" text."""
    allowed = {"title", "problem", "target_metric", "target_touchpoint", "priority_score", "what_changed"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(
            _("Cannot edit %(unknown)s.") % {"unknown": ", ".join(sorted(unknown))},
            {"fields": sorted(unknown)},
        )
    initiative = _locked(initiative)
    changes = {}
    for name, value in fields.items():
        if getattr(initiative, name) != value:
            changes[name] = str(value)
            setattr(initiative, name, value)
    if changes:
        initiative.full_clean()
        initiative.save(update_fields=[*changes, "updated_at"])
        events.initiative_edited(initiative=initiative, actor=actor, changes=changes)
    return initiative


@transaction.atomic
def initiative_comment_add(*, initiative: Initiative, author, text: str) -> InitiativeComment:
    if not text.strip():
        raise ApplicationError(_("Write something."), {"text": ["required"]})
    comment = InitiativeComment.objects.create(initiative=initiative, author=author, text=text.strip())
    events.initiative_commented(initiative=initiative, author=author, text=comment.text)
    return comment


@transaction.atomic
def milestone_add(*, initiative: Initiative, actor, title: str, due_on: date) -> Milestone:
    milestone = Milestone.objects.create(initiative=initiative, title=title, due_on=due_on)
    events.initiative_milestone_added(initiative=initiative, actor=actor, title=title, due_on=due_on)
    return milestone


@transaction.atomic
def milestone_complete(*, milestone: Milestone, actor) -> Milestone:
    milestone = Milestone.objects.select_for_update(no_key=True).get(pk=milestone.pk)
    if milestone.done_at is None:
        milestone.done_at = timezone.now()
        milestone.save(update_fields=["done_at"])
        events.initiative_milestone_done(initiative=milestone.initiative, actor=actor, title=milestone.title)
    return milestone
