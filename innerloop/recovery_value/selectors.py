"""The outcomes the comparison reads: one per customer, scoped to the cases the user may see."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    BooleanField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as Choose  # the SQL CASE; Case is the model
from django.db.models.functions import Coalesce
from django.utils import timezone

from cxloop.org.models import Department
from cxloop.org.scoping import departments_visible_to, scope_queryset
from feedback.models import CustomerTransaction, Feedback, TransactionKind, ValueTier
from feedback.scales import DETRACTOR_MAX_BY_SCALE
from innerloop.models import Case
from innerloop.models.cases import RECOVERED, RECOVERY_CHECKED, CaseStatus

from .analysis import Comparison, Outcome, compare

# The follow-up windows offered (days after the case's resolution); the first is the default.
WINDOWS = (90, 180, 365)
# A recovery answer is feedback too (feedback.surveys.answers marks it): it decides "recovered",
# so it must not also count as what the customer said later.
RECOVERY_ANSWER_KEY = "recovery_for_case"


def _detractor_q() -> Q:
    condition = Q(pk__in=[])
    for scale, highest in DETRACTOR_MAX_BY_SCALE.items():
        condition |= Q(feedback__scale=scale, feedback__score__lte=highest)
    return condition


def _in_window(window: timedelta) -> dict:
    return {"occurred_at__gt": OuterRef("resolved_at"), "occurred_at__lte": OuterRef("resolved_at") + window}


def qualifying_cases(*, user, window: timedelta, now: datetime, department: Department | None = None):
    """Each customer's first detractor case that was resolved, had its recovery checked and has been
    followed for the whole window (resolved at least `window` ago), in the teams the user may see."""
    cases = scope_queryset(Case.objects.all(), user).filter(
        RECOVERY_CHECKED,
        _detractor_q(),
        status__in=(CaseStatus.RESOLVED, CaseStatus.CLOSED),
        resolved_at__isnull=False,
        resolved_at__lte=now - window,
        customer__isnull=False,
        customer__erased_at__isnull=True,  # their transactions were deleted with them
    )
    if department is not None:
        cases = cases.filter(team__department=department)
    return cases.order_by("customer_id", "resolved_at", "id").distinct("customer_id")


def recovery_outcomes(
    *, user, window_days: int, now: datetime | None = None, department: Department | None = None
) -> list[Outcome]:
    """One query: each qualifying case with what its customer did in the window after resolution."""
    now = now or timezone.now()
    window = timedelta(days=window_days)
    customer = OuterRef("customer_id")
    later_score = (
        Feedback.objects.filter(customer_id=customer, scale="nps", score__isnull=False, **_in_window(window))
        .exclude(metadata__has_key=RECOVERY_ANSWER_KEY)
        .order_by("occurred_at", "id")
        .values("score")[:1]
    )
    money: DecimalField = DecimalField(max_digits=16, decimal_places=2)
    revenue = (
        CustomerTransaction.objects.filter(customer_id=customer, **_in_window(window))
        .exclude(kind=TransactionKind.CHURN)
        .values("customer_id")
        .annotate(net=Sum(Choose(When(kind=TransactionKind.REFUND, then=-F("amount")), default=F("amount"))))
        .values("net")
    )
    churned = CustomerTransaction.objects.filter(
        customer_id=customer, kind=TransactionKind.CHURN, **_in_window(window)
    )
    rows = (
        qualifying_cases(user=user, window=window, now=now, department=department)
        .annotate(
            recovered_flag=Choose(
                When(RECOVERED, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            later_score=Subquery(later_score, output_field=IntegerField()),
            revenue=Coalesce(Subquery(revenue, output_field=money), Value(0), output_field=money),
            churned=Exists(churned),
        )
        .values_list("customer__value_tier", "recovered_flag", "later_score", "revenue", "churned")
    )
    return [
        Outcome(tier=tier, recovered=recovered, later_score=score, revenue=float(net), churned=left)
        for tier, recovered, score, net, left in rows
    ]


@dataclass(frozen=True)
class RecoveryValue:
    window_days: int
    tiers: list[Comparison]
    overall: Comparison

    @property
    def rows(self) -> list[Comparison]:
        """Each tier with anyone in it, then all tiers together (nothing when nobody qualifies)."""
        return [*self.tiers, self.overall] if self.overall.n else []


def recovery_value_for(
    *, user, window_days: int = WINDOWS[0], department: Department | None = None, now: datetime | None = None
) -> RecoveryValue:
    """The comparison per value tier (top first) and overall, for what the user may see."""
    outcomes = recovery_outcomes(user=user, window_days=window_days, now=now, department=department)
    tiers, overall = compare(outcomes, tiers=[ValueTier.TOP, ValueTier.HIGH, ValueTier.STANDARD])
    return RecoveryValue(window_days=window_days, tiers=tiers, overall=overall)


def recovery_value_departments(*, user):
    """The departments the user may narrow the comparison to."""
    return departments_visible_to(user=user).order_by("name")
