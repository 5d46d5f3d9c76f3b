"""Recording survey answers: through ingestion, once per invitation, changeable for a while."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Feedback, SurveyInvitation
from feedback.surveys import answers, listeners
from feedback.surveys.answers import CHANGED, CLOSED, INVALID, RECORDED, UNCHANGED, survey_answer_record
from tests.factories import (
    InviteInvitationFactory,
    InviteSurveyFactory,
    JourneyStageFactory,
    TouchpointFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """The answer listeners, isolated from what the apps registered; the calls they received."""
    monkeypatch.setattr(listeners, "_listeners", {})
    calls: list[dict] = []

    def listener(**kwargs):
        calls.append(kwargs)

    return calls, listener


def _invitation(org, **survey):
    stage, touchpoint = JourneyStageFactory(slug="delivery"), TouchpointFactory(slug="courier")
    return InviteInvitationFactory(
        survey=InviteSurveyFactory(
            slug="after-delivery", journey_stage=stage, touchpoint=touchpoint, **survey
        ),
        team=org["team_a1"],
        customer__external_id="C-100",
        expires_at=timezone.now() + timedelta(days=30),
    )


def test_an_answer_is_ingested_as_the_surveys_feedback_and_marks_the_invitation(
    org, django_capture_on_commit_callbacks
):
    # given
    invitation = _invitation(org)
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        result = survey_answer_record(
            invitation=invitation,
            score=3,
            comment="The parcel came two days late.",
            follow_ups=[{"question": "What should we change?", "answer": "Tell me when it is late."}],
        )
    # then: one feedback item of the survey's source, as the contract stores it
    assert result.status == RECORDED
    item = Feedback.objects.get()
    assert result.feedback_id == item.pk
    assert (item.source, item.external_id) == (invitation.survey.source, f"invitation-{invitation.pk}")
    assert (item.scale, item.score, item.comment) == ("nps", 3, "The parcel came two days late.")
    assert item.customer.external_id == "C-100"
    assert (item.touchpoint.slug, item.journey_stage.slug, item.team) == (
        "courier",
        "delivery",
        org["team_a1"],
    )
    assert item.metadata == {
        "survey": "after-delivery",
        "invitation": invitation.pk,
        "follow_ups": [{"question": "What should we change?", "answer": "Tell me when it is late."}],
    }
    # and the invitation is answered, pointing at it
    invitation.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.ANSWERED
    assert invitation.feedback == item
    assert timezone.now() - invitation.answered_at < timedelta(seconds=5)
    # and enrichment and triage follow after commit, as for every channel
    assert callbacks, "the processing task is enqueued after commit"
    assert result.editable_until == invitation.answered_at + timedelta(minutes=60)


def test_the_invitations_touchpoint_wins_over_the_surveys(org):
    invitation = _invitation(org)
    invitation.touchpoint = TouchpointFactory(slug="store-visit")
    invitation.save()
    survey_answer_record(invitation=invitation, score=9)
    assert Feedback.objects.get().touchpoint.slug == "store-visit"


def test_a_one_click_score_then_a_comment_make_one_feedback_item(org):
    # given: the score from the email
    invitation = _invitation(org)
    survey_answer_record(invitation=invitation, score=8)
    # when: the comment from the page, with the score changed
    result = survey_answer_record(invitation=invitation, score=6, comment="Slow.", follow_ups=[])
    # then
    assert result.status == CHANGED
    item = Feedback.objects.get()
    assert (item.score, item.comment) == (6, "Slow.")
    assert item.processed_at is None  # a new score is enriched and triaged again


def test_a_change_that_names_only_the_score_keeps_the_comment(org):
    invitation = _invitation(org)
    survey_answer_record(
        invitation=invitation, score=4, comment="Late.", follow_ups=[{"question": "Q", "answer": "A"}]
    )
    survey_answer_record(invitation=invitation, score=5)
    item = Feedback.objects.get()
    assert (item.score, item.comment, item.metadata["follow_ups"]) == (
        5,
        "Late.",
        [{"question": "Q", "answer": "A"}],
    )


def test_the_same_answer_again_changes_nothing(org):
    invitation = _invitation(org)
    survey_answer_record(invitation=invitation, score=9, comment="Great")
    result = survey_answer_record(invitation=invitation, score=9, comment="Great")
    assert result.status == UNCHANGED
    assert Feedback.objects.count() == 1


def test_after_the_edit_window_the_answer_is_closed(org):
    # given: an answer given 61 minutes ago, with a 60-minute window
    invitation = _invitation(org, answer_edit_minutes=60)
    survey_answer_record(invitation=invitation, score=9, comment="Great")
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        answered_at=timezone.now() - timedelta(minutes=61)
    )
    # when
    result = survey_answer_record(invitation=invitation, score=0, comment="Changed my mind")
    # then
    assert result.status == CLOSED
    item = Feedback.objects.get()
    assert (item.score, item.comment) == (9, "Great")


@pytest.mark.parametrize(("scale", "score"), [("nps", 11), ("nps", -1), ("csat", 0), ("csat", 6), ("ces", 8)])
def test_a_score_off_the_scale_is_refused_and_nothing_is_stored(org, scale, score):
    invitation = _invitation(org, scale=scale)
    result = survey_answer_record(invitation=invitation, score=score)
    assert result.status == INVALID
    assert "score" in result.errors
    assert not Feedback.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == "sent"


def test_a_comment_too_long_is_refused(org):
    invitation = _invitation(org)
    result = survey_answer_record(invitation=invitation, score=5, comment="x" * 10_001)
    assert result.status == INVALID
    assert "comment" in result.errors
    assert not Feedback.objects.exists()


def test_an_inactive_source_is_a_general_error_not_a_silent_drop(org):
    invitation = _invitation(org)
    invitation.survey.source.active = False
    invitation.survey.source.save()
    result = survey_answer_record(invitation=invitation, score=5)
    assert result.status == INVALID
    assert result.errors["__all__"]
    invitation.refresh_from_db()
    assert invitation.status == "sent"


def test_an_employee_answer_is_never_linked_to_the_person(org):
    # given: an eNPS invitation to a person of team A1
    person = UserFactory(username="asked")
    invitation = InviteInvitationFactory(
        survey=InviteSurveyFactory(slug="enps", audience="employees"),
        customer=None,
        employee=person,
        team=org["team_a1"],
        expires_at=timezone.now() + timedelta(days=3),
    )
    # when
    result = survey_answer_record(invitation=invitation, score=4, comment="Too many tools.")
    # then: the feedback has a random id, no customer, no invitation, the team for grouping
    item = Feedback.objects.get()
    assert item.external_id.startswith("anonymous-")
    assert str(invitation.pk) not in item.external_id
    assert item.customer is None
    assert item.metadata == {"survey": "enps"}
    assert item.team == org["team_a1"]
    # and the invitation only knows it was answered, on which day
    invitation.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.ANSWERED
    assert invitation.feedback is None
    assert (invitation.answered_at.hour, invitation.answered_at.minute, invitation.answered_at.second) == (
        0,
        0,
        0,
    )
    # and only the browser holding the reference may change it within the window
    other = InviteInvitationFactory(survey=invitation.survey, customer=None, employee=UserFactory())
    assert survey_answer_record(invitation=other, score=0, answer_ref=result.answer_ref).status == RECORDED
    assert survey_answer_record(invitation=invitation, score=9).status == CLOSED
    changed = survey_answer_record(invitation=invitation, score=5, answer_ref=result.answer_ref)
    assert changed.status == CHANGED
    item.refresh_from_db()
    assert (item.score, item.comment) == (5, "Too many tools.")
    assert Feedback.objects.count() == 2


def test_an_employee_answer_carries_its_round_never_the_person(org):
    # given: an invitation of the round "2026-05", made as employee_survey_send makes them
    person = UserFactory()
    survey = InviteSurveyFactory(slug="enps", audience="employees")
    invitation = InviteInvitationFactory(
        survey=survey, customer=None, employee=person, transaction_id=f"enps:2026-05:{person.pk}"
    )
    other = InviteInvitationFactory(
        survey=survey, customer=None, employee=UserFactory(), transaction_id="x-1"
    )
    # when
    survey_answer_record(invitation=invitation, score=8)
    survey_answer_record(invitation=other, score=2)
    # then: the round to group results by; nothing of the person or of another transaction id
    assert sorted(Feedback.objects.values_list("score", "metadata")) == [
        (2, {"survey": "enps"}),
        (8, {"survey": "enps", "round": "2026-05"}),
    ]


def test_opening_an_employee_survey_is_never_timed(org):
    employee = InviteInvitationFactory(
        survey=InviteSurveyFactory(slug="enps", audience="employees"), customer=None, employee=UserFactory()
    )
    customer = InviteInvitationFactory(survey=InviteSurveyFactory(slug="nps"))
    for invitation in (employee, customer):
        answers.invitation_mark_opened(invitation=invitation)
        invitation.refresh_from_db()
    assert employee.opened_at is None
    assert customer.opened_at is not None


def test_a_survey_made_inactive_takes_no_answer(org):
    invitation = _invitation(org)
    invitation.survey.active = False
    invitation.survey.save(update_fields=["active"])
    result = survey_answer_record(invitation=invitation, score=9)
    assert (result.status, result.errors) == (CLOSED, {"__all__": ["This survey no longer takes answers."]})
    assert not Feedback.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == "sent"


def test_an_employee_reference_expires_with_the_window(org, monkeypatch):
    invitation = InviteInvitationFactory(
        survey=InviteSurveyFactory(audience="employees", answer_edit_minutes=5),
        customer=None,
        employee=UserFactory(),
    )
    result = survey_answer_record(invitation=invitation, score=4)
    later = timezone.now() + timedelta(minutes=6)
    monkeypatch.setattr(answers.timezone, "now", lambda: later)
    assert survey_answer_record(invitation=invitation, score=9, answer_ref=result.answer_ref).status == CLOSED


def test_a_recovery_answer_names_its_case_and_tells_the_listeners_after_commit(
    org, heard, django_capture_on_commit_callbacks
):
    # given: a listener for recovery checks, and one for ordinary surveys
    calls, listener = heard
    listeners.answer_listener_register("recovery", listener)
    listeners.answer_listener_register("recovery", listener)  # registered twice, called once
    other_calls: list = []
    listeners.answer_listener_register("feedback", lambda **kwargs: other_calls.append(kwargs))
    invitation = _invitation(org, purpose="recovery", scale="csat")
    invitation.case_id = 4242
    invitation.save()
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        survey_answer_record(invitation=invitation, score=2, comment="Still broken", resolved=False)
        assert calls == []  # nothing before commit
    for callback in callbacks:
        callback()
    # then
    item = Feedback.objects.get()
    assert item.metadata["recovery_for_case"] == 4242
    assert item.metadata["resolved"] is False
    assert len(calls) == 1
    assert calls[0]["invitation"] == invitation
    assert calls[0]["feedback"] == item
    assert (calls[0]["score"], calls[0]["resolved"]) == (2, False)
    assert other_calls == []


def test_an_unchanged_answer_or_a_refused_one_tells_no_listener(
    org, heard, django_capture_on_commit_callbacks
):
    calls, listener = heard
    listeners.answer_listener_register("feedback", listener)
    invitation = _invitation(org)
    with django_capture_on_commit_callbacks(execute=True):
        survey_answer_record(invitation=invitation, score=9)
    with django_capture_on_commit_callbacks(execute=True):
        survey_answer_record(invitation=invitation, score=9)
        survey_answer_record(invitation=invitation, score=99)
    assert len(calls) == 1


def test_a_failing_listener_does_not_undo_the_answer(org, heard, django_capture_on_commit_callbacks, caplog):
    calls, listener = heard

    def broken(**kwargs):
        raise RuntimeError("listener bug")

    listeners.answer_listener_register("feedback", broken)
    listeners.answer_listener_register("feedback", listener)
    invitation = _invitation(org)
    with django_capture_on_commit_callbacks(execute=True):
        result = survey_answer_record(invitation=invitation, score=1)
    assert result.status == RECORDED
    assert len(calls) == 1
    assert Feedback.objects.count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_detractors_answer_has_its_case_within_seconds(org, celery_worker_process):
    # given: a triage team to own what no rule routes
    import time

    from innerloop.models import Case

    triage = org["team_b1"]
    triage.is_triage_team = True
    triage.save(update_fields=["is_triage_team"])
    invitation = _invitation(org)
    # when
    started = time.monotonic()
    result = survey_answer_record(invitation=invitation, score=1, comment="Never again.")
    # then
    while (
        not Case.objects.filter(feedback_id=result.feedback_id).exists() and time.monotonic() - started < 10
    ):
        time.sleep(0.2)
    assert Case.objects.filter(feedback_id=result.feedback_id).exists()
