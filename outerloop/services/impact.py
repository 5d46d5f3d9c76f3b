"""Impact reviews: before and after a roll-out (telling the customers: close_loop)."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError
from feedback.metrics.figures import low_sample_n, nps_comparison, nps_counts_of, nps_summary, rounded
from feedback.models import Feedback
from outerloop import events
from outerloop.models import ImpactReview, Initiative, SignalKind, Stage

logger = logging.getLogger(__name__)

IMPACT_AFTER = timedelta(weeks=8)


def _category_ids(initiative: Initiative) -> set[int]:
    return set(
        initiative.signals.filter(kind=SignalKind.ROOT_CAUSE, category__isnull=False).values_list(
            "category_id", flat=True
        )
    )


def _mentions(feedback, category_ids: set[int]) -> int:
    """Feedback rows about one of the categories (the one definition: feedback.models.mention_q)."""
    return feedback.mentioning(category_ids).count()


@transaction.atomic
def impact_review_compute(
    *, initiative: Initiative, after: timedelta = IMPACT_AFTER, now=None
) -> ImpactReview:
    """NPS and root-cause recurrence in equal periods before and after the roll-out.

    Scope: the target touchpoint when the initiative has one, else all feedback. NPS difference and
    its two-sided p-value come from the metrics layer (feedback.metrics.figures: adjusted Wald, Rocks 2016);
    recurrence is mentions of the signals' categories per 1,000 feedback rows.
    """
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=initiative.pk)
    if initiative.rolled_out_at is None:
        raise ApplicationError(
            _("The initiative has not been rolled out yet."), {"stage": ["not rolled out"]}
        )
    now = now or timezone.now()
    split = initiative.rolled_out_at
    after_end = min(now, split + after)
    length = max(after_end - split, timedelta(days=1))
    before_start = split - length
    scope = Feedback.objects.all()
    if initiative.target_touchpoint_id:
        scope = scope.filter(touchpoint_id=initiative.target_touchpoint_id)
    before = scope.filter(occurred_at__gte=before_start, occurred_at__lt=split)
    after_rows = scope.filter(occurred_at__gte=split, occurred_at__lt=after_end)
    nps_before, nps_after = nps_counts_of(before), nps_counts_of(after_rows)
    comparison = nps_comparison(nps_after, nps_before)
    low_n = low_sample_n()
    figures_before, figures_after = nps_summary(nps_before, low_n=low_n), nps_summary(nps_after, low_n=low_n)
    categories = _category_ids(initiative)
    totals = {"before": before.count(), "after": after_rows.count()}
    mentions = {"before": _mentions(before, categories), "after": _mentions(after_rows, categories)}

    def rate(key):
        return round(1000 * mentions[key] / totals[key], 2) if totals[key] else None

    review = ImpactReview.objects.create(
        initiative=initiative,
        before_start=before_start,
        split_at=split,
        after_end=after_end,
        nps_before=figures_before["nps"],
        nps_after=figures_after["nps"],
        nps_difference=comparison.difference,
        nps_p_value=comparison.p_value,
        nps_before_low=figures_before["ci_low"],
        nps_before_high=figures_before["ci_high"],
        nps_after_low=figures_after["ci_low"],
        nps_after_high=figures_after["ci_high"],
        nps_difference_low=rounded(comparison.ci.low) if comparison.ci else None,
        nps_difference_high=rounded(comparison.ci.high) if comparison.ci else None,
        n_before=nps_before.n,
        n_after=nps_after.n,
        recurrence_before=rate("before"),
        recurrence_after=rate("after"),
        mentions_before=mentions["before"],
        mentions_after=mentions["after"],
    )
    events.initiative_impact_reviewed(initiative=initiative, review=review)
    return review


def impact_reviews_due_ids(*, after: timedelta = IMPACT_AFTER, now=None) -> list[int]:
    """Rolled-out initiatives whose review time has come and that have no review yet."""
    now = now or timezone.now()
    return list(
        Initiative.objects.filter(
            stage=Stage.ROLLED_OUT, rolled_out_at__lte=now - after, impact_reviews__isnull=True
        ).values_list("pk", flat=True)
    )


# Closing the loop with customers and staff: outerloop.services.close_loop.


def impact_reviews_mark_discussed(*, review_ids: list[int]) -> int:
    """The committee discussed these reviews (governance calls this when a meeting is held)."""
    return ImpactReview.objects.filter(pk__in=review_ids, discussed_at__isnull=True).update(
        discussed_at=timezone.now()
    )
