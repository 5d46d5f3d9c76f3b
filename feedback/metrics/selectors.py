"""Metric reports: NPS, CSAT or CES per group with intervals, optionally against the previous period.

What "previous" means (compare=previous):
- the overall figure, and groups that are not time buckets (touchpoint, channel, ...), compare with
  the window of equal length just before `from`: [from - (to - from), from), group by group;
- week and month buckets compare with the full calendar week or month before each bucket (week on
  week, month on month); the bucket before the first one lies before `from` and is read too.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from .counts import EMPTY, Counts
from .dimensions import TIME_DIMENSIONS, Group
from .figures import METRICS, Metric, low_sample_n, rounded
from .queries import NO_FILTERS, Filters, bucket_start, metric_groups, next_bucket


def bucket_before(start: date, unit: str) -> date:
    return start - timedelta(days=7) if unit == "week" else (start - timedelta(days=1)).replace(day=1)


def _total(groups: list[Group]) -> Counts:
    return Counts(*map(sum, zip(*(group.counts for group in groups), strict=True))) if groups else EMPTY


def _by_key(groups: list[Group]) -> dict[tuple, Counts]:
    merged: dict[tuple, Counts] = defaultdict(Counts)
    for group in groups:
        merged[group.key] += group.counts
    return merged


def _comparison_fields(metric: Metric, current: Counts, previous: Counts, *, low_n: int) -> dict:
    comparison = metric.comparison(current, previous)
    return {
        "previous": metric.summary(previous, low_n=low_n),
        "difference": rounded(comparison.difference),
        "difference_ci_low": rounded(comparison.ci.low) if comparison.ci else None,
        "difference_ci_high": rounded(comparison.ci.high) if comparison.ci else None,
        "p_value": comparison.p_value,
    }


def _same_key(before: list[Group]):
    """Previous counts for groups that are not time buckets: the same key in the previous window."""
    previous = _by_key(before)

    def previous_of(key: tuple) -> Counts:
        return previous.get(key, EMPTY)

    return previous_of


def _week_on_week(*, groups: list[Group], before: list[Group], time_index: int, unit: str):
    """Previous counts for time buckets: each key's calendar bucket before it, read whole."""
    # Current buckets plus the part just before `from`, summed per key: whole calendar buckets.
    merged = _by_key(groups + before)

    def previous_of(key: tuple) -> Counts:
        shifted = (*key[:time_index], bucket_before(key[time_index], unit), *key[time_index + 1 :])
        return merged.get(shifted, EMPTY)

    return previous_of


def _every_bucket(groups: list[Group], *, unit: str, date_from: date, date_to: date) -> list[Group]:
    """A time series with no holes: buckets without responses are there with n = 0."""
    found = {group.key: group for group in groups}
    series, start = [], bucket_start(date_from, unit)
    while start < date_to:
        label = start.isoformat()
        series.append(found.get((start,), Group((start,), {unit: label}, {unit: label}, EMPTY)))
        start = next_bucket(start, unit)
    return series


def metric_report(
    *,
    user,
    metric: str,
    date_from: date,
    date_to: date,
    group_by: tuple[str, ...] = (),
    filters: Filters = NO_FILTERS,
    compare: str | None = None,
    from_rollup: bool = True,
) -> dict:
    """The contract's answer for one metric: per group counts, score, 95 % interval, low_sample flag.

    Scoped to what `user` may see. Read from the rollup unless `from_rollup` is False (the raw path,
    kept as the reference). The overall figure is the sum of the groups' counts (no second query).
    Without group_by the one result is the whole window; grouped by week or month alone, every
    bucket of the window is listed, with n = 0 where nobody answered; other groupings list the
    groups that have responses.
    """
    spec = METRICS[metric]
    low_n = low_sample_n()
    query = {"user": user, "scale": spec.scale, "filters": filters, "from_rollup": from_rollup}
    groups = metric_groups(date_from=date_from, date_to=date_to, group_by=group_by, **query)
    overall = _total(groups)
    if not group_by:
        groups = [Group((), {}, {}, overall)]  # the whole window is the one group, even when empty
    elif len(group_by) == 1 and group_by[0] in TIME_DIMENSIONS:
        groups = _every_bucket(groups, unit=group_by[0], date_from=date_from, date_to=date_to)
    summary = spec.summary
    results = [
        {"group": group.shown, "labels": group.labels, **summary(group.counts, low_n=low_n)}
        for group in groups
    ]
    report = {
        "metric": metric,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "group_by": list(group_by),
        "compare": compare,
        "low_sample_n": low_n,
        "overall": spec.summary(overall, low_n=low_n),
        "results": results,
    }
    if compare == "previous":
        window = Window(date_from, date_to, group_by, query)
        _compare_previous(report, spec=spec, window=window, groups=groups, overall=overall, low_n=low_n)
    return report


@dataclass(frozen=True)
class Window:
    """What a report read: its window, its grouping, and the query arguments of metric_groups."""

    date_from: date
    date_to: date
    group_by: tuple[str, ...]
    query: dict


def _compare_previous(
    report: dict, *, spec: Metric, window: Window, groups: list[Group], overall: Counts, low_n: int
) -> None:
    """Add to `report` (in place) each figure's previous one, the difference and its p-value."""
    date_from, group_by, query = window.date_from, window.group_by, window.query
    length = window.date_to - date_from
    report["previous_from"] = (date_from - length).isoformat()
    report["previous_to"] = date_from.isoformat()
    time_index = next((i for i, name in enumerate(group_by) if name in TIME_DIMENSIONS), None)
    # Without time buckets, the previous window grouped the same way also gives its overall.
    before = metric_groups(
        date_from=date_from - length,
        date_to=date_from,
        group_by=group_by if time_index is None else (),
        **query,
    )
    overall_before = _total(before)
    report["overall"].update(_comparison_fields(spec, overall, overall_before, low_n=low_n))
    if time_index is None:
        previous_of = _same_key(before)
    else:
        unit = group_by[time_index]
        prior = metric_groups(
            date_from=bucket_before(bucket_start(date_from, unit), unit),
            date_to=date_from,
            group_by=group_by,
            **query,
        )
        previous_of = _week_on_week(groups=groups, before=prior, time_index=time_index, unit=unit)
    for group, row in zip(groups, report["results"], strict=True):
        row.update(_comparison_fields(spec, group.counts, previous_of(group.key), low_n=low_n))
