"""Sections: the loop-closure trend by month, and each SLA policy's targets against what happened.

Both reuse the loop-closure definitions of innerloop.metrics (what counts as contacted or resolved
within SLA, and as recovered), so the pack says what the team dashboards say; the pack adds the
counts behind each percentage and their 95 % Wilson intervals.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import DurationField, ExpressionWrapper, F, FloatField
from django.db.models.aggregates import Aggregate
from django.db.models.functions import Extract, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from innerloop.metrics import _aggregates, _percentiles
from innerloop.models import SlaPolicy
from innerloop.selectors import cases_visible_to
from outerloop.recurring import Share, share_of

from .period import PackPeriod
from .tables import Section, Table, number, share_text


class Median(Aggregate):
    """PostgreSQL's continuous median of an expression."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def hours_between(later: str, earlier: str) -> Extract:
    """Seconds from `earlier` to `later` (fields), as an expression; the median of it / 3600 is hours."""
    return Extract(ExpressionWrapper(F(later) - F(earlier), output_field=DurationField()), "epoch")


@dataclass(frozen=True)
class ClosureMonth:
    month: date
    cases: int
    first_contact_p50: float | None
    first_contact_p90: float | None
    contacted_in_sla: Share
    resolved_in_sla: Share
    recovered: Share


def closure_by_month(*, user, period: PackPeriod) -> list[ClosureMonth]:
    """Cases opened in the period, by month of opening (two queries: the counts, the percentiles)."""
    cases = cases_visible_to(user=user).filter(created_at__gte=period.start, created_at__lt=period.end)
    rows = (
        cases.annotate(month=TruncMonth("created_at"))
        .values("month")
        .order_by("month")
        .annotate(**_aggregates(timezone.now()))
    )
    percentiles = _percentiles(cases, key="month")
    months = []
    for row in rows:
        month = row["month"].date()
        p50, p90 = percentiles.get(month.isoformat(), (None, None))
        months.append(
            ClosureMonth(
                month=month,
                cases=row["cases"],
                first_contact_p50=p50,
                first_contact_p90=p90,
                contacted_in_sla=share_of(k=row["contacted_in_sla"], n=row["contact_measured"]),
                resolved_in_sla=share_of(k=row["resolved_in_sla"], n=row["resolution_measured"]),
                recovered=share_of(k=row["recovered"], n=row["recovery_checks"]),
            )
        )
    return months


@dataclass(frozen=True)
class SlaRow:
    name: str
    first_contact_hours: float
    resolution_hours: float
    business_hours_only: bool
    cases: int
    contacted_in_sla: Share
    resolved_in_sla: Share
    median_contact_hours: float | None
    median_resolution_hours: float | None


def sla_against_actual(*, user, period: PackPeriod) -> list[SlaRow]:
    """Every SLA policy's targets beside its cases opened in the period (two queries)."""
    cases = cases_visible_to(user=user).filter(
        created_at__gte=period.start, created_at__lt=period.end, sla_policy__isnull=False
    )
    counts = {
        row["sla_policy_id"]: row
        for row in cases.values("sla_policy_id")
        .order_by()
        .annotate(
            **_aggregates(timezone.now()),
            contact_median=Median(hours_between("first_contacted_at", "created_at")),
            resolution_median=Median(hours_between("resolved_at", "created_at")),
        )
    }
    result = []
    for policy in SlaPolicy.objects.order_by("first_contact_minutes", "name"):
        row = counts.get(policy.pk, {})
        result.append(
            SlaRow(
                name=policy.name,
                first_contact_hours=policy.first_contact_minutes / 60,
                resolution_hours=policy.resolution_minutes / 60,
                business_hours_only=policy.business_hours_only,
                cases=row.get("cases", 0),
                contacted_in_sla=share_of(k=row.get("contacted_in_sla", 0), n=row.get("contact_measured", 0)),
                resolved_in_sla=share_of(
                    k=row.get("resolved_in_sla", 0), n=row.get("resolution_measured", 0)
                ),
                median_contact_hours=_hours(row.get("contact_median")),
                median_resolution_hours=_hours(row.get("resolution_median")),
            )
        )
    return result


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def closure_section(*, user, period: PackPeriod) -> Section:
    months = closure_by_month(user=user, period=period)
    return Section(
        slug="closure",
        title=_("Loop-closure trend"),
        intro=_(
            "Cases opened each month: hours to the first contact that reached the customer (median and 90th "
            "percentile), the share contacted and resolved within the SLA (of the cases whose deadline has "
            "passed or was met), and the recovery rate (of the recovery checks made)."
        ),
        tables=[
            Table(
                caption=_("By month of opening"),
                headers=[
                    _("Month"),
                    _("Cases"),
                    _("Hours to first contact (median / 90th)"),
                    _("Contacted within SLA"),
                    _("Resolved within SLA"),
                    _("Recovered"),
                ],
                rows=[
                    [
                        m.month.strftime("%Y-%m"),
                        number(m.cases),
                        f"{number(m.first_contact_p50, 1)} / {number(m.first_contact_p90, 1)}",
                        share_text(m.contacted_in_sla),
                        share_text(m.resolved_in_sla),
                        share_text(m.recovered),
                    ]
                    for m in months
                ],
                empty=_("No cases were opened in the period."),
            )
        ],
    )


def sla_section(*, user, period: PackPeriod) -> Section:
    rows = sla_against_actual(user=user, period=period)
    return Section(
        slug="sla",
        title=_("SLA targets against what happened"),
        intro=_(
            "Each SLA policy's targets beside its cases opened in the period. Targets in business hours "
            "are met or missed on business hours; the medians are hours on the clock."
        ),
        tables=[
            Table(
                caption=_("SLA policies"),
                headers=[
                    _("Policy"),
                    _("Target: first contact / resolution (hours)"),
                    _("Cases"),
                    _("Contacted within SLA"),
                    _("Resolved within SLA"),
                    _("Median hours: first contact / resolution"),
                ],
                rows=[
                    [
                        r.name,
                        f"{number(r.first_contact_hours, 1)} / {number(r.resolution_hours, 1)}"
                        + (" " + _("(business hours)") if r.business_hours_only else ""),
                        number(r.cases),
                        share_text(r.contacted_in_sla),
                        share_text(r.resolved_in_sla),
                        f"{number(r.median_contact_hours, 1)} / {number(r.median_resolution_hours, 1)}",
                    ]
                    for r in rows
                ],
                empty=_("No SLA policies are set up."),
            )
        ],
    )
