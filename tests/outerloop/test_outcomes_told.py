"""Every outcome is told (#18, item 3): a dismissed or merged signal's raisers get the reason, once."""

from functools import partial
from unittest.mock import patch

import pytest

from cxloop.notifications.models import EmailMessage, Notification
from outerloop.outcomes.tell import signal_outcome_tell
from outerloop.services.signals import signal_dismiss, signal_merge
from tests.factories import CategoryFactory, FeedbackFactory

from .factories import SignalFactory
from .outcome_world import escalated_obstacle, staff_item, staff_source, survey_answer

pytestmark = pytest.mark.django_db

REASON = "Already fixed by the new refund policy from next month"


def told(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind="raised_outcome"))


@pytest.fixture
def obstacle_signal(org, people):
    return escalated_obstacle(
        team=org["team_a1"], raiser=people["agent"], lead=people["lead"], text="Refund limit too low"
    )[1]


def test_dismissing_an_escalated_obstacle_tells_who_raised_and_escalated_it_the_reason(
    obstacle_signal, people
):
    # when
    signal_dismiss(signal=obstacle_signal, actor=people["committee"], reason=REASON)
    # then: the agent who raised it and the lead who escalated it, each once, with the reason
    for person in (people["agent"], people["lead"]):
        (notification,) = told(person)
        assert notification.title == f"Dismissed: {obstacle_signal.title}"
        assert REASON in notification.body
        assert notification.url == "/raised/"
    # and nobody else
    assert Notification.objects.filter(kind="raised_outcome").count() == 2
    assert told(people["agent_b"]) == []
    assert told(people["committee"]) == []


def test_telling_again_sends_nothing_twice(obstacle_signal, people):
    # given
    signal = signal_dismiss(signal=obstacle_signal, actor=people["committee"], reason=REASON)
    # when: the telling runs again (a retried task, a second call)
    again = signal_outcome_tell(signal=signal)
    # then
    assert again == 2
    assert Notification.objects.filter(kind="raised_outcome").count() == 2


def test_merging_tells_the_raisers_what_it_was_merged_into(obstacle_signal, people):
    # given
    into = SignalFactory(title="Refunds / Checkout")
    # when
    signal_merge(signal=obstacle_signal, into=into, actor=people["committee"])
    # then
    (notification,) = told(people["agent"])
    assert notification.title == f"Merged: {obstacle_signal.title}"
    assert "“Refunds / Checkout”" in notification.body


def test_merging_into_another_teams_obstacle_does_not_reveal_its_words(obstacle_signal, org, people):
    # given: team B1's own obstacle, which team A1's agent may not read
    _, theirs = escalated_obstacle(
        team=org["team_b1"], raiser=people["agent_b"], lead=people["agent_b"], text="Manager Rui shouts at us"
    )
    # when
    signal_merge(signal=obstacle_signal, into=theirs, actor=people["committee"])
    # then
    (notification,) = told(people["agent"])
    assert "Rui" not in notification.title + notification.body
    assert "a similar obstacle raised elsewhere" in notification.body
    assert told(people["agent_b"]) == []


def test_the_author_of_signed_staff_feedback_behind_a_root_cause_is_told(org, people):
    # given: the agent's staff-form item and an anonymous survey answer fed the same root cause
    category = CategoryFactory(name="Returns")
    source = staff_source()
    staff_item(source=source, author=people["agent"], category=category, team=org["team_a1"])
    # an answer that somehow carries a name is still anonymous: nobody is told because of it
    survey_answer(source=source, category=category, raised_by=people["agent_b"].username)
    signal = SignalFactory(category=category, journey_stage=None, title="Returns")
    # when
    signal_dismiss(signal=signal, actor=people["committee"], reason="Seasonal peak")
    # then
    (notification,) = told(people["agent"])
    assert "Seasonal peak" in notification.body
    assert told(people["agent_b"]) == []


def test_staff_feedback_about_another_cause_or_stage_is_not_told(org, people):
    # given
    category, other = CategoryFactory(name="Returns"), CategoryFactory(name="Delivery")
    source = staff_source()
    staff_item(source=source, author=people["agent"], category=other)
    signal = SignalFactory(category=category, journey_stage=None)
    # when
    signal_dismiss(signal=signal, actor=people["committee"], reason="Seasonal peak")
    # then
    assert Notification.objects.filter(kind="raised_outcome").count() == 0


def test_a_signal_dismissed_again_with_another_reason_is_told_again(obstacle_signal, people):
    # given
    signal = signal_dismiss(signal=obstacle_signal, actor=people["committee"], reason=REASON)
    # when: reopened by hand and dismissed for another reason
    signal.status, signal.dismissed_reason = "new", ""
    signal.save(update_fields=["status", "dismissed_reason"])
    signal_dismiss(signal=signal, actor=people["committee"], reason="Now covered by the refunds initiative")
    # then
    bodies = [n.body for n in told(people["agent"])]
    assert len(bodies) == 2
    assert any("Now covered by the refunds initiative" in body for body in bodies)


def test_the_email_of_the_notification_leaves_only_after_the_dismissal_commits(
    obstacle_signal, people, django_capture_on_commit_callbacks
):
    # given
    agent = people["agent"]
    agent.email = "agent-a1@example.test"
    agent.save(update_fields=["email"])
    # when: dismissed, and the transaction not yet committed
    with (
        patch("cxloop.notifications.tasks.email_send.apply_async") as send,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        signal_dismiss(signal=obstacle_signal, actor=people["committee"], reason=REASON)
    # then: the email is recorded, and its sending waits for the commit
    email = EmailMessage.objects.get(to="agent-a1@example.test")
    assert REASON in email.body
    assert send.call_count == 0
    on_commit = [
        callback.keywords
        for callback in callbacks
        if isinstance(callback, partial)
        and getattr(callback.args[0], "name", "") == "notifications.email_send"
    ]
    assert on_commit == [{"email_id": email.pk}]


def test_feedback_signed_with_someone_elses_name_tells_them_nothing(org, people):
    # given: an item another team's agent signed "agent-a1" before the API refused the key
    category = CategoryFactory(name="Returns")
    FeedbackFactory(source=staff_source(), external_id="forged-1", customer=None, scale=None, score=None,
                    comment="Forged words", confirmed_category=category, team=org["team_b1"],
                    metadata={"raised_by": people["agent"].username})  # fmt: skip
    signal = SignalFactory(category=category, journey_stage=None, title="Returns")
    # when
    signal_dismiss(signal=signal, actor=people["committee"], reason="Seasonal peak")
    # then
    assert told(people["agent"]) == []
