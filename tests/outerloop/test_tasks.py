"""Celery interfaces of the outer loop, called as functions; escalated obstacles become signals."""

from datetime import timedelta

import factory
import pytest
from django.utils import timezone

from innerloop.huddles.models import Huddle, Obstacle
from outerloop.models import Signal, SignalKind
from outerloop.tasks import signals_detect
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
