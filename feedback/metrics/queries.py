"""SQL aggregation of the metric counts, from the rollup (fast) or from feedback_feedback (the reference).

Both paths answer the same question with the same additive counts, scoped by the same team rule
(`cxloop.org.scoping.team_filter`): the raw path starts from `feedback_visible_to`, the rollup
path applies `scope_queryset` to rollup rows, whose team is the feedback's team. A day is the UTC
date of `occurred_at`; a window is [date_from, date_to).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, F, Func, Q, QuerySet, Sum, Value
from django.db.models.fields import DateField
from django.db.models.functions import Coalesce

from cxloop.org.models import Team
from cxloop.org.scoping import scope_queryset
from feedback.models import JourneyStage, Source, SourceKind, Touchpoint
from feedback.models.metrics import FeedbackDailyRollup, FeedbackPeriodRollup, FeedbackRollupPending
from feedback.selectors import feedback_visible_to

TIME_DIMENSIONS = ("week", "month")
DIMENSIONS = ("week", "month", "touchpoint", "journey_stage", "channel", "segment", "team")


class Counts(NamedTuple):
    """The additive counts every metric is computed from (what a rollup row holds).

    Named tuples, not dataclasses, here and in Group: a report builds thousands of them, and a
    frozen dataclass costs several times more to create.
    """

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


COUNTERS = Counts._fields
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
    # On FeedbackPeriodRollup rows of this dimension's own grain, the bucket is the row's `start`.
    period_key: object = None

    def key(self, source: str):
        if source == "raw":
            return self.raw_key
        if source == "period" and self.period_key is not None:
            return self.period_key
        return self.rollup_key


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
        _DayTrunc(F("day"), kind="week"),
        _DayTrunc(F("occurred_at"), kind="week", moment=True),
        period_key=F("start"),
    ),
    "month": Dimension(
        _DayTrunc(F("day"), kind="month"),
        _DayTrunc(F("occurred_at"), kind="month", moment=True),
        period_key=F("start"),
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


class Group(NamedTuple):
    """One group: its key (dates, ids, values), the key shown and its labels, the counts.

    `shown` and `labels` map each group_by dimension to the value's slug (or date, or value) and
    its name: the contract's `group` and `labels` objects as they are.
    """

    key: tuple
    shown: dict
    labels: dict
    counts: Counts


def utc_start(day: date) -> datetime:
    """The first moment of `day` in UTC: the rollup's days are UTC dates of occurred_at."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _rollup_rows(
    model, *, user, scale: str, date_from: date, date_to: date, filters: Filters, grain: str | None = None
) -> QuerySet:
    """Rollup rows of the window: daily (or pending) rows by day, period rows of `grain` by start."""
    if grain is None:
        rows = model.objects.filter(scale=scale, day__gte=date_from, day__lt=date_to)
    else:
        rows = model.objects.filter(grain=grain, scale=scale, start__gte=date_from, start__lt=date_to)
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
        scale=scale,
        score__isnull=False,
        occurred_at__gte=utc_start(date_from),
        occurred_at__lt=utc_start(date_to),
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


# What each scale's metric reads (NPS its three groups, CSAT the satisfied, CES the score sums).
USED_COUNTERS = {
    "nps": ("n", "promoters", "passives", "detractors"),
    "csat": ("n", "satisfied"),
    "ces": ("n", "score_sum", "score_sq_sum"),
}
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


def _key_columns(group_by: tuple[str, ...], source: str) -> dict:
    return {f"key_{i}": DIMENSION_SPECS[name].key(source) for i, name in enumerate(group_by)}


def _cells_sql(rows: QuerySet, *, group_by: tuple[str, ...], source: str, used: tuple[str, ...]) -> tuple:
    """The SQL of one rollup part of a report: each cell's group key and counters, not yet summed.

    The statement that unites the parts sums them once (one aggregation, not one per part).
    """
    return (
        rows.order_by()
        .values(**_key_columns(group_by, source))
        .values_list(*(f"key_{i}" for i in range(len(group_by))), *used)
        .query.sql_with_params()
    )


def _grouped_sql(rows: QuerySet, *, group_by: tuple[str, ...], source: str, aggregates: dict) -> tuple:
    """The SQL of the raw part: feedback rows counted per group key (key_0, ... then counters)."""
    # Without group_by, one constant key: PostgreSQL then counts the whole part in one row.
    keys = _key_columns(group_by, source) or {"whole": Value(1)}
    grouped = rows.order_by().values(**keys).annotate(**aggregates).values_list(*keys, *aggregates)
    return grouped.query.sql_with_params()


def _counted(parts: list[tuple], *, group_by: tuple[str, ...], used: tuple[str, ...]) -> dict[tuple, tuple]:
    """Counters per group key (ids, dates, values; None for none), over every part, in one statement.

    The parts (whole periods, the days at the edges, this transaction's pending rows) are summed
    by PostgreSQL: one round trip, and nothing added up in Python. Read with a plain cursor: a
    report can have thousands of groups, and the ORM's per-row converters would cost more than
    the query. Counters the metric does not use come back as 0 without being summed.
    """
    width = len(group_by)
    keys = [f'"key_{i}"' for i in range(width)]
    # Cast: PostgreSQL sums bigints as numeric, which would arrive as Decimal.
    sums = [f'COALESCE(SUM("{name}"), 0)::bigint' if name in used else "0" for name in COUNTERS]
    sql = " UNION ALL ".join(f"({part_sql})" for part_sql, _ in parts)
    # Only column names and the ORM's own SQL are put together here; every value is a parameter.
    sql = f"SELECT {', '.join(keys + sums)} FROM ({sql}) AS parts"  # noqa: S608
    if width:
        sql += f" GROUP BY {', '.join(keys)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _, params in parts for param in params])
        found = cursor.fetchall()
    if "segment" not in group_by:
        return {row[:width]: row[width:] for row in found}
    # No segment is stored as "", and shown as none.
    return {tuple(None if value == "" else value for value in row[:width]): row[width:] for row in found}


def _for_scale(aggregates: dict, scale: str) -> dict:
    """Only the counters `scale`'s metric is computed from."""
    used = USED_COUNTERS[scale]
    return {name: expression for name, expression in aggregates.items() if name in used}


def _named(found: dict[tuple, tuple], *, group_by: tuple[str, ...]) -> list[Group]:
    """Groups with their slugs, labels and display order; groups with no responses are left out.

    Written for speed: it runs once per group, and a report can have thousands. Groups are put
    in order by one integer each (the ranks of their values), then built in that order.
    """
    found = {key: counters for key, counters in found.items() if counters[0]}
    # key value -> (shown, label, rank) per dimension: the rank is the value's place in display
    # order; None sorts last.
    names = []
    for i, dimension in enumerate(group_by):
        named = _names(dimension, {key[i] for key in found} - {None})
        in_order = sorted(named, key=lambda value: (named[value][2], str(named[value][0])))
        entries = {value: (named[value][0], named[value][1], rank) for rank, value in enumerate(in_order)}
        entries[None] = (None, None, len(entries))
        names.append(entries)

    def rank(key: tuple) -> int:
        place = 0
        for entries, value in zip(names, key, strict=True):
            place = place * len(entries) + entries[value][2]
        return place

    counts = partial(tuple.__new__, Counts)  # the row is already a tuple of the counters
    if len(group_by) == 1:
        ((dimension,), (first,)) = group_by, names
        ordered = sorted(found, key=lambda key: first[key[0]][2])
        return [
            Group(key, {dimension: entry[0]}, {dimension: entry[1]}, counts(found[key]))
            for key in ordered
            for entry in (first[key[0]],)
        ]
    if len(group_by) == 2:
        ((one_name, two_name), (first, second)) = group_by, names
        size = len(second)
        ordered = sorted(found, key=lambda key: first[key[0]][2] * size + second[key[1]][2])
        return [
            Group(
                key,
                {one_name: one[0], two_name: two[0]},
                {one_name: one[1], two_name: two[1]},
                counts(found[key]),
            )
            for key in ordered
            for one, two in ((first[key[0]], second[key[1]]),)
        ]
    groups = []
    for key in sorted(found, key=rank):
        entries = [names[i][value] for i, value in enumerate(key)]
        shown = {dimension: entry[0] for dimension, entry in zip(group_by, entries, strict=True)}
        labels = {dimension: entry[1] for dimension, entry in zip(group_by, entries, strict=True)}
        groups.append(Group(key, shown, labels, counts(found[key])))
    return groups


def _grain_for(group_by: tuple[str, ...]) -> str | None:
    """The period table that can answer this grouping: its own time bucket, months without one."""
    times = [name for name in group_by if name in TIME_DIMENSIONS]
    if len(times) > 1:
        return None
    return times[0] if times else "month"


def bucket_start(day: date, grain: str) -> date:
    """The Monday of the week or the first of the month `day` lies in."""
    return day - timedelta(days=day.weekday()) if grain == "week" else day.replace(day=1)


def next_bucket(start: date, grain: str) -> date:
    return start + timedelta(days=7) if grain == "week" else (start + timedelta(days=32)).replace(day=1)


def _split(date_from: date, date_to: date, grain: str | None) -> tuple[list[tuple[date, date]], tuple | None]:
    """[date_from, date_to) as the days at its edges and the whole weeks or months between them."""
    if grain is None:
        return [(date_from, date_to)], None
    first = bucket_start(date_from, grain)
    if first < date_from:
        first = next_bucket(first, grain)
    last = bucket_start(date_to, grain)
    if first >= last:
        return [(date_from, date_to)], None
    edges = [(start, end) for start, end in ((date_from, first), (last, date_to)) if start < end]
    return edges, (first, last)


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

    From the rollup: whole weeks or months of the window from the period table, the days at its
    edges from the daily table, and this transaction's own changes not yet folded in (other
    sessions never see any). `from_rollup=False` aggregates feedback_feedback instead: the
    reference the rollup must match.
    """
    query = {"user": user, "scale": scale, "filters": filters}
    used = USED_COUNTERS[scale]
    if not from_rollup:
        rows = _feedback_rows(**query, date_from=date_from, date_to=date_to)
        part = _grouped_sql(rows, group_by=group_by, source="raw", aggregates=_for_scale(RAW_COUNTS, scale))
        return _named(_counted([part], group_by=group_by, used=used), group_by=group_by)
    grain = _grain_for(group_by)
    edges, whole = _split(date_from, date_to, grain)
    parts = []
    if whole is not None:
        rows = _rollup_rows(FeedbackPeriodRollup, **query, date_from=whole[0], date_to=whole[1], grain=grain)
        parts.append(_cells_sql(rows, group_by=group_by, source="period", used=used))
    for start, end in edges:
        rows = _rollup_rows(FeedbackDailyRollup, **query, date_from=start, date_to=end)
        parts.append(_cells_sql(rows, group_by=group_by, source="daily", used=used))
    # In autocommit every earlier statement has committed, so nothing of ours can be pending.
    if connection.in_atomic_block:
        rows = _rollup_rows(FeedbackRollupPending, **query, date_from=date_from, date_to=date_to)
        parts.append(_cells_sql(rows, group_by=group_by, source="daily", used=used))
    return _named(_counted(parts, group_by=group_by, used=used), group_by=group_by)
