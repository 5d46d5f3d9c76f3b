"""How many cases and customers stand behind a proposal to change a policy (#18, item 9).

For a signal (a recurring root cause) and for an initiative (the root causes it answers), over the
signals' detection windows:

- the evidence: feedback that mentions the signal's category (feedback.models.mention_q: its own
  category, a sure suggestion, or its case's root cause) in the signal's journey stage and window;
- cases: the cases opened for that feedback, less those a person judged "customer not a fit"
  (innerloop.both_sides.NOT_A_FIT), which are counted apart as left out;
- customers: the distinct customers of that feedback, less the not-a-fit feedback;
- their share of every customer with feedback in the window (customer channels only: an employee's
  answer names no customer), with the 95 % Wilson score interval (cxloop.core.stats) of that share;
- few: fewer cases than the one small-sample threshold (feedback.metrics.figures.is_low_sample).

Three queries, whatever the number of signals. A read with no personal data (counts only), for a
page whose view has already scoped the signal or initiative to the person.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from cxloop.core.stats import wilson_interval
from feedback.metrics.figures import is_low_sample, low_sample_n
from feedback.models import Feedback, employee_sources
from feedback.models.record import mention_q
from innerloop.both_sides import NOT_A_FIT
from innerloop.models import Case
from outerloop.models import Initiative, Signal, SignalKind


@dataclass(frozen=True)
class StandingBehind:
    """The numbers behind a proposal; `counted` is False when it rests on no recurring root cause."""

    counted: bool
    cases: int = 0
    not_a_fit: int = 0
    customers: int = 0
    customers_with_feedback: int = 0
    window_start: datetime | None = None
    window_end: datetime | None = None

    @property
    def share(self) -> float | None:
        """The customers' share of every customer with feedback in the window, in percent."""
        if not self.customers_with_feedback:
            return None
        return 100 * self.customers / self.customers_with_feedback

    @property
    def interval(self) -> tuple[float, float] | None:
        """The share's 95 % Wilson interval, in percent."""
        found = wilson_interval(successes=self.customers, n=self.customers_with_feedback)
        return None if found is None else (100 * found.low, 100 * found.high)

    @property
    def few(self) -> bool:
        return is_low_sample(self.cases)

    @property
    def few_below(self) -> int:
        return low_sample_n()


def _evidence(signals: list[Signal]) -> Q | None:
    """Feedback behind these root-cause signals: each one's category, stage and window."""
    condition: Q | None = None
    for signal in signals:
        if signal.kind != SignalKind.ROOT_CAUSE or signal.category_id is None:
            continue
        if signal.window_start is None or signal.window_end is None:
            continue
        one = mention_q([signal.category_id]) & Q(
            occurred_at__gte=signal.window_start, occurred_at__lt=signal.window_end
        )
        if signal.journey_stage_id:
            one &= Q(journey_stage_id=signal.journey_stage_id)
        condition = one if condition is None else condition | one
    return condition


def standing_behind(signals: list[Signal]) -> StandingBehind:
    """The cases and customers behind these signals (one signal's page, or an initiative's)."""
    condition = _evidence(signals)
    if condition is None:
        return StandingBehind(counted=False)
    counted = [s for s in signals if s.window_start is not None and s.category_id is not None]
    start = min(s.window_start for s in counted if s.window_start is not None)
    end = max(s.window_end for s in counted if s.window_end is not None)
    evidence = Feedback.objects.filter(condition).values("pk")  # mention_q joins cases: ids once
    cases = Case.objects.filter(feedback_id__in=evidence).aggregate(
        kept=Count("pk", filter=~NOT_A_FIT), left_out=Count("pk", filter=NOT_A_FIT)
    )
    not_a_fit_feedback = Case.objects.filter(NOT_A_FIT).values("feedback_id")
    customers = (
        Feedback.objects.filter(pk__in=evidence, customer__isnull=False)
        .exclude(pk__in=not_a_fit_feedback)
        .aggregate(n=Count("customer_id", distinct=True))["n"]
    )
    everyone = (
        Feedback.objects.filter(occurred_at__gte=start, occurred_at__lt=end, customer__isnull=False)
        .exclude(source_id__in=employee_sources())
        .aggregate(n=Count("customer_id", distinct=True))["n"]
    )
    return StandingBehind(
        counted=True,
        cases=cases["kept"],
        not_a_fit=cases["left_out"],
        customers=customers,
        customers_with_feedback=everyone,
        window_start=start,
        window_end=end,
    )


def standing_behind_of(subject: Any) -> StandingBehind:
    """For a signal, or an initiative (its linked signals)."""
    if isinstance(subject, Initiative):
        return standing_behind(list(subject.signals.all()))
    if isinstance(subject, Signal):
        return standing_behind([subject])
    return StandingBehind(counted=False)
