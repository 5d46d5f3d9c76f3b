"""Reads for telling a rolled-out initiative's customers: who gets the email and what it says.

The selectors of closing the loop (kept apart from selectors.py for its size): the page's preview
and the service that sends (outerloop.services.close_loop) compose the email here, so the preview
is exactly what is sent.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError
from feedback.models import Customer
from innerloop.models import Case, MessageTemplate

from .models import Initiative, InitiativeEvent, SignalKind

# An administrator may word the body (innerloop's message templates, this slug); the subject and
# "what we changed" are the sender's. {initiative_title} in a template gets the sender's subject:
# an initiative's title is an internal label and never goes to a customer.
CLOSE_LOOP_TEMPLATE = "initiative-rolled-out"
DEFAULT_SUBJECT = "We have made a change because of what you told us"
DEFAULT_BODY = (
    "Hello {customer_name},\n\nYou told us about a problem with us recently. It was not just you, and "
    "we have now changed how we work:\n\n{what_changed}\n\nThank you for telling us.\n"
)
SUBJECT_MAX = 200


@dataclass(frozen=True)
class LoopMessage:
    subject: str
    body: str


@dataclass(frozen=True)
class LoopPreview:
    """What sending would do now: the email one customer gets, and how many get one."""

    recipients: int
    not_contacted: int  # asked not to be contacted (feedback.contact): not told
    without_email: int  # affected, but we hold no email address for them
    staff: int
    sample: LoopMessage | None  # the first recipient's email; None when nobody can be written to


def affected_customers(*, initiative: Initiative) -> QuerySet[Customer]:
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


def staff_to_tell(initiative: Initiative):
    categories = initiative.signals.filter(kind=SignalKind.ROOT_CAUSE, category__isnull=False).values(
        "category_id"
    )
    raisers = initiative.signals.exclude(raised_by=None).values_list("raised_by", flat=True)
    coders = (
        Case.objects.filter(root_cause__in=categories, customer__in=affected_customers(initiative=initiative))
        .exclude(assignee=None)
        .values_list("assignee", flat=True)
    )
    return get_user_model().objects.filter(Q(pk__in=raisers) | Q(pk__in=coders)).distinct()


def internal_labels(*, initiative: Initiative) -> list[str]:
    """The labels staff see that mean nothing to a customer: its signals' titles and categories."""
    labels: set[str] = set()
    for signal in initiative.signals.select_related("category__parent"):
        labels.add(signal.title)
        if signal.category is not None and signal.category.parent_id is not None:
            labels.add(str(signal.category))  # "Website / Checkout error"; a bare leaf may be plain words
    return sorted(label for label in labels if label.strip())


def close_loop_text_check(initiative: Initiative, *, subject: str, what_changed: str) -> tuple[str, str]:
    subject, what_changed = subject.strip(), what_changed.strip()
    if not subject:
        raise ApplicationError("Write the email's subject.", {"subject": ["required"]})
    if len(subject) > SUBJECT_MAX:
        raise ApplicationError(f"Keep the subject under {SUBJECT_MAX} characters.", {"subject": ["too long"]})
    if not what_changed:
        raise ApplicationError(
            "Write what we changed, in words a customer understands.", {"what_changed": ["required"]}
        )
    for field, text in (("subject", subject), ("what_changed", what_changed)):
        for label in internal_labels(initiative=initiative):
            if label.casefold() in text.casefold():
                raise ApplicationError(
                    f"“{label}” is our internal label: say it in words a customer understands.",
                    {field: ["internal label"]},
                )
    return subject, what_changed


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def close_loop_message(*, subject: str, what_changed: str, customer: Customer) -> LoopMessage:
    template = MessageTemplate.objects.filter(slug=CLOSE_LOOP_TEMPLATE, active=True).first()
    values = {
        "customer_name": customer.name or "there",
        "initiative_title": subject,
        "what_changed": what_changed,
    }
    return LoopMessage(subject=subject, body=_fill(template.body if template else DEFAULT_BODY, values))


def close_loop_recipients(initiative: Initiative) -> QuerySet[Customer]:
    return affected_customers(initiative=initiative).exclude(email="").filter(do_not_contact=False)


def close_loop_told(*, initiative: Initiative) -> InitiativeEvent | None:
    """The record of the customers being told, once they have been."""
    return (
        initiative.events.filter(kind=InitiativeEvent.Kind.LOOP_CLOSED)
        .select_related("actor")
        .order_by("created_at")
        .first()
    )


def close_loop_refusal(*, initiative: Initiative) -> str | None:
    """Why the customers cannot be told now, or None when they can."""
    if initiative.rolled_out_at is None:
        return "Tell the customers once the initiative is rolled out."
    told = close_loop_told(initiative=initiative)
    if told is not None:
        by = told.actor.get_full_name() or told.actor.username if told.actor else "someone"
        return (
            f"The customers were told on {timezone.localtime(told.created_at):%d %b %Y} by {by}: only once."
        )
    return None


def close_loop_preview(*, initiative: Initiative, subject: str, what_changed: str) -> LoopPreview:
    """The exact email the first recipient would get, and how many would get one, if sent now."""
    subject, what_changed = close_loop_text_check(initiative, subject=subject, what_changed=what_changed)
    affected = affected_customers(initiative=initiative)
    recipients = close_loop_recipients(initiative)
    first = recipients.first()
    return LoopPreview(
        recipients=recipients.count(),
        not_contacted=affected.exclude(email="").filter(do_not_contact=True).count(),
        without_email=affected.filter(email="").count(),
        staff=staff_to_tell(initiative).count(),
        sample=(
            close_loop_message(subject=subject, what_changed=what_changed, customer=first) if first else None
        ),
    )
