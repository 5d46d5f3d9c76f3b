"""Overdue cases escalate to the team lead, then the manager, each once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.notifications.models import EmailMessage, Notification
from innerloop.models import CaseStatus
from innerloop.services.escalation import cases_escalate_overdue

from .factories import CaseFactory, SlaPolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(people):
    for person in ("lead", "manager", "agent"):
        people[person].email = f"{person}@example.test"
        people[person].save()
    return people


def escalated_to(level):
    return sorted(
        Notification.objects.filter(key__contains=f":escalation:{level}:").values_list(
            "user__username", flat=True
        )
    )


def test_breach_goes_to_the_lead_then_to_the_manager(org, emails):
    # given: first contact was due an hour ago; the manager hears after 8 more hours
    case = CaseFactory(
        team=org["team_a1"], sla_policy=SlaPolicyFactory(), due_at=timezone.now() - timedelta(hours=1)
    )
    # when
    first = cases_escalate_overdue()
    again = cases_escalate_overdue()
    later = cases_escalate_overdue(now=timezone.now() + timedelta(hours=9))
    # then
    case.refresh_from_db()
    assert (first, again, later) == (1, 0, 1)
    assert escalated_to(1) == ["lead-a1"]
    assert escalated_to(2) == ["manager-a"]
    assert case.escalation_level == 2
    assert list(case.events.filter(kind="escalated").values_list("data__level", flat=True)) == [1, 2]
    assert EmailMessage.objects.filter(to__in=["lead@example.test", "manager@example.test"]).count() == 2


def test_paused_resolved_and_on_time_cases_do_not_escalate(org, emails):
    past = timezone.now() - timedelta(hours=3)
    CaseFactory(team=org["team_a1"], due_at=past, paused_at=past, status=CaseStatus.WAITING_ON_CUSTOMER)
    CaseFactory(team=org["team_a1"], due_at=timezone.now() + timedelta(hours=3))
    assert cases_escalate_overdue() == 0
