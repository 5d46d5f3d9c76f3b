"""What a row of the case queue shows, computed in Python once per row.

The queue is the page frontline staff reload all day; resolving a dozen template variables and
filters per cell cost 0.4 ms a row, so each row's strings are prepared here as plain text, and
`{% queue_rows %}` (innerloop/templatetags/queue_tags.py) escapes them into the table.
"""

from typing import NamedTuple

from django.urls import reverse
from django.utils import timezone

from cxloop.core.pii import can_see_personal_data, mask_personal_data
from feedback.models import Scale, ValueTier

from .models import Case, CaseStatus, Priority

COMMENT_CHARS = 140
# Labels by value, looked up once (a model's get_FOO_display rebuilds its choices on every call).
PRIORITIES = dict(Priority.choices)
STATUSES = dict(CaseStatus.choices)
SCALES = dict(Scale.choices)
TIERS = dict(ValueTier.choices)


class QueueRow(NamedTuple):
    pk: int
    url: str
    due: str
    overdue: bool
    priority: str
    priority_label: str
    kind: str
    words: str
    score: str
    customer: str
    tier: str
    status: str
    assignee: str


def _shorten(text: str, limit: int = COMMENT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def queue_rows(cases: list[Case], *, user) -> list[QueueRow]:
    """Rows for the queue table; `cases` carry their feedback, kind, customer and assignee."""
    url_of = reverse("innerloop:case", args=[0]).removesuffix("0/")
    personal = can_see_personal_data(user)
    rows = []
    for case in cases:
        feedback, customer = case.feedback, case.customer
        comment = feedback.comment or ""
        rows.append(
            QueueRow(
                pk=case.pk,
                url=f"{url_of}{case.pk}/",
                due=_when(case.due_at) if case.due_at else "no SLA",
                overdue=case.is_overdue,
                priority=case.priority,
                priority_label=PRIORITIES.get(case.priority, case.priority),
                kind=str(case.kind),
                words=_shorten(comment if personal else mask_personal_data(comment)),
                score=f"({SCALES.get(feedback.scale, feedback.scale)} {feedback.score})"
                if feedback.score is not None
                else "",
                customer=str(customer) if customer else "—",
                tier=TIERS.get(customer.value_tier, customer.value_tier)
                if customer and customer.value_tier != "standard"
                else "",
                status=STATUSES.get(case.status, case.status),
                assignee=str(case.assignee) if case.assignee else "—",
            )
        )
    return rows
