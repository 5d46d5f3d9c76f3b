"""The figures of a metric from its counts: score, 95 % interval and small-sample flag, and the
difference between two periods. Every NPS, CSAT and CES the project shows is computed here.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from cxloop.core import stats
from feedback import scales
from feedback.models import employee_sources

from .counts import Counts

# The one small-sample threshold: below this many responses a figure is flagged `low_sample`.
DEFAULT_LOW_SAMPLE_N = 30


def low_sample_n() -> int:
    """Below this many responses a figure is flagged `low_sample` (setting CXLOOP_LOW_SAMPLE_N)."""
    return getattr(settings, "CXLOOP_LOW_SAMPLE_N", DEFAULT_LOW_SAMPLE_N)


def is_low_sample(n: int) -> bool:
    """Whether `n` responses are too few to read a figure without care."""
    return n < low_sample_n()


# A difference is called real (significant) below this p-value, and only when no sample is small.
SIGNIFICANCE = 0.05


def is_real_change(p_value: float | None, *sample_sizes: int) -> bool:
    """Whether a difference may be called real: the test says so (p < SIGNIFICANCE) and none of the
    samples compared is small. Every "real change" the project shows is decided here, so a figure
    flagged "small sample" is never called real beside it."""
    if p_value is None or p_value >= SIGNIFICANCE or not sample_sizes:
        return False
    return not any(is_low_sample(n) for n in sample_sizes)


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _interval(interval: stats.Interval | None) -> dict:
    return {
        "ci_low": rounded(interval.low) if interval else None,
        "ci_high": rounded(interval.high) if interval else None,
    }


def nps_summary(counts: Counts, *, low_n: int) -> dict:
    """The NPS fields of the contract for one group (called per group: thousands per report)."""
    n, promoters, passives, detractors = counts[:4]
    figures = stats.nps_figures(promoters, passives, detractors)
    if figures is None:
        point = low = high = None
    else:
        point, low, high = round(figures[0], 2), round(figures[1], 2), round(figures[2], 2)
    return {
        "n": n,
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "nps": point,
        "ci_low": low,
        "ci_high": high,
        "low_sample": n < low_n,
    }


def csat_summary(counts: Counts, *, low_n: int) -> dict:
    return {
        "n": counts.n,
        "satisfied": counts.satisfied,
        "pct_satisfied": rounded(stats.csat_percent(satisfied=counts.satisfied, n=counts.n)),
        **_interval(stats.csat_interval(satisfied=counts.satisfied, n=counts.n)),
        "low_sample": counts.n < low_n,
    }


def ces_summary(counts: Counts, *, low_n: int) -> dict:
    return {
        "n": counts.n,
        "mean": rounded(stats.mean_of(n=counts.n, total=counts.score_sum)),
        **_interval(stats.mean_interval(n=counts.n, total=counts.score_sum, total_sq=counts.score_sq_sum)),
        "low_sample": counts.n < low_n,
    }


def nps_comparison(current: Counts, previous: Counts) -> stats.Comparison:
    return stats.nps_compare(
        current=(current.promoters, current.passives, current.detractors),
        previous=(previous.promoters, previous.passives, previous.detractors),
    )


def csat_comparison(current: Counts, previous: Counts) -> stats.Comparison:
    return stats.csat_compare(
        current=(current.satisfied, current.n), previous=(previous.satisfied, previous.n)
    )


def ces_comparison(current: Counts, previous: Counts) -> stats.Comparison:
    return stats.mean_compare(
        current=(current.n, current.score_sum, current.score_sq_sum),
        previous=(previous.n, previous.score_sum, previous.score_sq_sum),
    )


@dataclass(frozen=True)
class Metric:
    scale: str
    summary: Callable[..., dict]
    comparison: Callable[[Counts, Counts], stats.Comparison]


METRICS = {
    "nps": Metric("nps", nps_summary, nps_comparison),
    "csat": Metric("csat", csat_summary, csat_comparison),
    "ces": Metric("ces", ces_summary, ces_comparison),
}


def nps_counts_of(feedback: QuerySet) -> Counts:
    """The customers' NPS counts of any feedback queryset (a huddle's period, an impact review's
    window), in one query: for windows the rollup's UTC days cannot express. Employees' scores
    (eNPS) are not customers' and are left out, as in every customer metric."""
    counts = feedback.exclude(source__in=employee_sources()).aggregate(**scales.nps_counts())
    return Counts(counts["n"], counts["promoters"], counts["passives"], counts["detractors"])


def nps_of(feedback: QuerySet) -> dict:
    """nps_summary of any feedback queryset: its NPS, 95 % interval and small-sample flag."""
    return nps_summary(nps_counts_of(feedback), low_n=low_sample_n())
