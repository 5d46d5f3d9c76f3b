"""Impact reviews and closing the loop with customers and staff."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cxloop.notifications.models import EmailMessage, Notification
from cxloop.notifications.services import email_send
from outerloop.models import InitiativeEvent, Stage
from outerloop.services.impact import impact_review_compute, impact_reviews_due_ids
from outerloop.tasks import close_loop_sweep, impact_reviews_due, initiative_close_loop
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory, TouchpointFactory
from tests.innerloop.factories import CaseFactory

from .factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db


def _nps(*, touchpoint, when, promoters, passives, detractors, category=None):
    for score, count in ((10, promoters), (7, passives), (2, detractors)):
        for _ in range(count):
            FeedbackFactory(touchpoint=touchpoint, occurred_at=when, score=score,
                            confirmed_category=category if score == 2 else None)  # fmt: skip


def test_impact_review_numbers(people):
    # given: before the roll-out 20 promoters, 20 passives, 60 detractors (NPS -40), after 50/30/20 (+30)
    rolled_out = timezone.now() - timedelta(weeks=8)
    touchpoint = TouchpointFactory()
    category = CategoryFactory(slug="late")
    initiative = InitiativeFactory(
        stage=Stage.ROLLED_OUT, rolled_out_at=rolled_out, target_touchpoint=touchpoint,
        signals=[SignalFactory(category=category)],
    )  # fmt: skip
    before = rolled_out - timedelta(days=10)
    _nps(touchpoint=touchpoint, when=before, promoters=20, passives=20, detractors=60, category=category)
    _nps(
        touchpoint=touchpoint, when=rolled_out + timedelta(days=10), promoters=50, passives=30, detractors=20
    )
    _nps(
        touchpoint=TouchpointFactory(),
        when=rolled_out + timedelta(days=10),
        promoters=0,
        passives=0,
        detractors=9,
    )
    # when
    review = impact_review_compute(initiative=initiative)
    # then
    assert (review.n_before, review.n_after) == (100, 100)
    assert (review.nps_before, review.nps_after, review.nps_difference) == (-40, 30, 70)
    # adjusted Wald (Rocks 2016): z = 0.6796 / 0.1102 = 6.17
    assert review.nps_p_value == pytest.approx(6.8437e-10, rel=1e-3)
    assert (review.mentions_before, review.mentions_after) == (60, 0)
    assert (review.recurrence_before, review.recurrence_after) == (600.0, 0.0)
    assert review.split_at == rolled_out


def test_reviews_come_due_eight_weeks_after_roll_out():
    # given
    due = InitiativeFactory(stage=Stage.ROLLED_OUT, rolled_out_at=timezone.now() - timedelta(weeks=9))
    InitiativeFactory(stage=Stage.ROLLED_OUT, rolled_out_at=timezone.now() - timedelta(weeks=2))
    # when
    assert impact_reviews_due_ids() == [due.pk]
    reviewed = impact_reviews_due()
    # then
    assert reviewed == 1
    assert impact_reviews_due_ids() == []


@pytest.fixture
def rolled_out(people, org):
    now = timezone.now()
    category = CategoryFactory(slug="late")
    signal = SignalFactory(category=category, window_start=now - timedelta(days=28), window_end=now)
    initiative = InitiativeFactory(
        stage=Stage.ROLLED_OUT, rolled_out_at=now, signals=[signal], what_changed="New courier slots",
        title="Courier slots",
    )  # fmt: skip
    inside = [
        CaseFactory(team=org["team_a1"], root_cause=category, assignee=people["agent"],
                    feedback=FeedbackFactory(score=2, occurred_at=now - timedelta(days=d)))
        for d in (1, 5)
    ]  # fmt: skip
    # the same customer twice: one message
    again = FeedbackFactory(customer=inside[0].customer, occurred_at=now - timedelta(days=3))
    CaseFactory(team=org["team_a1"], root_cause=category, feedback=again)
    # no email, outside the window, another root cause: no message
    CaseFactory(
        team=org["team_a1"],
        root_cause=category,
        feedback=FeedbackFactory(customer=CustomerFactory(email=""), occurred_at=now - timedelta(days=2)),
    )
    CaseFactory(
        team=org["team_a1"],
        root_cause=category,
        feedback=FeedbackFactory(occurred_at=now - timedelta(days=40)),
    )
    CaseFactory(
        team=org["team_a1"],
        root_cause=CategoryFactory(slug="other"),
        feedback=FeedbackFactory(occurred_at=now - timedelta(days=2)),
    )
    return {"initiative": initiative, "customers": {c.customer for c in inside}}


def test_close_the_loop_messages_each_customer_exactly_once(rolled_out, people):
    # when: the task runs twice
    first = initiative_close_loop(initiative_id=rolled_out["initiative"].pk)
    second = initiative_close_loop(initiative_id=rolled_out["initiative"].pk)
    for email in EmailMessage.objects.all():
        email_send(email_id=email.pk)
        email_send(email_id=email.pk)
    # then
    assert (first["emails_queued"], second["emails_queued"]) == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in rolled_out["customers"])
    assert "New courier slots" in mail.outbox[0].body
    keys = set(EmailMessage.objects.values_list("key", flat=True))
    assert keys == {
        f"initiative:{rolled_out['initiative'].pk}:customer:{c.pk}" for c in rolled_out["customers"]
    }
    assert Notification.objects.filter(user=people["agent"], kind="initiative_rolled_out").count() == 1


def test_the_sweep_closes_the_loop_once_when_the_task_was_lost(rolled_out, people):
    # given: rolled out 11 minutes ago and its task never ran (Redis down, a worker killed); another
    # rolled out a minute ago, whose task may still be on its way
    initiative = rolled_out["initiative"]
    initiative.rolled_out_at = timezone.now() - timedelta(minutes=11)
    initiative.save(update_fields=["rolled_out_at"])
    recent = InitiativeFactory(stage=Stage.ROLLED_OUT, rolled_out_at=timezone.now() - timedelta(minutes=1))
    # when: the sweep runs twice, and the lost task turns up after all
    first = close_loop_sweep()
    second = close_loop_sweep()
    late = initiative_close_loop(initiative_id=initiative.pk)
    # then: every customer once, one "loop closed" event, the recent one left to its task
    assert (first, second, late["emails_queued"]) == (1, 0, 0)
    assert EmailMessage.objects.count() == len(rolled_out["customers"])
    assert initiative.events.filter(kind=InitiativeEvent.Kind.LOOP_CLOSED).count() == 1
    assert not recent.events.filter(kind=InitiativeEvent.Kind.LOOP_CLOSED).exists()
    assert Notification.objects.filter(user=people["agent"], kind="initiative_rolled_out").count() == 1


def test_the_loop_is_marked_closed_even_with_nobody_to_tell():
    # given: nobody raised it and no customer was affected
    initiative = InitiativeFactory(stage=Stage.ROLLED_OUT, rolled_out_at=timezone.now() - timedelta(hours=1))
    # when
    close_loop_sweep()
    # then: recorded, so the sweep does not come back to it every 15 minutes
    assert initiative.events.filter(kind=InitiativeEvent.Kind.LOOP_CLOSED).count() == 1
    assert close_loop_sweep() == 0
