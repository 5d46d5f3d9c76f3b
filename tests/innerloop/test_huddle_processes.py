"""Huddle summaries from the real beat schedule: a worker and two beat processes, once per team."""

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from cxloop.celery import app as celery_app
from innerloop.models.huddles import Huddle, HuddleCadence, HuddleEvent
from tests.fixtures.servers import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_beat_builds_each_teams_summary_once_even_when_the_task_runs_twice(
    org, people, smtp_server, processes
):
    # given: every team meets in two hours (its own clock), so its summary is due now
    teams = [org["team_a1"], org["team_a2"], org["team_b1"]]
    for team in teams:
        meets = (timezone.now() + timedelta(hours=2)).astimezone(ZoneInfo(team.timezone))
        HuddleCadence.objects.create(
            team=team, weekday=meets.weekday(), local_time=meets.time().replace(second=0, microsecond=0)
        )
    people["lead"].email = "lead@example.test"
    people["lead"].save()
    # the shipped schedule, with the huddle job every minute rather than every quarter hour
    call_command("setup_periodic_tasks", verbosity=0)
    every_minute, _ = CrontabSchedule.objects.get_or_create(
        minute="*", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.filter(task="innerloop.huddles_plan").update(crontab=every_minute)
    env = processes.env(settings.REDIS_URL, EMAIL_URL=smtp_server.url)
    processes.worker(env, "huddles")
    processes.beat(env)
    processes.beat(env)
    # when: beat (twice over) runs the job at the next minute; it is then sent twice more by hand
    wait_until(
        lambda: Huddle.objects.filter(summary_built_at__isnull=False).count() == len(teams),
        timeout=150,
        what="every team's summary",
    )
    for _ in range(2):
        celery_app.send_task("innerloop.huddles_plan", queue=processes.queue)
    wait_until(lambda: len(smtp_server.messages) >= 1, timeout=30, what="the lead's summary email")
    time.sleep(5)
    # then: one huddle per team, its summary built once, and the lead emailed once
    assert sorted(Huddle.objects.values_list("team__slug", flat=True)) == sorted(team.slug for team in teams)
    for huddle in Huddle.objects.all():
        assert huddle.events.filter(kind=HuddleEvent.Kind.PREPARED).count() == 1
        assert huddle.summary["team"]
    assert [message["to"] for message in smtp_server.messages] == [["lead@example.test"]]
