"""SQL aggregation of the metric counts, from the rollup (fast) or from feedback_feedback (the reference).

Both paths answer the same question with the same additive counts, scoped by the same team rule
(`cxloop.org.scoping.team_filter`): the raw path starts from `feedback_visible_to`, the rollup
path applies `scope_queryset` to rollup rows, whose team is the feedback's team. A day is the UTC
date of `occurred_at`; a window is [date_from, date_to).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import QuerySet, Value

from cxloop.org.models import Department, Team
from cxloop.org.scoping import scope_queryset
from feedback.models import JourneyStage, Source, Touchpoint, employee_sources
from feedback.models.metrics import FeedbackDailyRollup, FeedbackPeriodRollup, FeedbackRollupPending
from feedback.selectors import feedback_visible_to

from .counts import COUNTERS, RAW_COUNTS, USED_COUNTERS
from .dimensions import TIME_DIMENSIONS, Group, key_columns, named_groups


@dataclass(frozen=True)
class Filters:
    """Narrowing of a metric query; every one is a rollup dimension."""

    source: Source | None = None
    touchpoint: Touchpoint | None = None
    journey_stage: JourneyStage | None = None
    team: Team | None = None
    segment: str | None = None
    channel: str | None = None  # a source kind
    department: Department | None = None  # its teams' feedback (the rollup's team, joined)


NO_FILTERS = Filters()


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
    # Customer metrics: the employee channel's scores (an employee survey's eNPS) are not customers'.
    rows = scope_queryset(rows, user).exclude(source__in=employee_sources())
    narrowing = {
        name: getattr(filters, name)
        for name in ("source", "touchpoint", "journey_stage", "team", "segment")
        if getattr(filters, name) is not None
    }
    if filters.channel is not None:
        narrowing["source__kind"] = filters.channel
    if filters.department is not None:
        narrowing["team__department"] = filters.department
    return rows.filter(**narrowing)


def _feedback_rows(*, user, scale: str, date_from: date, date_to: date, filters: Filters) -> QuerySet:
    # Customer metrics, as on the rollup path: employees' scores (eNPS) are not customers'.
    customers = feedback_visible_to(user=user).exclude(source__in=employee_sources())
    rows = customers.filter(
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
    if filters.department is not None:
        rows = rows.filter(team__department=filters.department)
    return rows


def _cells_sql(rows: QuerySet, *, group_by: tuple[str, ...], source: str, used: tuple[str, ...]) -> tuple:
    """The SQL of one rollup part of a report: each cell's group key and counters, not yet summed.

    The statement that unites the parts sums them once (one aggregation, not one per part).
    """
    return (
        rows.order_by()
        .values(**key_columns(group_by, source))
        .values_list(*(f"key_{i}" for i in range(len(group_by))), *used)
        .query.sql_with_params()
    )


def _grouped_sql(rows: QuerySet, *, group_by: tuple[str, ...], source: str, aggregates: dict) -> tuple:
    """The SQL of the raw part: feedback rows counted per group key (key_0, ... then counters)."""
    # Without group_by, one constant key: PostgreSQL then counts the whole part in one row.
    keys = key_columns(group_by, source) or {"whole": Value(1)}
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
        return named_groups(_counted([part], group_by=group_by, used=used), group_by=group_by)
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
    return named_groups(_counted(parts, group_by=group_by, used=used), group_by=group_by)
