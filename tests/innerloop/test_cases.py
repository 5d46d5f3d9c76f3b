"""Working a case through the services: every change on the timeline, no silent overwrite."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from cxloop.core.exceptions import ApplicationError
from cxloop.notifications.models import EmailMessage
from innerloop.models import Case, CaseStatus
from innerloop.services import cases as services
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory

from .factories import CaseFactory, MessageTemplateFactory, SlaPolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(org):
    customer = CustomerFactory(name="Ada Lovelace", email="ada@example.test")
    return CaseFactory(
        team=org["team_a1"], feedback=FeedbackFactory(team=org["team_a1"], customer=customer, score=2)
    )


@pytest.fixture
def root_cause(db):
    return CategoryFactory(slug="late", name="Late delivery", parent=CategoryFactory(slug="delivery"))


def kinds(case):
    return list(case.events.values_list("kind", flat=True))


def test_claim_next_takes_the_most_urgent_unassigned_case(org, people):
    # given
    later = CaseFactory(team=org["team_a1"], due_at=timezone.now() + timedelta(hours=5))
    sooner = CaseFactory(team=org["team_a1"], due_at=timezone.now() + timedelta(hours=1))
    urgent = CaseFactory(team=org["team_a1"], priority="urgent", priority_rank=0, due_at=later.due_at)
    CaseFactory(team=org["team_b1"], due_at=timezone.now())
    # when
    claimed = [services.case_claim_next(team_ids=[org["team_a1"].pk], user=people["agent"]) for _ in range(4)]
    # then
    assert [case.pk if case else None for case in claimed] == [urgent.pk, sooner.pk, later.pk, None]
    assert claimed[0].assignee == people["agent"]
    assert claimed[0].status == CaseStatus.IN_PROGRESS
    assert kinds(claimed[0]) == ["assigned", "status_changed"]


def test_reaching_the_customer_stops_the_first_contact_clock(case, people):
    # when
    services.case_log_contact(case=case, actor=people["agent"], channel="phone", outcome="no_answer")
    case.refresh_from_db()
    first_due = case.due_at
    services.case_log_contact(
        case=case, actor=people["agent"], channel="phone", outcome="reached", promised="A refund today"
    )
    case.refresh_from_db()
    # then
    assert first_due == case.first_contact_due_at
    assert case.first_contacted_at is not None
    assert case.due_at == case.resolution_due_at
    assert case.contacts.count() == 2
    assert kinds(case) == ["contact_logged", "status_changed", "contact_logged"]


def test_a_stale_edit_is_refused(case, people, root_cause):
    # given: two people opened the case at version 1; one logs a call
    services.case_log_contact(
        case=case, actor=people["agent"], channel="phone", outcome="reached", expected_version=1
    )
    # when / then: the other's resolve, made on version 1, is refused
    with pytest.raises(ApplicationError, match="Someone else changed this case"):
        services.case_resolve(
            case=case, actor=people["lead"], root_cause=root_cause, resolution_note="Done", expected_version=1
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_resolving_needs_a_root_cause_and_a_note(case, people, root_cause):
    with pytest.raises(ApplicationError, match="how it was resolved"):
        services.case_resolve(case=case, actor=people["agent"], root_cause=root_cause, resolution_note="  ")
    resolved = services.case_resolve(
        case=case, actor=people["agent"], root_cause=root_cause, resolution_note="Refunded"
    )
    assert (resolved.status, resolved.root_cause) == (CaseStatus.RESOLVED, root_cause)


def test_an_unhappy_recovery_check_reopens_the_case(case, people, root_cause):
    # when
    services.case_resolve(
        case=case,
        actor=people["agent"],
        root_cause=root_cause,
        resolution_note="Apologised",
        recovery_score=4,
    )
    # then
    case.refresh_from_db()
    assert case.status == CaseStatus.REOPENED
    assert case.recovery_score == 4
    assert kinds(case)[-3:] == ["resolved", "recovery_checked", "reopened"]


def test_a_happy_recovery_check_stays_resolved_and_the_loop_closes(case, people, root_cause):
    services.case_resolve(
        case=case, actor=people["agent"], root_cause=root_cause, resolution_note="Refunded", recovery_score=9
    )
    case.refresh_from_db()
    closed = services.case_close(case=case, actor=people["agent"])
    assert closed.status == CaseStatus.CLOSED
    with pytest.raises(ApplicationError):
        services.case_transition(case=closed, to_status=CaseStatus.IN_PROGRESS, actor=people["agent"])


def test_waiting_on_the_customer_pauses_the_clock(org, people):
    # given: a round-the-clock SLA, first contact due in 24 h
    with freeze_time("2026-11-02 09:00:00+00:00"):
        case = CaseFactory(team=org["team_a1"], sla_policy=SlaPolicyFactory())
        Case.objects.filter(pk=case.pk).update(
            due_at=timezone.now() + timedelta(hours=24),
            first_contact_due_at=timezone.now() + timedelta(hours=24),
        )
        case.refresh_from_db()
        services.case_transition(case=case, to_status=CaseStatus.WAITING_ON_CUSTOMER, actor=people["agent"])
    # when: the customer answers six hours later
    with freeze_time("2026-11-02 15:00:00+00:00"):
        services.case_transition(case=case, to_status=CaseStatus.IN_PROGRESS, actor=people["agent"])
    # then: the deadline moved by six hours
    case.refresh_from_db()
    assert case.due_at.isoformat() == "2026-11-03T15:00:00+00:00"
    assert case.paused_at is None


def test_messages_to_the_customer_are_sent_once_and_recorded(
    case, people, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    template = MessageTemplateFactory()
    # when
    with django_capture_on_commit_callbacks(execute=False):
        event = services.case_message_customer(case=case, actor=people["agent"], template=template)
    # then: queued under a unique key, sent by the task, never twice
    email = EmailMessage.objects.get()
    from cxloop.notifications.services import email_send

    assert email_send(email_id=email.pk) is True
    assert email_send(email_id=email.pk) is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ada@example.test"]
    assert mailoutbox[0].subject == "About your feedback, Ada Lovelace"
    assert f"case {case.pk}" in mailoutbox[0].body
    assert event.data["email_key"] == email.key


def test_no_email_no_message(org, people):
    case = CaseFactory(team=org["team_a1"], feedback=FeedbackFactory(customer=CustomerFactory(email="")))
    with pytest.raises(ApplicationError, match="no email address"):
        services.case_message_customer(case=case, actor=people["agent"], template=MessageTemplateFactory())


def test_assign_only_to_someone_on_the_team(case, people):
    with pytest.raises(ApplicationError, match="is not on"):
        services.case_assign(case=case, assignee=people["agent_b"], actor=people["lead"])
    assert (
        services.case_assign(case=case, assignee=people["agent"], actor=people["lead"]).assignee
        == people["agent"]
    )


def test_an_email_whose_header_cannot_be_sent_is_marked_failed_not_left_sending(mailoutbox):
    # given: a queued email with a line break in its subject (written before subjects were checked)
    from cxloop.notifications.services import email_send

    email = EmailMessage.objects.create(
        key="bad-header", to="ada@example.test", subject="Hi\rBcc: x", body="b"
    )
    # when
    sent = email_send(email_id=email.pk)
    # then
    email.refresh_from_db()
    assert (sent, email.status, len(mailoutbox)) == (False, EmailMessage.Status.FAILED, 0)
