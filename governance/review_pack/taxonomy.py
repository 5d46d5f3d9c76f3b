"""Section: categories never used or drifting, and the growth of uncoded and "other" feedback.

A feedback item's category is its confirmed one or, without one, a suggestion the classifier is
sure of (feedback.models.record.MENTION_CONFIDENCE, the rule of a mention); without either it is
uncoded. "Other" is any category whose slug is "other" or ends in "-other", or whose name begins
with "Other" (e.g. "Delivery / Other"). A category drifts when its share of the coded feedback in
the second half of the period differs from the first half (Newcombe's interval of the difference;
the pooled two-proportion z-test, then Benjamini-Hochberg over all categories, q <= 0.05). Never
used: not retired, and neither an item's category nor a case's root cause in the period.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from cxloop.core.share_test import benjamini_hochberg
from cxloop.core.stats import Comparison, csat_compare
from feedback.models import Category, Feedback
from feedback.models.record import MENTION_CONFIDENCE
from innerloop.models import Case as FollowUpCase
from outerloop.recurring import Share, share_of

from .period import PackPeriod
from .tables import Section, Table, number, share_text

DRIFT_FDR = 0.05
SURE = Q(suggested_category__isnull=False, suggested_confidence__gte=MENTION_CONFIDENCE)
CODED_CATEGORY = Case(
    When(confirmed_category__isnull=False, then="confirmed_category_id"),
    When(SURE, then="suggested_category_id"),
    default=None,
    output_field=IntegerField(),
)


def is_other(category: Category) -> bool:
    slug = category.slug.lower()
    return slug == "other" or slug.endswith("-other") or category.name.lower().startswith("other")


@dataclass(frozen=True)
class MonthCoding:
    month: date
    feedback: int
    uncoded: Share
    other: Share


@dataclass(frozen=True)
class Drift:
    category: str
    first: Share
    second: Share
    change: Comparison  # second half minus first, in percentage points
    q_value: float


@dataclass(frozen=True)
class TaxonomyFigures:
    months: list[MonthCoding]
    never_used: list[str]
    drifting: list[Drift]
    uncoded_growth: Comparison
    other_growth: Comparison


def _in_period(period: PackPeriod):
    return Feedback.objects.filter(occurred_at__gte=period.start, occurred_at__lt=period.end)


def _months(period: PackPeriod, other_ids: list[int]) -> list[MonthCoding]:
    other = Q(confirmed_category__in=other_ids) | (
        Q(confirmed_category__isnull=True) & SURE & Q(suggested_category__in=other_ids)
    )
    rows = (
        _in_period(period)
        .annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .order_by("month")
        .annotate(
            n=Count("id"),
            uncoded=Count("id", filter=Q(confirmed_category__isnull=True) & ~SURE),
            other=Count("id", filter=other),
        )
    )
    return [
        MonthCoding(
            month=r["month"].date(),
            feedback=r["n"],
            uncoded=share_of(k=r["uncoded"], n=r["n"]),
            other=share_of(k=r["other"], n=r["n"]),
        )
        for r in rows
    ]


def _halves(period: PackPeriod) -> dict[tuple[int, int | None], int]:
    """(half 1 or 2, category id or None for uncoded) -> feedback, in one query."""
    rows = (
        _in_period(period)
        .annotate(
            half=Case(When(occurred_at__lt=period.middle, then=Value(1)), default=Value(2)),
            coded=CODED_CATEGORY,
        )
        .values_list("half", "coded")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(half, category): n for half, category, n in rows}


def _drifts(categories: dict[int, Category], halves: dict[tuple[int, int | None], int]) -> list[Drift]:
    n1 = sum(n for (half, c), n in halves.items() if half == 1 and c is not None)
    n2 = sum(n for (half, c), n in halves.items() if half == 2 and c is not None)
    tested = []
    for category_id, category in categories.items():
        k1, k2 = halves.get((1, category_id), 0), halves.get((2, category_id), 0)
        if k1 + k2 == 0 or not n1 or not n2:
            continue
        tested.append(
            (
                category,
                share_of(k=k1, n=n1),
                share_of(k=k2, n=n2),
                csat_compare(current=(k2, n2), previous=(k1, n1)),
            )
        )
    if not tested:
        return []
    q_values = benjamini_hochberg(
        np.array([t[3].p_value if t[3].p_value is not None else 1.0 for t in tested])
    )
    drifts = [
        Drift(category=str(c), first=first, second=second, change=change, q_value=float(q))
        for (c, first, second, change), q in zip(tested, q_values, strict=True)
        if q <= DRIFT_FDR
    ]
    return sorted(drifts, key=lambda d: -abs(d.change.difference or 0))


def _growth(halves: dict[tuple[int, int | None], int], ids: set[int] | None) -> Comparison:
    """Second half minus first of the share of all feedback that is uncoded (ids None) or in `ids`."""
    counts = []
    for half in (1, 2):
        n = sum(v for (h, _c), v in halves.items() if h == half)
        k = sum(v for (h, c), v in halves.items() if h == half and (c is None if ids is None else c in ids))
        counts.append((k, n))
    return csat_compare(current=counts[1], previous=counts[0])


def taxonomy_figures(*, period: PackPeriod) -> TaxonomyFigures:
    """Four queries: the categories, the months, the two halves, the cases' root causes."""
    categories = {c.pk: c for c in Category.objects.select_related("parent")}
    other_ids = {pk for pk, c in categories.items() if is_other(c)}
    halves = _halves(period)
    used = {c for (_h, c) in halves if c is not None}
    used |= set(
        FollowUpCase.objects.filter(
            created_at__gte=period.start, created_at__lt=period.end, root_cause__isnull=False
        )
        .values_list("root_cause_id", flat=True)
        .distinct()
    )
    never = sorted(str(c) for pk, c in categories.items() if pk not in used and c.retired_at is None)
    return TaxonomyFigures(
        months=_months(period, sorted(other_ids)),
        never_used=never,
        drifting=_drifts(categories, halves),
        uncoded_growth=_growth(halves, None),
        other_growth=_growth(halves, other_ids),
    )


def _change_text(change: Comparison) -> str:
    if change.difference is None or change.ci is None:
        return "-"
    return _("%(d)s points (%(low)s to %(high)s)") % {
        "d": f"{change.difference:+.1f}",
        "low": f"{change.ci.low:+.1f}",
        "high": f"{change.ci.high:+.1f}",
    }


def section(*, period: PackPeriod) -> Section:
    f = taxonomy_figures(period=period)
    return Section(
        slug="taxonomy",
        title=_("Categories: unused, drifting, uncoded and other"),
        intro=_(
            "A category drifts when its share of the coded feedback in the second half of the period differs "
            "from the first half beyond chance (false-discovery rate 5 %)."
        ),
        tables=[
            Table(
                caption=_("Uncoded and other, by month"),
                headers=[_("Month"), _("Feedback"), _("Uncoded"), _("Other")],
                rows=[
                    [
                        m.month.strftime("%Y-%m"),
                        number(m.feedback),
                        share_text(m.uncoded),
                        share_text(m.other),
                    ]
                    for m in f.months
                ],
                empty=_("No feedback in the period."),
            ),
            Table(
                caption=_("Growth from the first half of the period to the second"),
                headers=[_("Share of all feedback"), _("Change")],
                rows=[
                    [_("Uncoded"), _change_text(f.uncoded_growth)],
                    [_("Other"), _change_text(f.other_growth)],
                ],
            ),
            Table(
                caption=_("Drifting categories"),
                headers=[_("Category"), _("First half"), _("Second half"), _("Change")],
                rows=[
                    [d.category, share_text(d.first), share_text(d.second), _change_text(d.change)]
                    for d in f.drifting
                ],
                empty=_("No category drifted beyond chance."),
            ),
            Table(
                caption=_("Categories never used in the period"),
                headers=[_("Category")],
                rows=[[name] for name in f.never_used],
                empty=_("Every category was used."),
            ),
        ],
    )
