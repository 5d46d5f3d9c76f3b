"""Reads of the inner loop, always scoped to the user's teams."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cxloop.org.scoping import scope_for, scope_queryset
from feedback.models import Feedback

from .models import OPEN_STATUSES, Case, CaseStatus, MessageTemplate

QUEUE_RELATED = (
    "kind", "assignee", "customer", "team",
    "feedback__source", "feedback__touchpoint",
)  # fmt: skip


def cases_visible_to(*, user) -> QuerySet[Case]:
    """Agents and team leads: their teams' cases; managers: their departments'; committee and admins: all."""
    return scope_queryset(Case.objects.all(), user)


def case_queue(*, user, filters: dict | None = None) -> QuerySet[Case]:
    """The queue: open cases by default, the most pressing deadline first."""
    from .filters import CaseFilter

    cases = cases_visible_to(user=user).select_related(*QUEUE_RELATED).defer("feedback__search_vector")
    filterset = CaseFilter(filters or {}, queryset=cases, request_user=user)
    queue = filterset.qs if filterset.is_valid() else cases.none()
    if not (filters or {}).get("status"):
        queue = queue.filter(status__in=OPEN_STATUSES)
    return queue.order_by("due_at", "priority_rank", "id")


def case_filterset(*, user, filters: dict | None = None):
    from .filters import CaseFilter

    return CaseFilter(filters or {}, queryset=cases_visible_to(user=user), request_user=user)


def queue_counts(*, user) -> dict:
    """Open, overdue, unassigned and mine, in one query."""
    now = timezone.now()
    return cases_visible_to(user=user).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now, paused_at__isnull=True)),
        unassigned=Count("id", filter=Q(status__in=OPEN_STATUSES, assignee__isnull=True)),
        mine=Count("id", filter=Q(status__in=OPEN_STATUSES, assignee=user)),
    )


def case_get(*, user, case_id: int) -> Case:
    """One case, or 404 when it does not exist or belongs to a team the user may not see."""
    return get_object_or_404(
        cases_visible_to(user=user).select_related(
            *QUEUE_RELATED, "feedback__journey_stage", "root_cause__parent", "sla_policy", "team__department"
        ),
        pk=case_id,
    )


def case_timeline(*, case: Case):
    return case.events.select_related("actor").order_by("created_at", "id")


def customer_history(*, case: Case, limit: int = 50):
    """Everything the customer said before, on any channel (the person calling them back needs it all)."""
    if case.customer_id is None:
        return Feedback.objects.none()
    return (
        Feedback.objects.filter(customer_id=case.customer_id)
        .exclude(pk=case.feedback_id)
        .select_related("source", "touchpoint")
        .defer("search_vector")
        .order_by("-occurred_at")[:limit]
    )


def claimable_team_ids(*, user) -> list[int]:
    """Teams whose queue the user works: their own teams (admins and managers assign instead)."""
    return sorted(scope_for(user).team_ids)


def message_templates():
    return MessageTemplate.objects.filter(active=True).order_by("name")


OPEN_OR_DONE = [(status.value, status.label) for status in CaseStatus]
