"""Signals: detection (one row per root-cause key, updated in place) and triage by the committee."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError, StateConflict
from cxloop.org.models import Team
from cxloop.outbound.models import EventType
from cxloop.outbound.payloads import signal_payload
from cxloop.outbound.services import events_emit
from feedback.models import Category, JourneyStage
from innerloop.huddles.services import RiseSeen, team_rises_record
from outerloop import events
from outerloop.models import SIGNAL_TRANSITIONS, DetectionRun, Signal, SignalKind, SignalStatus
from outerloop.outcomes.tell import signal_outcome_tell
from outerloop.selectors import DETECTION_MISSED_AFTER, detection_missed

# A read, kept here for the hourly task and `manage.py` callers: see outerloop.selectors.
__all__ = ["DETECTION_MISSED_AFTER", "detection_missed"]

from .detection import DEFAULT_PARAMS, Cell, DetectionParams, cell_title, cells_count

logger = logging.getLogger(__name__)

STATS_FIELDS = (
    "window_start", "window_end", "recent_count", "case_count", "feedback_count", "baseline_count",
    "expected_count", "rate_ratio", "p_value", "q_value", "rising", "teams", "departments", "department_ids",
    "customers", "value_at_risk", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class DetectionResult:
    cells: int
    created: int
    updated: int
    team_rises: int
    seconds: float


def root_cause_key(*, category_id: int, journey_stage_id: int | None) -> str:
    return f"root_cause:{category_id}:{journey_stage_id or 'any'}"


def _apply(signal: Signal, cell: Cell, *, rising: bool, start: datetime, end: datetime) -> None:
    signal.window_start, signal.window_end = start, end
    signal.recent_count, signal.baseline_count = cell.recent, cell.baseline
    signal.case_count, signal.feedback_count = cell.case_count, cell.feedback_count
    signal.expected_count, signal.rate_ratio = cell.expected, cell.ratio
    signal.p_value, signal.q_value = cell.p_value, cell.q_value
    signal.rising = rising
    signal.teams, signal.customers = cell.teams, cell.customers
    signal.department_ids, signal.departments = cell.department_ids, len(cell.department_ids)
    signal.value_at_risk = cell.value_at_risk
    signal.updated_at = timezone.now()


@transaction.atomic
def signals_detect(
    *, end: datetime | None = None, params: DetectionParams = DEFAULT_PARAMS
) -> DetectionResult:
    """Count, test, and create or update one signal per rising root cause; refresh the known ones.

    A signal exists once a cell rose; later runs update its evidence (and `rising`) whatever its
    triage status, and never create a second row for the same key (the key is unique).
    """
    started = timezone.now()
    end = end or started
    window = (end - timedelta(days=params.window_days), end)
    cells = cells_count(end=end, params=params)
    committee_categories, team_rises = _across_silos(cells, params)
    by_key = {
        root_cause_key(category_id=c.category_id, journey_stage_id=c.journey_stage_id): c for c in cells
    }
    existing = {
        s.key: s for s in Signal.objects.select_for_update(no_key=True).filter(kind=SignalKind.ROOT_CAUSE)
    }

    def rising(cell: Cell) -> bool:
        return cell.rising(params) and cell.category_id in committee_categories

    new = {key: cell for key, cell in by_key.items() if key not in existing and rising(cell)}
    created = _signals_create(new, window=window)
    updated = _signals_refresh(existing, by_key, rising=rising, window=window)
    team_rises_record(rises=team_rises, window_end=end)
    return _run_record(
        started=started, end=end, cells=len(cells), created=len(created), updated=len(updated),
        team_rises=len(team_rises),
    )  # fmt: skip


def _signals_create(new: dict[str, Cell], *, window: tuple[datetime, datetime]) -> list[Signal]:
    """A rising signal for each cell of `new` (key -> cell), titled after its category and stage."""
    categories = Category.objects.select_related("parent").in_bulk(
        {cell.category_id for cell in new.values()}
    )
    stages = JourneyStage.objects.in_bulk({cell.journey_stage_id for cell in new.values()} - {None})
    created = []
    for key, cell in new.items():
        signal = Signal(
            key=key,
            kind=SignalKind.ROOT_CAUSE,
            category_id=cell.category_id,
            journey_stage_id=cell.journey_stage_id,
            title=cell_title(category=categories[cell.category_id], stage=stages.get(cell.journey_stage_id))[
                :200
            ],
        )
        _apply(signal, cell, rising=True, start=window[0], end=window[1])
        created.append(signal)
    Signal.objects.bulk_create(created)
    events_emit(type=EventType.SIGNAL_RAISED, payloads=[signal_payload(signal) for signal in created])
    return created


def _signals_refresh(
    existing: dict[str, Signal],
    by_key: dict[str, Cell],
    *,
    rising: Callable[[Cell], bool],
    window: tuple[datetime, datetime],
) -> list[Signal]:
    """The known signals with this run's evidence; one no longer mentioned stops rising."""
    updated = []
    for key, signal in existing.items():
        cell = by_key.get(key)
        if cell is None:
            if signal.rising or signal.recent_count:
                signal.rising, signal.recent_count, signal.updated_at = False, 0, timezone.now()
                updated.append(signal)
            continue
        _apply(signal, cell, rising=rising(cell), start=window[0], end=window[1])
        updated.append(signal)
    Signal.objects.bulk_update(updated, STATS_FIELDS, batch_size=500)
    return updated


def _run_record(
    *, started: datetime, end: datetime, cells: int, created: int, updated: int, team_rises: int
) -> DetectionResult:
    """Record the finished run (the board's "last run") and log it."""
    finished = timezone.now()
    seconds = (finished - started).total_seconds()
    DetectionRun.objects.create(
        finished_at=finished, window_end=end, cells=cells, created=created, updated=updated,
        team_rises=team_rises, seconds=seconds,
    )  # fmt: skip
    logger.info(
        "signals detected: %s cells, %s new, %s updated, %s rising in one team only, in %.1fs",
        cells,
        created,
        updated,
        team_rises,
        seconds,
    )
    return DetectionResult(
        cells=cells, created=created, updated=updated, team_rises=team_rises, seconds=seconds
    )


def _across_silos(cells: list[Cell], params: DetectionParams) -> tuple[set[int], list[RiseSeen]]:
    """The categories rising across silos (in `min_teams` teams and `min_departments` departments over
    their journey stages): the committee's. The rest of the rising cells become learning items for the
    teams they rose in."""
    rising = [cell for cell in cells if cell.rising(params)]
    teams_of: dict[int, set[int]] = {}
    for cell in rising:
        teams_of.setdefault(cell.category_id, set()).update(cell.rising_teams)
    department_of = dict(
        Team.objects.filter(pk__in=set().union(*teams_of.values())).values_list("pk", "department_id")
    )
    committee = {
        category
        for category, teams in teams_of.items()
        if len(teams) >= params.min_teams and len({department_of[t] for t in teams}) >= params.min_departments
    }
    rises = [
        RiseSeen(team_id=team, category_id=cell.category_id, journey_stage_id=cell.journey_stage_id,
                 recent_count=recent, expected_count=expected)
        for cell in rising
        if cell.category_id not in committee
        for team, (recent, expected) in cell.rising_teams.items()
    ]  # fmt: skip
    return committee, rises


def _locked(signal: Signal) -> Signal:
    return Signal.objects.select_for_update(no_key=True).get(pk=signal.pk)


def _move(signal: Signal, to_status: str) -> None:
    if to_status not in SIGNAL_TRANSITIONS[signal.status]:
        raise StateConflict(
            _("A %(from)s signal cannot be %(to)s.")
            % {"from": signal.get_status_display().lower(), "to": SignalStatus(to_status).label.lower()},
            {"status": ["invalid transition"]},
        )
    signal.status = to_status


@transaction.atomic
def signal_dismiss(*, signal: Signal, actor, reason: str) -> Signal:
    """Set a signal aside, saying why (a known seasonal effect, already being fixed...)."""
    if not reason.strip():
        raise ApplicationError(_("Say why the signal is dismissed."), {"reason": ["required"]})
    signal = _locked(signal)
    _move(signal, SignalStatus.DISMISSED)
    signal.dismissed_reason = reason.strip()
    signal.save(update_fields=["status", "dismissed_reason", "updated_at"])
    events.signal_dismissed(signal=signal, actor=actor)
    signal_outcome_tell(signal=signal)  # the raisers get the reason (outerloop.outcomes)
    return signal


@transaction.atomic
def signal_merge(*, signal: Signal, into: Signal, actor) -> Signal:
    """Fold a duplicate into another signal; the other one carries the evidence from then on."""
    if signal.pk == into.pk:
        raise ApplicationError(_("A signal cannot be merged into itself."), {"into": ["same signal"]})
    signal, into = _locked(signal), _locked(into)
    if into.status in (SignalStatus.MERGED, SignalStatus.DISMISSED):
        raise StateConflict(_("Merge into a signal that is still open or promoted."), {"into": ["not open"]})
    _move(signal, SignalStatus.MERGED)
    signal.merged_into = into
    signal.save(update_fields=["status", "merged_into", "updated_at"])
    events.signal_merged(signal=signal, actor=actor, into_id=into.pk)
    signal_outcome_tell(signal=signal)
    return signal


def signal_mark_promoted(*, signal: Signal, actor, initiative_id: int) -> Signal:
    """Called by initiative_create_from_signals inside its transaction."""
    signal = _locked(signal)
    _move(signal, SignalStatus.PROMOTED)
    signal.save(update_fields=["status", "updated_at"])
    events.signal_promoted(signal=signal, actor=actor, initiative_id=initiative_id)
    return signal


@transaction.atomic
def signals_from_obstacles(*, since: datetime | None = None) -> int:
    """Turn escalated huddle obstacles into signals of kind "obstacle" (one per obstacle, by key).

    Reads innerloop.huddles.selectors.obstacles_escalated and marks what it took as picked up.
    """
    try:
        from innerloop.huddles.selectors import obstacles_escalated
        from innerloop.huddles.services import obstacles_mark_picked_up
    except ImportError:  # the huddles package is optional for this layer
        return 0
    obstacles = list(obstacles_escalated(since=since))
    keys = {f"obstacle:{o.pk}" for o in obstacles}
    known = set(Signal.objects.filter(key__in=keys).values_list("key", flat=True))
    new = [
        Signal(
            key=f"obstacle:{o.pk}",
            kind=SignalKind.OBSTACLE,
            title=f"Obstacle ({o.team}): {o.text}"[:200],
            rising=True,
            recent_count=1,
            teams=1,
            departments=1,
            department_ids=[o.team.department_id],
            raised_by=o.escalated_by or o.raised_by,
            window_start=o.escalated_at,
            window_end=o.escalated_at,
        )
        for o in obstacles
        if f"obstacle:{o.pk}" not in known
    ]
    Signal.objects.bulk_create(new, ignore_conflicts=True)
    # Told to other systems (cxloop.outbound); read back, as ignore_conflicts leaves the ids unset.
    raised = Signal.objects.filter(key__in=[signal.key for signal in new]) if new else []
    events_emit(type=EventType.SIGNAL_RAISED, payloads=[signal_payload(signal) for signal in raised])
    obstacles_mark_picked_up(obstacle_ids=[o.pk for o in obstacles])
    return len(new)
