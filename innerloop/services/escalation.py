"""SLA breaches escalate: level 1 to the team lead at the breach, level 2 to the manager later; each once.

Deadlines are stored; a periodic task scans the partial indexes of running clocks. Safe with
two beat processes: each case row is taken with SKIP LOCKED and its level only ever rises, and
each notification has a unique key.
"""

from django.db import transaction
from django.db.models import DurationField, F, Func, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cxloop.notifications.services import notifications_create
from cxloop.org.models import Membership, Role
from cxloop.outbound.models import EventType
from cxloop.outbound.payloads import case_payload
from cxloop.outbound.services import event_emit
from innerloop.events import case_event_escalated
from innerloop.models import Case, CaseStatus

BATCH = 200
RUNNING = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED)


def _recipients(case: Case, level: int):
    if level == 1:
        memberships = Membership.objects.filter(team=case.team, role=Role.TEAM_LEAD)
    else:
        memberships = Membership.objects.filter(department=case.team.department_id, role=Role.MANAGER)
    return [membership.user for membership in memberships.select_related("user")]


DEFAULT_MANAGER_WAIT_MINUTES = 8 * 60


def _manager_wait():
    """The case's wait from its breach to the manager's escalation, as an SQL interval."""
    minutes = Coalesce("sla_policy__manager_escalation_minutes", Value(DEFAULT_MANAGER_WAIT_MINUTES))
    return Func(minutes, template="make_interval(mins => %(expressions)s)", output_field=DurationField())


@transaction.atomic
def cases_escalate_overdue(*, now=None) -> int:
    """Escalate every overdue case one level at a time; returns how many escalations were made."""
    now = now or timezone.now()
    overdue = (
        Case.objects.select_for_update(of=("self",), skip_locked=True, no_key=True)
        .select_related("team", "sla_policy", "kind")
        # Overdue as everywhere (Case.objects.overdue), with the clock running: waiting on the
        # customer pauses it, so only these statuses can be owed a level.
        .overdue(now)
        .filter(status__in=RUNNING, escalation_level__lt=2)
        .filter(Q(first_contacted_at__isnull=True) | Q(resolution_due_at__lt=now))
        # Only cases owed a level now: the lead's cases waiting for the manager's turn must not
        # fill the batch ahead of a case that has just breached.
        .annotate(manager_due=F("due_at") + _manager_wait())
        .filter(Q(escalation_level=0) | Q(manager_due__lt=now))
        .order_by("due_at")[:BATCH]
    )
    made, alerts = 0, []
    for case in overdue:
        # Every case taken is past its deadline (the filter): the lead's level at least, the
        # manager's once their wait is over too.
        # The ignore: django-stubs types annotate()'s `manager_due` on the queryset, but drops it
        # on iteration, as CaseQuerySet is a non-generic QuerySet["Case"] subclass.
        target = 2 if case.manager_due < now else 1  # type: ignore[attr-defined]
        for level in range(case.escalation_level + 1, target + 1):
            clock = "first contact" if case.first_contacted_at is None else "resolution"
            alerts += [
                {
                    "user_id": user.pk,
                    "key": f"case:{case.pk}:escalation:{level}:{user.pk}",
                    "kind": "case_escalated",
                    "title": f"Overdue ({clock}): case {case.pk}, {case.kind} for {case.team}",
                    "body": f"The {clock} deadline was {case.due_at:%Y-%m-%d %H:%M %Z}.",
                    "url": f"/cases/{case.pk}/",
                }
                for user in _recipients(case, level)
            ]
            case_event_escalated(case=case, level=level, clock=clock)
            escalation = {"level": level, "clock": clock.replace(" ", "_")}
            event_emit(type=EventType.CASE_ESCALATED, payload=case_payload(case, escalation=escalation))
            made += 1
        if target > case.escalation_level:
            Case.objects.filter(pk=case.pk, escalation_level__lt=target).update(escalation_level=target)
    # In the bell now; by email in each person's next alert summary (one email for a whole burst
    # of breaches, as after an outage).
    notifications_create(notifications=alerts)
    return made
