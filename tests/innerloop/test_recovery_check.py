"""The customer's own recovery check: asked after the resolve commits, through the survey machinery and
its contact rules; an unhappy answer reopens the case for its owner, a happy one counts as a rescue,
and the answer never opens a case of its own."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.notifications.models import Notification
from feedback.models import Feedback, SurveyInvitation
from feedback.surveys.answers import survey_answer_record
from innerloop import tasks
from innerloop.metrics import loop_closure
from innerloop.models import Case, CaseEvent, CaseStatus
from innerloop.models.cases import RECOVERED
from innerloop.recovery import case_recovery_answered, case_recovery_ask, recovery_survey
from innerloop.services import cases as services
from innerloop.services.triage import triage_pending
from innerloop.timeline import timeline_entries
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory, InviteInvitationFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    """Tasks sent after commit, recorded instead of sent to the broker: (task name, kwargs)."""
    sent: list[tuple[str, dict]] = []

    def record(task, **kwargs) -> bool:
        sent.append((task.name, kwargs))
        return True

    monkeypatch.setattr("cxloop.core.tasks_util.enqueue", record)
    return sent


@pytest.fixture
def case(org, people):
    customer = CustomerFactory(name="Ada Lovelace", email="ada@example.test")
    feedback = FeedbackFactory(team=org["team_a1"], customer=customer, score=2, language="pt")
    return CaseFactory(team=org["team_a1"], feedback=feedback, assignee=people["agent"], status="in_progress")


@pytest.fixture
def root_cause(db):
    return CategoryFactory(slug="late", name="Late delivery")


def resolve(case, people, root_cause, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        services.case_resolve(
            case=case, actor=people["agent"], root_cause=root_cause, resolution_note="Refunded", **extra
        )
    case.refresh_from_db()


def asked_events(case):
    return list(case.events.filter(kind=CaseEvent.Kind.RECOVERY_ASKED).order_by("pk"))


def answer(invitation, django_capture_on_commit_callbacks, **given):
    with django_capture_on_commit_callbacks(execute=True):
        result = survey_answer_record(invitation=invitation, **given)
    assert result.stored, result.errors


def test_resolving_asks_the_customer_after_the_commit(
    case, people, root_cause, enqueued, django_capture_on_commit_callbacks
):
    # when: resolved (nothing is asked inside the resolve's transaction)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.case_resolve(
            case=case, actor=people["agent"], root_cause=root_cause, resolution_note="Refunded"
        )
    assert not SurveyInvitation.objects.exists()
    for callback in callbacks:
        callback()
    # then: the ask is enqueued after the commit, and the task invites the customer
    assert ("innerloop.case_recovery_ask", {"case_id": case.pk}) in enqueued
    assert tasks.case_recovery_ask(case.pk) is True
    invitation = SurveyInvitation.objects.get()
    assert invitation.survey == recovery_survey()
    assert invitation.survey.purpose == "recovery"
    assert (invitation.customer_id, invitation.case_id) == (case.customer_id, case.pk)
    assert invitation.transaction_id == f"case-{case.pk}-resolved-1"
    assert (invitation.trigger, invitation.status, invitation.language) == ("recovery", "scheduled", "pt")
    (event,) = asked_events(case)
    assert event.data["status"] == "scheduled"
    assert event.data["invitation"] == invitation.pk
    # and: a task delivered twice asks once
    assert tasks.case_recovery_ask(case.pk) is False
    assert SurveyInvitation.objects.count() == 1


def test_a_do_not_contact_customer_is_not_asked_and_the_timeline_says_why(
    case, people, root_cause, django_capture_on_commit_callbacks
):
    # given
    case.customer.do_not_contact = True
    case.customer.save(update_fields=["do_not_contact"])
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    # when
    case_recovery_ask(case=case)
    # then
    (event,) = asked_events(case)
    assert (event.data["status"], event.data["reason"]) == ("suppressed", "do_not_contact")
    assert SurveyInvitation.objects.get().status == "suppressed"
    entry = next(
        e for e in timeline_entries(case, list(case.events.all()), user=people["agent"]) if e.event == event
    )
    assert entry.text == "Not asked: the customer asked not to be contacted."


def test_a_case_without_a_customer_is_not_asked(
    org, people, root_cause, enqueued, django_capture_on_commit_callbacks
):
    case = CaseFactory(team=org["team_a1"], feedback=FeedbackFactory(customer=None, team=org["team_a1"]))
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    assert not [name for name, _ in enqueued if name == "innerloop.case_recovery_ask"]
    assert case_recovery_ask(case=case) is None


def test_an_unhappy_answer_reopens_the_case_for_its_owner_who_is_told(
    case, people, root_cause, django_capture_on_commit_callbacks
):
    # given
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    case_recovery_ask(case=case)
    invitation = SurveyInvitation.objects.get()
    # when: the customer says it is not resolved, 4/10
    answer(invitation, django_capture_on_commit_callbacks, score=4, resolved=False)
    # then
    case.refresh_from_db()
    assert case.status == CaseStatus.REOPENED
    assert case.assignee == people["agent"]
    assert (case.customer_resolved, case.customer_recovery_score) == (False, 4)
    assert case.customer_recovery_at is not None
    assert not case.is_recovered
    kinds = list(case.events.values_list("kind", flat=True).order_by("pk"))
    assert kinds[-2:] == ["customer_answered", "reopened"]
    (notification,) = Notification.objects.filter(user=people["agent"], kind="case_reopened_by_customer")
    assert notification.url == f"/cases/{case.pk}/"
    assert f"Case {case.pk} reopened" in notification.title
    words = [e.text for e in timeline_entries(case, list(case.events.order_by("pk")), user=people["agent"])]
    assert "Customer says: not resolved, 4/10. The case is reopened for its owner." in words
    assert "The customer said at their own recovery check that it is not resolved for them." in words


def test_a_happy_answer_stays_resolved_and_counts_as_a_rescue(
    org, case, people, root_cause, django_capture_on_commit_callbacks
):
    # given: this case, answered happy by its customer; another the agent scored 9 but whose
    # customer says it is not resolved; a third known only from the agent's score (8); a fourth the
    # agent scored 3 but whose customer says resolved, 9/10
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    case_recovery_ask(case=case)
    answer(SurveyInvitation.objects.get(), django_capture_on_commit_callbacks, score=9, resolved=True)
    resolved = {
        "status": "resolved",
        "root_cause": root_cause,
        "resolution_note": "Done",
        "resolved_at": timezone.now(),
    }
    customer_unhappy = {
        "customer_resolved": False,
        "customer_recovery_score": 8,
        "customer_recovery_at": timezone.now(),
    }
    overruled = CaseFactory(team=org["team_a1"], recovery_score=9, **customer_unhappy, **resolved)
    agent_only = CaseFactory(team=org["team_a1"], recovery_score=8, **resolved)
    customer_happy = {**customer_unhappy, "customer_resolved": True, "customer_recovery_score": 9}
    overruling = CaseFactory(team=org["team_a1"], recovery_score=3, **customer_happy, **resolved)
    # then
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.is_recovered
    assert not overruled.is_recovered
    today = timezone.localdate()
    (row,) = loop_closure(user=people["lead"], date_from=today, date_to=today + timedelta(days=1))
    assert set(Case.objects.filter(RECOVERED).values_list("pk", flat=True)) == {
        case.pk, agent_only.pk, overruling.pk,
    }  # fmt: skip
    assert row["recovery_checks"] == 4
    assert (row["recovery_customer_answers"], row["recovery_agent_recorded"]) == (3, 1)
    assert row["recovery_rate"] == 75.0


def test_the_dashboard_says_whose_checks_they_are(client, org, people, root_cause):
    resolved = {
        "status": "resolved",
        "root_cause": root_cause,
        "resolution_note": "Done",
        "resolved_at": timezone.now(),
    }
    customer_happy = {
        "customer_resolved": True,
        "customer_recovery_score": 9,
        "customer_recovery_at": timezone.now(),
    }
    CaseFactory(team=org["team_a1"], **customer_happy, **resolved)
    CaseFactory(team=org["team_a1"], recovery_score=3, **resolved)
    client.force_login(people["lead"])
    html = client.get("/dashboards/teams/team-a1/").content.decode()
    assert "1 customer answered, 1 agent-recorded" in html


def test_the_case_page_shows_the_customers_answer_and_the_agents(client, case, people):
    Case.objects.filter(pk=case.pk).update(
        recovery_score=5,
        customer_resolved=True,
        customer_recovery_score=9,
        customer_recovery_at=timezone.now(),
    )
    client.force_login(people["agent"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Customer says: resolved, 9/10" in html
    assert "Agent recorded: 5/10" in html


def test_the_answer_opens_no_case_of_its_own(
    org, case, people, root_cause, django_capture_on_commit_callbacks
):
    # given: a triage team, which would own a detractor no rule matched
    org["team_a2"].is_triage_team = True
    org["team_a2"].save(update_fields=["is_triage_team"])
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    case_recovery_ask(case=case)
    answer(SurveyInvitation.objects.get(), django_capture_on_commit_callbacks, score=2, resolved=False)
    item = Feedback.objects.get(source__slug="recovery-check")
    Feedback.objects.filter(pk=item.pk).update(processed_at=timezone.now())
    # when
    run = triage_pending(feedback_ids=[item.pk])
    # then: triaged, no case opened, and the result names the case it answers
    item.refresh_from_db()
    assert (run.triaged, run.cases) == (1, 0)
    assert Case.objects.count() == 1
    assert item.triage_result["recovery_for_case"] == case.pk


def test_another_sources_feedback_cannot_claim_to_be_a_recovery_answer(org, case, root_cause):
    # given: a detractor from an ordinary source whose metadata says it answers a case
    org["team_a2"].is_triage_team = True
    org["team_a2"].save(update_fields=["is_triage_team"])
    recovery_survey()
    item = FeedbackFactory(score=1, metadata={"recovery_for_case": case.pk}, processed_at=timezone.now())
    # when
    run = triage_pending(feedback_ids=[item.pk])
    # then: triage opens its case as for any detractor
    assert run.cases == 1


def test_resolving_again_asks_again_once(case, people, root_cause, django_capture_on_commit_callbacks):
    # given: resolved, asked, answered unhappy (reopened)
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    case_recovery_ask(case=case)
    answer(SurveyInvitation.objects.get(), django_capture_on_commit_callbacks, score=3, resolved=False)
    # when: resolved again, and the task runs twice
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    case_recovery_ask(case=case)
    case_recovery_ask(case=case)
    # then
    assert [e.data["transaction_id"] for e in asked_events(case)] == [
        f"case-{case.pk}-resolved-1",
        f"case-{case.pk}-resolved-2",
    ]
    assert SurveyInvitation.objects.filter(case_id=case.pk).count() == 2


def test_a_lost_ask_is_made_by_the_sweep(case, people, root_cause, django_capture_on_commit_callbacks):
    # given: resolved a while ago, and its ask lost
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    Case.objects.filter(pk=case.pk).update(resolved_at=timezone.now() - timedelta(minutes=10))
    # when
    asked = tasks.recovery_asks_sweep()
    # then: asked once, not again
    assert asked == 1
    assert tasks.recovery_asks_sweep() == 0
    assert len(asked_events(case)) == 1


def test_a_second_answer_within_the_window_updates_without_reopening_twice(
    case, people, root_cause, django_capture_on_commit_callbacks
):
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    case_recovery_ask(case=case)
    invitation = SurveyInvitation.objects.get()
    case_recovery_answered(invitation=invitation, feedback=None, score=4, resolved=False)
    case_recovery_answered(invitation=invitation, feedback=None, score=8, resolved=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.REOPENED
    assert case.events.filter(kind=CaseEvent.Kind.REOPENED).count() == 1
    assert (case.customer_resolved, case.customer_recovery_score) == (True, 8)


@pytest.mark.parametrize(
    "forged",
    [
        {
            "trigger": SurveyInvitation.Trigger.API,
            "own_customer": False,
        },  # someone's own email, the case's id
        {
            "trigger": SurveyInvitation.Trigger.RECOVERY,
            "own_customer": False,
        },  # a recovery check of another customer
        {"trigger": SurveyInvitation.Trigger.CSV, "own_customer": True},  # not the recovery check
    ],
)
def test_an_answer_to_an_invitation_that_is_not_the_cases_own_recovery_check_changes_nothing(
    case, people, root_cause, django_capture_on_commit_callbacks, forged
):
    # given: the case resolved, and an invitation to the recovery survey naming the case
    resolve(case, people, root_cause, django_capture_on_commit_callbacks)
    customer = case.customer if forged["own_customer"] else CustomerFactory(email="me@attacker.test")
    invitation = InviteInvitationFactory(
        survey=recovery_survey(), customer=customer, case_id=case.pk, trigger=forged["trigger"],
        transaction_id="forged", sent_at=timezone.now(), expires_at=timezone.now() + timedelta(days=7),
    )  # fmt: skip
    events_before = case.events.count()
    # when: "not resolved, 0/10"
    with django_capture_on_commit_callbacks(execute=True):
        survey_answer_record(invitation=invitation, score=0, resolved=False)
    case_recovery_answered(invitation=invitation, feedback=None, score=0, resolved=False)
    # then
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert (case.customer_resolved, case.customer_recovery_score, case.customer_recovery_at) == (
        None,
        None,
        None,
    )
    assert case.events.count() == events_before
    assert not Notification.objects.filter(kind="case_reopened_by_customer").exists()
