"""SQL aggregation of the metric counts, from the rollup (fast) or from feedback_feedback (the reference).

Both paths answer the same question with the same additive counts, scoped by the same team rule
(`cxloop.org.scoping.team_filter`): the raw path starts from `feedback_visible_to`, the rollup
path applies `scope_queryset` to rollup rows, whose team is the feedback's team. A day is the UTC
date of `occurred_at`; a window is [date_from, date_to).
"""

from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time

from django.db import connection
from django.db.models import Count, F, Func, Q, QuerySet, Sum, Value
from django.db.models.fields import DateField
from django.db.models.functions import Coalesce

from cxloop.org.models import Team
from cxloop.org.scoping import scope_queryset
from feedback.models import JourneyStage, Source, SourceKind, Touchpoint
from feedback.selectors import feedback_visible_to

from .models import FeedbackDailyRollup, FeedbackRollupPending

TIME_DIMENSIONS = ("week", "month")
DIMENSIONS = ("week", "month", "touchpoint", "journey_stage", "channel", "segment", "team")


@dataclass(frozen=True)
class Counts:
    """The additive counts every metric is computed from (what a rollup row holds)."""

    n: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    satisfied: int = 0
    score_sum: int = 0
    score_sq_sum: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            self.n + other.n,
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
            self.satisfied + other.satisfied,
            self.score_sum + other.score_sum,
            self.score_sq_sum + other.score_sq_sum,
        )


COUNTERS = tuple(f.name for f in fields(Counts))
EMPTY = Counts()


@dataclass(frozen=True)
class Filters:
    """Narrowing of a metric query; every one is a rollup dimension."""

    source: Source | None = None
    touchpoint: Touchpoint | None = None
    journey_stage: JourneyStage | None = None
    team: Team | None = None
    segment: str | None = None
    channel: str | None = None  # a source kind


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Dimension:
    """How one group_by value reads on each path, and where its slugs and names come from.

    Groups are formed on ids (no join per rollup row); a model's slugs and names are then read
    in one small query for the ids found.
    """

    rollup_key: object
    raw_key: object
    model: type | None = None
    order: str = "name"


class _DayTrunc(Func):
    """DATE_TRUNC to a date: the first day of the week (Monday) or month of a date, or of a UTC moment.

    Cast back to a date in SQL, so rows arrive as dates with no per-row conversion in Python.
    """

    output_field = DateField()

    def __init__(self, expression, *, kind: str, moment: bool = False):
        if kind not in ("week", "month"):  # part of the SQL text: never anything else
            raise ValueError(kind)
        day = "(%(expressions)s AT TIME ZONE 'UTC')" if moment else "%(expressions)s::timestamp"
        super().__init__(expression, template=f"DATE_TRUNC('{kind}', {day})::date")


DIMENSION_SPECS = {
    "week": Dimension(
        _DayTrunc(F("day"), kind="week"), _DayTrunc(F("occurred_at"), kind="week", moment=True)
    ),
    "month": Dimension(
        _DayTrunc(F("day"), kind="month"), _DayTrunc(F("occurred_at"), kind="month", moment=True)
    ),
    "touchpoint": Dimension(F("touchpoint_id"), F("touchpoint_id"), model=Touchpoint),
    "journey_stage": Dimension(
        F("journey_stage_id"), F("journey_stage_id"), model=JourneyStage, order="position"
    ),
    "channel": Dimension(F("source__kind"), F("source__kind")),
    "segment": Dimension(F("segment"), Coalesce(F("customer__segment"), Value(""))),
    "team": Dimension(F("team_id"), F("team_id"), model=Team),
}
CHANNEL_LABELS = dict(SourceKind.choices)


@dataclass(frozen=True)
class Group:
    """One group: its key (dates, ids, values), the key shown (slugs), labels, a sort key, the counts."""

    key: tuple
    shown: tuple
    labels: tuple
    sort: tuple
    counts: Counts


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _rollup_rows(model, *, user, scale: str, date_from: date, date_to: date, filters: Filters) -> QuerySet:
    rows = model.objects.filter(scale=scale, day__gte=date_from, day__lt=date_to)
    rows = scope_queryset(rows, user)
    narrowing = {
        name: getattr(filters, name)
        for name in ("source", "touchpoint", "journey_stage", "team", "segment")
        if getattr(filters, name) is not None
    }
    if filters.channel is not None:
        narrowing["source__kind"] = filters.channel
    return rows.filter(**narrowing)


def _feedback_rows(*, user, scale: str, date_from: date, date_to: date, filters: Filters) -> QuerySet:
    rows = feedback_visible_to(user=user).filter(
        scale=scale, score__isnull=False, occurred_at__gte=_start(date_from), occurred_at__lt=_start(date_to)
    )
    narrowing = {
        name: getattr(filters, name)
        for name in ("source", "touchpoint", "journey_stage", "team")
        if getattr(filters, name) is not None
    }
    rows = rows.filter(**narrowing)
    if filters.segment is not None:
        rows = rows.filter(customer__segment=filters.segment)
    if filters.channel is not None:
        rows = rows.filter(source__kind=filters.channel)
    return rows


ROLLUP_SUMS = {name: Sum(name) for name in COUNTERS}
RAW_COUNTS = {
    "n": Count("id"),
    "promoters": Count("id", filter=Q(scale="nps", score__gte=9)),
    "passives": Count("id", filter=Q(scale="nps", score__gte=7, score__lte=8)),
    "detractors": Count("id", filter=Q(scale="nps", score__lte=6)),
    "satisfied": Count("id", filter=Q(scale="csat", score__gte=4)),
    "score_sum": Sum("score"),
    "score_sq_sum": Sum(F("score") * F("score")),
}


def _names(dimension: str, keys: set) -> dict:
    """key -> (key shown, label, sort value) for the keys of one dimension."""
    spec = DIMENSION_SPECS[dimension]
    if spec.model is not None:
        rows = spec.model.objects.filter(pk__in=keys).values_list("pk", "slug", "name", spec.order)
        return {pk: (slug, name, order) for pk, slug, name, order in rows}
    if dimension == "channel":
        return {key: (key, CHANNEL_LABELS.get(key, key), CHANNEL_LABELS.get(key, key)) for key in keys}
    shown = {key: key.isoformat() if isinstance(key, date) else key for key in keys}
    return {key: (shown[key], shown[key], shown[key]) for key in keys}


def _grouped(rows: QuerySet, *, group_by: tuple[str, ...], raw: bool, aggregates: dict) -> list[Group]:
    if not group_by:
        total = rows.aggregate(**aggregates)
        counts = Counts(*(total[name] or 0 for name in COUNTERS))
        return [Group((), (), (), (), counts)] if counts != EMPTY else []
    keys = {
        f"key_{i}": DIMENSION_SPECS[name].raw_key if raw else DIMENSION_SPECS[name].rollup_key
        for i, name in enumerate(group_by)
    }
    found = []
    grouped = rows.order_by().values(**keys).annotate(**aggregates).values_list(*keys, *aggregates)
    for row in grouped:
        counts = Counts(*(value or 0 for value in row[len(keys) :]))
        if counts != EMPTY:
            found.append((tuple(None if key == "" else key for key in row[: len(keys)]), counts))
    names = [_names(dimension, {key[i] for key, _ in found} - {None}) for i, dimension in enumerate(group_by)]
    result = []
    for key, counts in found:
        entries = [
            names[i][value] if value is not None else (None, None, None) for i, value in enumerate(key)
        ]
        shown, labels, order = zip(*entries, strict=True)
        # None sorts last; a stage by its position, anything else by its label.
        sort = tuple(
            (value is None, rank if value is not None else 0) for value, rank in zip(key, order, strict=True)
        )
        result.append(Group(key, shown, labels, sort, counts))
    return sorted(result, key=lambda group: group.sort)


def metric_groups(
    *,
    user,
    scale: str,
    date_from: date,
    date_to: date,
    group_by: tuple[str, ...] = (),
    filters: Filters = NO_FILTERS,
    from_rollup: bool = True,
) -> list[Group]:
    """The counts of `scale` in [date_from, date_to) per group, in display order.

    `from_rollup=False` aggregates feedback_feedback instead: the reference the rollup must match.
    """
    window = {"user": user, "scale": scale, "date_from": date_from, "date_to": date_to, "filters": filters}
    if not from_rollup:
        rows = _feedback_rows(**window)
        return _grouped(rows, group_by=group_by, raw=True, aggregates=RAW_COUNTS)
    groups = {
        group.key: group
        for group in _grouped(
            _rollup_rows(FeedbackDailyRollup, **window), group_by=group_by, raw=False, aggregates=ROLLUP_SUMS
        )
    }
    if not connection.in_atomic_block:
        # Autocommit: every earlier statement has committed, so nothing of ours is pending.
        return list(groups.values())
    # Changes of this transaction not yet folded in (other sessions never see any).
    pending = _grouped(
        _rollup_rows(FeedbackRollupPending, **window), group_by=group_by, raw=False, aggregates=ROLLUP_SUMS
    )
    for change in pending:
        known = groups.get(change.key)
        groups[change.key] = replace(known, counts=known.counts + change.counts) if known else change
    return sorted((group for group in groups.values() if group.counts.n), key=lambda group: group.sort)
