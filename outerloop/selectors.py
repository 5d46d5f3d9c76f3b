"""Reads of the outer loop, always scoped: committee and admins see all, managers their departments."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxloop.org.models import Role
from cxloop.org.scoping import scope_for
from feedback.models import Feedback

from .filters import InitiativeListFilter, SignalBoardFilter, filters_validate
from .models import ACTIVE_STAGES, DetectionRun, ImpactReview, Initiative, Signal, SignalStatus, Stage

# Roles that work with the outer loop at all; everyone else gets a 403.
OUTER_LOOP_ROLES = (Role.MANAGER, Role.COMMITTEE, Role.ADMIN)
# A signal this unlikely under "no change" goes on the committee's agenda by itself.
STRONG_SIGNAL_P = 1e-4


def _department_condition(user, field: str) -> Q | None:
    """None when the user sees everything, else a Q over their departments (which may match nothing)."""
    scope = scope_for(user)
    if scope.sees_everything:
        return None
    condition = Q(pk__in=[])
    for department_id in scope.department_ids:
        condition |= (
            Q(**{field: [department_id]}) if field.endswith("__contains") else Q(**{field: department_id})
        )
    return condition


def signals_visible_to(*, user) -> QuerySet[Signal]:
    signals = Signal.objects.select_related("category__parent", "journey_stage", "merged_into")
    condition = _department_condition(user, "department_ids__contains")
    return signals if condition is None else signals.filter(condition)


def detection_last_run() -> DetectionRun | None:
    """The most recent finished run of the signal job (no personal data: visible to the board)."""
    return DetectionRun.objects.order_by("-finished_at").first()


# The nightly run is due every day; one that has not finished for this long was missed (the machine
# was off at 01:30, beat or the worker was down) and the hourly check runs it now.
DETECTION_MISSED_AFTER = timedelta(hours=26)


def detection_missed(*, now: datetime | None = None) -> bool:
    """Whether no detection run has finished within DETECTION_MISSED_AFTER."""
    now = now or timezone.now()
    return not DetectionRun.objects.filter(finished_at__gte=now - DETECTION_MISSED_AFTER).exists()


def signal_board(*, user, filters: Mapping[str, Any] | None = None) -> QuerySet[Signal]:
    """The triage board: rising new signals first, then by strength.

    `filters` is the query string as sent: `status` (new by default, `all` for every status);
    an invalid value raises InvalidFilter.
    """
    status = filters_validate(SignalBoardFilter, filters or {})["status"]
    signals = signals_visible_to(user=user)
    if status != "all":
        signals = signals.filter(status=status)
    return signals.order_by("-rising", "p_value", "-recent_count", "pk")


def signal_get(*, user, signal_id: int) -> Signal:
    return get_object_or_404(signals_visible_to(user=user), pk=signal_id)


def signal_samples(*, signal: Signal, limit: int = 5) -> QuerySet[Feedback]:
    """Recent verbatims behind a signal, pulled live (never copied into the signal)."""
    if signal.category_id is None:
        return Feedback.objects.none()
    # Employees' answers count towards the signal, but are never quoted: they are anonymous.
    rows = Feedback.objects.mentioning([signal.category_id]).without_anonymous_answers().exclude(comment="")
    if signal.journey_stage_id:
        rows = rows.filter(journey_stage_id=signal.journey_stage_id)
    if signal.window_start:
        rows = rows.filter(occurred_at__gte=signal.window_start)
    ids = rows.order_by("-occurred_at").values("pk")[:limit]
    return (
        Feedback.objects.filter(pk__in=ids)
        .select_related("source", "touchpoint")
        .defer("search_vector")
        .order_by("-occurred_at")
    )


def initiatives_visible_to(*, user) -> QuerySet[Initiative]:
    initiatives = Initiative.objects.select_related("owner", "target_touchpoint")
    condition = _department_condition(user, "departments")
    if condition is None:
        return initiatives
    return initiatives.filter(condition | Q(owner=user)).distinct()


def initiative_list(*, user, filters: Mapping[str, Any] | None = None) -> QuerySet[Initiative]:
    """Initiatives the user may see, by priority; `filters` as sent (`stage`), InvalidFilter if invalid."""
    stage = filters_validate(InitiativeListFilter, filters or {}).get("stage", "")
    initiatives = initiatives_visible_to(user=user).prefetch_related("departments")
    if stage:
        initiatives = initiatives.filter(stage=stage)
    return initiatives.order_by("-priority_score", "-created_at")


def initiative_get(*, user, initiative_id: int) -> Initiative:
    return get_object_or_404(
        initiatives_visible_to(user=user).prefetch_related("departments", "signals__category"),
        pk=initiative_id,
    )


def initiative_timeline(*, initiative: Initiative):
    return initiative.events.select_related("actor").order_by("created_at", "id")


def initiatives_rolled_out() -> QuerySet[Initiative]:
    """'You said, we did': what changed, for every member of staff (no personal data in it)."""
    return (
        Initiative.objects.filter(rolled_out_at__isnull=False)
        .exclude(stage=Stage.DEFERRED)
        .select_related("owner", "target_touchpoint")
        .prefetch_related("departments", "signals")
        .order_by("-rolled_out_at")
    )


# --- what the committee's agenda reads ---


def initiatives_awaiting_decision() -> QuerySet[Initiative]:
    return Initiative.objects.filter(stage=Stage.PROPOSED).select_related("owner").order_by("-priority_score")


def initiatives_stalled(*, days: int, now=None) -> QuerySet[Initiative]:
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return (
        Initiative.objects.filter(stage__in=ACTIVE_STAGES, stage_changed_at__lt=cutoff)
        .select_related("owner")
        .order_by("stage_changed_at")
    )


def signals_strong(*, p_below: float = STRONG_SIGNAL_P) -> QuerySet[Signal]:
    return (
        Signal.objects.filter(status=SignalStatus.NEW, rising=True)
        .filter(Q(p_value__lt=p_below) | Q(kind="obstacle"))
        .select_related("category__parent", "journey_stage")
        .order_by("p_value")
    )


def impact_reviews_to_discuss() -> QuerySet[ImpactReview]:
    return (
        ImpactReview.objects.filter(discussed_at__isnull=True)
        .select_related("initiative")
        .order_by("created_at")
    )
