"""Celery interfaces of the outer loop, called as functions; escalated obstacles become signals."""

from datetime import timedelta

import factory
import pytest
from django.utils import timezone

from innerloop.models.huddles import Huddle, Obstacle
from outerloop.models import DetectionRun, Signal, SignalKind
from outerloop.tasks import signals_detect, signals_detect_if_missed
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


class HuddleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Huddle

    team = factory.SubFactory(TeamFactory)
    scheduled_at = factory.LazyFunction(timezone.now)
    period_end = factory.LazyAttribute(lambda huddle: huddle.scheduled_at)
    period_start = factory.LazyAttribute(lambda huddle: huddle.scheduled_at - timedelta(days=7))


class ObstacleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Obstacle

    huddle = factory.SubFactory(HuddleFactory)
    team = factory.LazyAttribute(lambda obstacle: obstacle.huddle.team)
    text = "The returns portal rejects parcels over 10 kg"
    raised_by = factory.SubFactory(UserFactory)


def test_detection_task_turns_escalated_obstacles_into_signals_once():
    # given
    lead = UserFactory()
    escalated = ObstacleFactory(escalated_at=timezone.now(), escalated_by=lead)
    ObstacleFactory(text="Not escalated")
    # when
    first = signals_detect()
    second = signals_detect()
    # then
    signal = Signal.objects.get()
    assert (first["obstacles"], second["obstacles"]) == (1, 0)
    assert signal.kind == SignalKind.OBSTACLE
    assert signal.key == f"obstacle:{escalated.pk}"
    assert signal.raised_by == lead
    assert "returns portal" in signal.title
    escalated.refresh_from_db()
    assert escalated.picked_up_at is not None


def test_a_missed_nightly_detection_is_caught_up_within_the_hour():
    # given: the last run finished 27 hours ago (the machine was off at 01:30)
    DetectionRun.objects.create(
        finished_at=timezone.now() - timedelta(hours=27), window_end=timezone.now() - timedelta(hours=27),
        cells=0, created=0, updated=0, team_rises=0, seconds=0.1,
    )  # fmt: skip
    # when: the hourly check runs twice
    first = signals_detect_if_missed()
    second = signals_detect_if_missed()
    # then: one run now, and none while the last is recent
    assert first is not None
    assert second is None
    assert DetectionRun.objects.count() == 2
    assert DetectionRun.objects.first().finished_at > timezone.now() - timedelta(minutes=1)


def test_every_detection_run_is_recorded():
    # when
    signals_detect()
    # then
    assert DetectionRun.objects.count() == 1
    assert signals_detect_if_missed() is None
