"""Reads of the inner loop, always scoped to the user's teams."""

from django.db.models import Case as SqlCase
from django.db.models import Count, F, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxloop.org.scoping import scope_for, scope_queryset

from .filters import CaseFilter
from .models import OPEN_STATUSES, Case, CaseEvent, CaseStatus, overdue_condition

# What a row of the queue page shows. Each join costs planning time on every request (eight
# tables took 14 ms to plan, five take 2), so the queue joins only these.
QUEUE_ROW_RELATED = ("feedback", "kind", "customer", "assignee")
# ...and of those rows, only the columns a row prints.
QUEUE_ROW_FIELDS = (
    "id", "status", "priority", "due_at", "paused_at",
    "feedback__comment", "feedback__scale", "feedback__score",
    "kind__name", "customer__name", "customer__external_id", "customer__value_tier",
    "customer__do_not_contact",
    "assignee__username", "assignee__first_name", "assignee__last_name",
)  # fmt: skip
CASE_PAGE_RELATED = (
    *QUEUE_ROW_RELATED, "team__department", "feedback__source", "feedback__touchpoint",
    "feedback__journey_stage", "root_cause__parent", "sla_policy",
)  # fmt: skip


def cases_visible_to(*, user) -> QuerySet[Case]:
    """Agents and team leads: their teams' cases; managers: their departments'; committee and admins: all."""
    return scope_queryset(Case.objects.all(), user)


def queue_page(cases: QuerySet[Case], *, offset: int = 0, size: int) -> list[Case]:
    """`size` cases of a queue from `offset` on, with what a row of the queue page shows."""
    return list(cases.select_related(*QUEUE_ROW_RELATED).only(*QUEUE_ROW_FIELDS)[offset : offset + size])


_DUE = F("due_at").asc(nulls_last=True)
# Statuses in the order a case goes through them, for sorting by status.
_STATUS_STEP = SqlCase(
    *(When(status=status, then=Value(step)) for step, status in enumerate(
        (CaseStatus.NEW, CaseStatus.REOPENED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER,
         CaseStatus.RESOLVED, CaseStatus.CLOSED)
    )),
    default=Value(9),
)  # fmt: skip
# The only orderings the queue takes (CaseFilter.sort's whitelist, innerloop.filters.QUEUE_SORTS): each
# ends with the id, so pages never repeat or skip a case; the deadline breaks ties elsewhere.
QUEUE_ORDERINGS: dict[str, tuple] = {
    "": (_DUE, "priority_rank", "id"),
    "due": (_DUE, "priority_rank", "id"),
    "-due": (F("due_at").desc(nulls_last=True), "priority_rank", "-id"),
    "priority": ("priority_rank", _DUE, "id"),
    "-priority": ("-priority_rank", _DUE, "id"),
    "age": ("created_at", "id"),
    "-age": ("-created_at", "-id"),
    "status": (_STATUS_STEP.asc(), _DUE, "id"),
    "-status": (_STATUS_STEP.desc(), _DUE, "id"),
    "owner": (F("assignee__first_name").asc(nulls_last=True), "assignee__last_name", "assignee__username",
              _DUE, "id"),
    "-owner": (F("assignee__first_name").desc(nulls_last=True), "-assignee__last_name",
               "-assignee__username", _DUE, "id"),
    "value": (F("customer__annual_value").desc(nulls_last=True), _DUE, "id"),
    "-value": (F("customer__annual_value").asc(nulls_last=True), _DUE, "id"),
}  # fmt: skip


def case_queue(*, user, filters: dict | None = None, people=None) -> tuple[CaseFilter, QuerySet[Case]]:
    """The queue and the filters that narrowed it: open cases by default, the most pressing deadline
    first, or in the whitelisted order `sort` names.

    The caller adds the related rows it shows; an invalid filter (or sort) gives no cases (the
    filterset's errors say why). `people` ((username, name) pairs) turns the assignee filter into a
    list of names for a page.
    """
    filterset = CaseFilter(filters or {}, queryset=cases_visible_to(user=user), request_user=user)
    if people is not None:
        filterset.use_people(people)
    if not filterset.is_valid():
        return filterset, Case.objects.none()
    queue = filterset.qs
    if not filterset.form.cleaned_data.get("status"):
        queue = queue.filter(status__in=OPEN_STATUSES)
    return filterset, queue.order_by(*QUEUE_ORDERINGS[filterset.form.cleaned_data.get("sort") or ""])


def queue_counts(*, user) -> dict:
    """Open, overdue, unassigned and mine, in one query over open cases only (a partial index holds
    them), however many closed cases a team has behind it."""
    now = timezone.now()
    return (
        cases_visible_to(user=user)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(
            # Counting the team column (never null), not the id: every column read is then in the
            # case_open_counts index, which answers without the table.
            open=Count("team"),
            overdue=Count("team", filter=overdue_condition(now)),
            unassigned=Count("team", filter=Q(assignee__isnull=True)),
            mine=Count("team", filter=Q(assignee=user)),
        )
    )


def case_next_for(*, user, after: Case) -> Case | None:
    """The next case `user` should work after `after`: the most pressing open case assigned to them
    (the queue's order), or None when they have no other."""
    return (
        cases_visible_to(user=user)
        .filter(status__in=OPEN_STATUSES, assignee=user)
        .exclude(pk=after.pk)
        .order_by("due_at", "priority_rank", "id")
        .only("id")
        .first()
    )


def case_get(*, user, case_id: int) -> Case:
    """One case, or 404 when it does not exist or belongs to a team the user may not see."""
    return get_object_or_404(
        cases_visible_to(user=user).select_related(*CASE_PAGE_RELATED).defer("feedback__search_vector"),
        pk=case_id,
    )


def case_timeline(*, case: Case) -> list:
    """The case's events in order; each message to the customer carries its email (`event.email`:
    sent, pending, or not sent and why), so the timeline shows what became of it."""
    from cxloop.notifications.models import EmailMessage

    events = list(case.events.select_related("actor").order_by("created_at", "id"))
    keys = [event.data.get("email_key") for event in events if event.kind == CaseEvent.Kind.MESSAGE_SENT]
    emails = {
        email.key: email
        for email in EmailMessage.objects.filter(key__in=[key for key in keys if key]).only(
            "key", "status", "error", "sent_at"
        )
    }
    for event in events:
        email = emails.get(event.data.get("email_key")) if event.kind == CaseEvent.Kind.MESSAGE_SENT else None
        event.email = email  # type: ignore[attr-defined]  # shown by the timeline, not stored
    return events


def customer_contact(*, case: Case) -> dict:
    """Whether the case's customer may be contacted, and since when they asked not to be."""
    customer = case.customer
    if customer is None or not customer.do_not_contact:
        return {"do_not_contact": False, "since": None}
    return {"do_not_contact": True, "since": customer.do_not_contact_since}


def customer_history(*, case: Case, user, limit: int = 50):
    """What the case's customer said before, on any channel, to the teams `user` may see (and how
    much more they told other teams), or None for an anonymous case."""
    from feedback.selectors import customer_history as history

    if case.customer_id is None:
        return None
    return history(user=user, customer_id=case.customer_id, exclude_id=case.feedback_id, limit=limit)


def claimable_team_ids(*, user) -> list[int]:
    """Teams whose queue the user works: their own teams (admins and managers assign instead)."""
    return sorted(scope_for(user).team_ids)


OPEN_OR_DONE = [(status.value, status.label) for status in CaseStatus]
