"""Reading the audit log: administrators only, filtered, newest first."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from cxloop.core.models import AuditEvent
from cxloop.org.models import Role
from cxloop.org.scoping import scope_for

from .filters import AuditEventFilter

# The columns a row is read with: the page, the CSV and the API show no more (no join: the
# actor's username is on the row).
COLUMNS = ("id", "created_at", "actor_id", "actor_username", "ip", "verb", "target_type", "target_id",
           "customer_id", "data")  # fmt: skip


def audit_events_visible_to(*, user: Any) -> QuerySet[AuditEvent]:
    """The whole log for administrators; nothing for anyone else."""
    if not scope_for(user).has_role(Role.ADMIN):
        return AuditEvent.objects.none()
    return AuditEvent.objects.only(*COLUMNS)


def audit_event_search(*, user: Any, filters: Any) -> tuple[AuditEventFilter, QuerySet[AuditEvent]]:
    """The filters and what they select, newest (last written) first; invalid filters select
    nothing (their errors say why)."""
    data = filters if filters is not None else {}
    filterset = AuditEventFilter(data, queryset=audit_events_visible_to(user=user))
    if not filterset.is_valid():
        return filterset, AuditEvent.objects.none()
    return filterset, filterset.qs.select_related("actor").order_by("-id")


def audit_event_list(*, user: Any, filters: Any) -> QuerySet[AuditEvent]:
    """What the filters select; ValidationError naming each wrong filter and why (the API's 400)."""
    filterset, events = audit_event_search(user=user, filters=filters)
    if not filterset.is_valid():
        errors = filterset.form.errors.get_json_data()
        raise ValidationError({name: [error["message"] for error in found] for name, found in errors.items()})
    return events


@dataclass(frozen=True)
class Page:
    rows: list[AuditEvent]
    # The id to continue from (the `before` of the next, older page), or None on the last page.
    next_before: int | None


def audit_page(events: QuerySet[AuditEvent], *, before: int | None, size: int) -> Page:
    """One page, by keyset (rows older than `before`): no count, no offset, at any depth."""
    if before is not None:
        events = events.filter(id__lt=before)
    rows = list(events[: size + 1])
    more = len(rows) > size
    return Page(rows=rows[:size], next_before=rows[size - 1].pk if more else None)
