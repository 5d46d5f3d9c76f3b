"""What a row of the case queue shows, as plain text computed in Python once per row.

The queue is the page frontline staff reload all day. The preparation stays here because it is work
a template should not repeat per row: the masking rule for the viewer, the shortened comment, the due
time, and the labels looked up once per page (get_FOO_display rebuilds its choices on every call).
The markup is the `queue-row` partial of templates/innerloop/queue.html, escaped by the template engine.

The rows were once built with format_html in a template tag, to spare the template engine. Re-measured
with the bench's 'case queue, first page (agent)' figure (scale 2, 25 rows; p50/p90, beside the raw
replay of the page's 12 SQL statements), interleaved runs on a quiet moment of a 2-core machine:
  - format_html rows: p50 15.4 / 16.6 / 16.4 ms, p90 16.7 / 21.1 / 17.8 ms (raw SQL 2.8-3.0 ms)
  - template partial: p50 16.6 / 16.7 / 16.8 ms, p90 17.5 / 18.2 / 18.2 ms (raw SQL 2.9-3.0 ms);
    `python -m bench --only inner`: p50 15.9 ms, p90 17.1 ms (raw 2.6 ms). Target: p50 < 30 ms.
  - the 25 rows alone (this function plus the markup), best of 500: 0.87-0.89 ms against 1.32-1.33 ms.
  - 8 clients mixed (bench 'mixed'), queue page p50 / p90: format_html 355 / 545 ms, partial 393 / 708
    ms, with every other endpoint of that run 9-17% slower too (the shared machine, not the rows).
The half millisecond did not move the target, so the rows are a template partial again.

The case page's customer card is prepared here too, for the same reason: the masking rule and the
do-not-contact rule decide in Python which contact details become tel: and mailto: links.
"""

import re
from datetime import datetime
from typing import NamedTuple
from urllib.parse import quote

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from cxloop.core.pii import can_see_personal_data, mask_personal_data
from cxloop.org.names import person_name
from feedback.models import Scale, ValueTier

from .models import CLAIMABLE_STATUSES, Case, CaseStatus, Priority

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
    do_not_contact: bool = False
    # The deadline of a running clock, for the row's live countdown (None: no SLA, paused or closed).
    clock_due_at: datetime | None = None
    # Nobody has it and it may be claimed (new or reopened): the row offers "Claim".
    claimable: bool = False


def _shorten(text: str, limit: int = COMMENT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(moment) -> str:
    # Day and month names in the active language (dateformat translates D and M).
    return dateformat.format(timezone.localtime(moment), "D j M H:i")


def queue_rows(cases: list[Case], *, user) -> list[QueueRow]:
    """Rows for the queue table; `cases` carry their feedback, kind, customer and assignee."""
    url_of = reverse("innerloop:case", args=[0]).removesuffix("0/")
    personal = can_see_personal_data(user)
    now = timezone.now()
    no_sla, nobody = _("no SLA"), _("Nobody")
    rows = []
    for case in cases:
        feedback, customer = case.feedback, case.customer
        comment = feedback.comment or ""
        rows.append(
            QueueRow(
                pk=case.pk,
                url=f"{url_of}{case.pk}/",
                due=_when(case.due_at) if case.due_at else no_sla,
                overdue=case.is_overdue_at(now),
                priority=case.priority,
                priority_label=str(PRIORITIES.get(case.priority, case.priority)),
                kind=str(case.kind),
                words=_shorten(comment if personal else mask_personal_data(comment)),
                score=f"({SCALES.get(feedback.scale or '', feedback.scale)} {feedback.score})"
                if feedback.score is not None
                else "",
                customer=str(customer) if customer else "—",
                tier=str(TIERS.get(customer.value_tier, customer.value_tier))
                if customer and customer.value_tier != "standard"
                else "",
                status=str(STATUSES.get(case.status, case.status)),
                assignee=person_name(case.assignee) if case.assignee else nobody,
                do_not_contact=bool(customer and customer.do_not_contact),
                clock_due_at=case.due_at if case.is_open and case.paused_at is None else None,
                claimable=case.assignee_id is None and case.status in CLAIMABLE_STATUSES,
            )
        )
    return rows


class CustomerCard(NamedTuple):
    """The customer's contact details at the top of the case page, as the viewer may see them."""

    phone: str
    email: str
    # tel: and mailto: links, or "" when the viewer may not use them: the details are masked for
    # them, or the customer asked not to be contacted (no one-tap call or email then).
    phone_href: str = ""
    email_href: str = ""


def customer_card(case: Case, *, user) -> CustomerCard | None:
    """The case's customer's phone and email for `user`, with links where calling them is allowed."""
    customer = case.customer
    if customer is None:
        return None
    personal = can_see_personal_data(user)
    phone, email = customer.phone or "", customer.email or ""
    if not personal:
        return CustomerCard(phone=mask_personal_data(phone), email=mask_personal_data(email))
    if customer.do_not_contact:
        return CustomerCard(phone=phone, email=email)
    dial = re.sub(r"[^\d+]", "", phone)
    return CustomerCard(
        phone=phone,
        email=email,
        phone_href=f"tel:{dial}" if len(dial.lstrip("+")) >= 3 else "",
        email_href=f"mailto:{quote(email, safe='@+')}" if email else "",
    )
