"""Overdue cases escalate to the team lead, then the manager, each once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.notifications.models import EmailMessage, Notification
from cxloop.notifications.services import alert_summaries_send
from innerloop.models import CaseStatus
from innerloop.services.escalation import BATCH, cases_escalate_overdue

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
    # by email in each one's next alert summary, not one email per breach
    assert not EmailMessage.objects.exists()
    assert alert_summaries_send() == 2
    summary = EmailMessage.objects.get(to="lead@example.test")
    assert summary.subject == "cxloop: 1 overdue case for your team"
    assert f"Overdue (first contact): case {case.pk}" in summary.body


def test_a_burst_of_breaches_is_one_email_per_person(org, emails):
    # given: 30 cases breached while the machine was off
    CaseFactory.create_batch(30, team=org["team_a1"], due_at=timezone.now() - timedelta(hours=1))
    # when
    cases_escalate_overdue()
    sent = alert_summaries_send()
    # then
    assert sent == 1
    assert EmailMessage.objects.get().subject == "cxloop: 30 overdue cases for your team"


def test_paused_resolved_and_on_time_cases_do_not_escalate(org, emails):
    past = timezone.now() - timedelta(hours=3)
    CaseFactory(team=org["team_a1"], due_at=past, paused_at=past, status=CaseStatus.WAITING_ON_CUSTOMER)
    CaseFactory(team=org["team_a1"], due_at=timezone.now() + timedelta(hours=3))
    assert cases_escalate_overdue() == 0


def test_a_new_breach_escalates_at_once_behind_hundreds_waiting_for_the_manager(org, emails):
    # given: more cases than one scan takes, escalated to the lead long ago and not yet owed to the
    # manager (their policy waits a week), all due before the case that breaches now
    patient = SlaPolicyFactory(manager_escalation_minutes=7 * 24 * 60)
    waiting = CaseFactory.create_batch(
        BATCH + 5, team=org["team_a1"], sla_policy=patient, escalation_level=1,
        due_at=timezone.now() - timedelta(days=2),
    )  # fmt: skip
    breached = CaseFactory(
        team=org["team_a1"], sla_policy=patient, due_at=timezone.now() - timedelta(seconds=1)
    )
    # when
    made = cases_escalate_overdue()
    # then: the new breach went to the lead; nobody waiting went to the manager early
    breached.refresh_from_db()
    assert made == 1
    assert breached.escalation_level == 1
    assert not Notification.objects.filter(key__contains=":escalation:2:").exists()
    assert {case.escalation_level for case in waiting} == {1}
