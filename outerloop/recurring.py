"""Resolved but recurring: root causes whose cases are closed as resolved while the cause keeps rising.

"Keeps rising" is the last detection run's verdict (outerloop.services.detection), not a figure of
its own: a root cause rises when one of its signals (category x journey stage) has `rising` set,
i.e. its share of feedback in the 28-day window is at least 1.5 times what the 84-day baseline
predicts, on at least 8 mentions, with a Benjamini-Hochberg q-value at most the false-discovery
rate. The window is the signal's own (`window_start` to `window_end`).

For each rising root cause and each department whose teams hold cases coded with it, opened in
that window: n = those cases, k = the ones whose status is resolved or closed, and the share k / n
with its 95 % Wilson interval. A high share beside a rising rate is the false comfort of closing
cases one by one while the cause grows. Departments with fewer than `low_sample_n()` cases are
flagged. Rows are scoped to the teams the user may see.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, Q, Sum

from cxloop.core.stats import Interval, wilson_interval
from cxloop.org.scoping import team_filter
from feedback.metrics.figures import is_low_sample
from feedback.models import Category
from innerloop.models import Case, CaseStatus

from .models import Signal, SignalKind

RESOLVED_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


@dataclass(frozen=True)
class Share:
    """k of n (here: cases closed as resolved), with the 95 % Wilson interval of the share (0..1)."""

    k: int
    n: int
    interval: Interval | None
    low_sample: bool

    @property
    def share(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def percent(self) -> float | None:
        return None if self.share is None else 100 * self.share

    @property
    def percent_low(self) -> float | None:
        return None if self.interval is None else 100 * self.interval.low

    @property
    def percent_high(self) -> float | None:
        return None if self.interval is None else 100 * self.interval.high


def share_of(*, k: int, n: int) -> Share:
    """k of n with its Wilson interval and the small-sample flag (fewer than low_sample_n())."""
    return Share(k=k, n=n, interval=wilson_interval(successes=k, n=n), low_sample=is_low_sample(n))


@dataclass(frozen=True)
class DepartmentRow:
    department_id: int
    department: str
    share: Share


@dataclass(frozen=True)
class RecurringCause:
    """One rising root cause: how fast it rises, and how its cases were closed, overall and by department."""

    category_id: int
    category: str
    rate_ratio: float | None
    q_value: float | None
    recent_count: int
    window_start: datetime
    window_end: datetime
    overall: Share
    departments: list[DepartmentRow]


@dataclass(frozen=True)
class _Rise:
    ratio: float | None
    q_value: float | None
    recent: int
    start: datetime
    end: datetime


def _rises() -> dict[int, _Rise]:
    """Per category, its rising signals folded together (one query): the strongest ratio, the
    smallest q-value, the recent mentions summed, the widest window (one run shares one window)."""
    rows = (
        Signal.objects.filter(
            kind=SignalKind.ROOT_CAUSE,
            rising=True,
            category__isnull=False,
            window_start__isnull=False,
            window_end__isnull=False,
        )
        .values("category_id")
        .annotate(
            ratio=Max("rate_ratio"),
            q=Min("q_value"),
            start=Min("window_start"),
            end=Max("window_end"),
            recent=Sum("recent_count"),
        )
        .order_by()
    )
    return {
        row["category_id"]: _Rise(
            ratio=row["ratio"],
            q_value=row["q"],
            recent=row["recent"] or 0,
            start=row["start"],
            end=row["end"],
        )
        for row in rows
    }


def _case_counts(*, user, rises: dict[int, _Rise]) -> list[dict]:
    """Per rising root cause and department: its cases opened in the cause's window, and how many of
    them are resolved or closed (one aggregate query, scoped to the user's teams)."""
    in_window = Q(pk__in=[])
    for category_id, rise in rises.items():
        in_window |= Q(root_cause_id=category_id, created_at__gte=rise.start, created_at__lt=rise.end)
    return list(
        Case.objects.filter(in_window)
        .filter(team_filter(user))
        .values("root_cause_id", "team__department_id", "team__department__name")
        .annotate(cases=Count("id"), resolved=Count("id", filter=Q(status__in=RESOLVED_STATUSES)))
        .order_by("root_cause_id", "team__department__name")
    )


def resolved_but_recurring(*, user) -> list[RecurringCause]:
    """Every rising root cause with its cases' resolved share, overall and by department, most
    falsely comforting first (highest share resolved). Three queries, whatever the number of causes."""
    rises = _rises()
    if not rises:
        return []
    counts = _case_counts(user=user, rises=rises)
    names = {c.pk: str(c) for c in Category.objects.filter(pk__in=rises).select_related("parent")}
    by_cause: dict[int, list[dict]] = {}
    for row in counts:
        by_cause.setdefault(row["root_cause_id"], []).append(row)
    causes = []
    for category_id, rows in by_cause.items():
        rise = rises[category_id]
        causes.append(
            RecurringCause(
                category_id=category_id,
                category=names.get(category_id, ""),
                rate_ratio=rise.ratio,
                q_value=rise.q_value,
                recent_count=rise.recent,
                window_start=rise.start,
                window_end=rise.end,
                overall=share_of(k=sum(r["resolved"] for r in rows), n=sum(r["cases"] for r in rows)),
                departments=[
                    DepartmentRow(
                        department_id=r["team__department_id"],
                        department=r["team__department__name"],
                        share=share_of(k=r["resolved"], n=r["cases"]),
                    )
                    for r in rows
                ],
            )
        )
    return sorted(causes, key=lambda c: (-(c.overall.share or 0), -c.overall.n, c.category))
