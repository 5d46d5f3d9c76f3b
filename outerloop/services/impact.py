"""Impact reviews (before and after a roll-out) and closing the loop with customers and staff."""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError
from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_queue, notify
from feedback.metrics.figures import low_sample_n, nps_comparison, nps_counts_of, nps_summary
from feedback.models import Customer, Feedback
from innerloop.models import Case, MessageTemplate
from outerloop import events
from outerloop.models import ImpactReview, Initiative, InitiativeEvent, SignalKind, Stage

logger = logging.getLogger(__name__)

IMPACT_AFTER = timedelta(weeks=8)
CLOSE_LOOP_TEMPLATE = "initiative-rolled-out"
DEFAULT_SUBJECT = "You told us, and we changed something: {initiative_title}"
DEFAULT_BODY = (
    "Hello {customer_name},\n\nYou told us about a problem with us recently. It was not just you, and "
    "we have now changed how we work:\n\n{what_changed}\n\nThank you for telling us.\n"
)


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
        raise ApplicationError("The initiative has not been rolled out yet.", {"stage": ["not rolled out"]})
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


# --- closing the loop ---


def affected_customers(*, initiative: Initiative):
    """Customers with a case whose root cause is a signal's category and whose feedback fell in its window."""
    condition = Q(pk__in=[])
    for signal in initiative.signals.filter(kind=SignalKind.ROOT_CAUSE, category__isnull=False):
        window = Q(cases__root_cause_id=signal.category_id)
        if signal.window_start and signal.window_end:
            window &= Q(
                cases__feedback__occurred_at__gte=signal.window_start,
                cases__feedback__occurred_at__lt=signal.window_end,
            )
        condition |= window
    return Customer.objects.filter(condition).distinct().order_by("pk")


def _staff_to_tell(initiative: Initiative):
    categories = _category_ids(initiative)
    raisers = initiative.signals.exclude(raised_by=None).values_list("raised_by", flat=True)
    coders = (
        Case.objects.filter(root_cause__in=categories, customer__in=affected_customers(initiative=initiative))
        .exclude(assignee=None)
        .values_list("assignee", flat=True)
    )
    return get_user_model().objects.filter(Q(pk__in=raisers) | Q(pk__in=coders)).distinct()


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


# A rolled-out initiative's close-the-loop task runs within seconds; one without its "loop closed"
# event after this long lost its task (Redis down, a worker killed), and the sweep runs it.
CLOSE_LOOP_LOST_AFTER = timedelta(minutes=10)


def initiatives_loop_open_ids(*, older_than: timedelta = CLOSE_LOOP_LOST_AFTER) -> list[int]:
    """Rolled-out initiatives whose customers and staff were never told."""
    return list(
        Initiative.objects.filter(rolled_out_at__lt=timezone.now() - older_than)
        .exclude(events__kind=InitiativeEvent.Kind.LOOP_CLOSED)
        .values_list("pk", flat=True)
    )


def initiative_close_loop(*, initiative: Initiative) -> dict[str, int]:
    """Tell every affected customer (once: the email key) and every member of staff who raised it."""
    initiative = Initiative.objects.get(pk=initiative.pk)
    if initiative.rolled_out_at is None:
        raise ApplicationError(
            "Close the loop once the initiative is rolled out.", {"stage": ["not rolled out"]}
        )
    template = MessageTemplate.objects.filter(slug=CLOSE_LOOP_TEMPLATE, active=True).first()
    subject = template.subject if template else DEFAULT_SUBJECT
    body = template.body if template else DEFAULT_BODY
    what = initiative.what_changed or initiative.title
    customers = sent = staff = 0
    reachable = affected_customers(initiative=initiative).exclude(email="")
    # Customers who asked not to be contacted are not told (feedback.contact); the event counts them.
    not_contacted = reachable.filter(do_not_contact=True).count()
    for customer in reachable.filter(do_not_contact=False):
        customers += 1
        values = {
            "customer_name": customer.name or "there",
            "initiative_title": initiative.title,
            "what_changed": what,
        }
        with transaction.atomic():
            queued = email_queue(
                key=f"initiative:{initiative.pk}:customer:{customer.pk}",
                to=customer.email,
                subject=_fill(subject, values),
                body=_fill(body, values),
                customer_id=customer.pk,
            )
        # A customer flagged since the query above: recorded as suppressed, not counted as told.
        sent += queued is not None and queued.status != EmailMessage.Status.SUPPRESSED
    for user in _staff_to_tell(initiative):
        notify(
            user=user,
            key=f"initiative:{initiative.pk}:staff:{user.pk}",
            kind="initiative_rolled_out",
            title=f"You said, we did: {initiative.title}",
            body=f"What you raised led to a change: {what}",
            url=f"/initiatives/{initiative.pk}/",
        )
        staff += 1
    # Recorded even when nobody could be written to: the event is also the sweep's "done" mark, written
    # once (the lock orders a task and a sweep that ran together).
    with transaction.atomic():
        Initiative.objects.select_for_update(no_key=True).filter(pk=initiative.pk).first()
        if not initiative.events.filter(kind=InitiativeEvent.Kind.LOOP_CLOSED).exists():
            events.initiative_loop_closed(
                initiative=initiative,
                customers=customers,
                emails_queued=sent,
                staff=staff,
                not_contacted=not_contacted,
            )
    logger.info(
        "initiative %s: %s customers, %s emails queued, %s staff, %s not told (do not contact)",
        initiative.pk, customers, sent, staff, not_contacted,
    )  # fmt: skip
    return {"customers": customers, "emails_queued": sent, "staff": staff, "not_contacted": not_contacted}


def impact_reviews_mark_discussed(*, review_ids: list[int]) -> int:
    """The committee discussed these reviews (governance calls this when a meeting is held)."""
    return ImpactReview.objects.filter(pk__in=review_ids, discussed_at__isnull=True).update(
        discussed_at=timezone.now()
    )
