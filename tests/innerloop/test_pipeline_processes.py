"""#13's acceptance with real processes: every detractor becomes exactly one owned case, through faults.

gunicorn, a Celery worker (restarted when it exits, as the supervisor and docker-compose do) and
beat run against the test database and a Redis the test can kill. 5,000 signed deliveries arrive;
none carries a touchpoint, team or known customer, so the shipped rules can route nowhere and the
triage team owns every detractor. Then: nothing acknowledged is missing, nothing is stored twice,
and within two minutes of the burst every detractor has exactly one case, every item is enriched
and triaged, and no alert is written twice.
"""

import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from cxloop.notifications.models import Notification
from feedback.models import Feedback
from innerloop.demo import ensure_defaults
from innerloop.models import Case
from tests.factories import MembershipFactory, TeamFactory
from tests.feedback.test_resilience import deliver, pulse_source

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BURST = 5_000
DRAIN_SECONDS = 120


@pytest.fixture
def pipeline(db):
    """The shipped rules, a triage team with a lead, and the webhook source of the deliveries."""
    ensure_defaults()
    team = TeamFactory(slug="triage", name="Triage", is_triage_team=True)
    MembershipFactory(team=team, role="team_lead")
    call_command("setup_periodic_tasks", verbosity=0)
    return pulse_source()


def _start(processes, redis) -> str:
    env = processes.env(redis.url)
    base = processes.web(env)
    processes.worker(env, "pipeline", restart=True)
    processes.beat(env)
    return base


def _burst(base: str, *, midway=None) -> Counter:
    statuses: Counter[int] = Counter()
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses.update(pool.map(lambda n: deliver(base, n), range(BURST // 2)))
        if midway is not None:
            midway()
        statuses.update(pool.map(lambda n: deliver(base, n), range(BURST // 2, BURST)))
    return statuses


def _detractors() -> int:
    return Feedback.objects.filter(scale="nps", score__lte=6).count()


def _settled() -> bool:
    return (
        not Feedback.objects.filter(triaged_at__isnull=True).exists()
        and Case.objects.count() == _detractors()
    )


def _assert_every_detractor_owned_once(statuses: Counter, *, ended_at: float) -> None:
    assert set(statuses) <= {200, 201}, statuses
    assert Feedback.objects.count() == BURST
    assert not Feedback.objects.values("external_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    while not _settled() and time.monotonic() - ended_at < DRAIN_SECONDS:
        time.sleep(1)
    assert not Feedback.objects.filter(processed_at__isnull=True).exists()
    assert not Feedback.objects.filter(triaged_at__isnull=True).exists()
    assert Case.objects.count() == _detractors() > 0
    assert not Case.objects.values("feedback").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Case.objects.filter(team__is_triage_team=True).count() == Case.objects.count()
    assert not Notification.objects.values("key").annotate(n=Count("id")).filter(n__gt=1).exists()


def _drop_every_connection(seconds: float) -> None:
    """What a PostgreSQL restart does to the app: every connection to its database dies, for a while
    (on the machine's shared server, only this test database's connections are touched)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        time.sleep(0.2)


def test_postgresql_restarted_midway_loses_and_duplicates_nothing(pipeline, killable_redis, processes):
    # given
    base = _start(processes, killable_redis)
    # when: every connection of the app dropped for 3 s halfway through the burst
    statuses = _burst(base, midway=lambda: _drop_every_connection(3))
    # then
    _assert_every_detractor_owned_once(statuses, ended_at=time.monotonic())


def test_the_worker_killed_during_a_burst_is_restarted_and_nothing_is_done_twice(
    pipeline, killable_redis, processes
):
    # given
    base = _start(processes, killable_redis)

    def kill_the_worker():
        for proc in processes.procs:
            if "worker" in proc.args and proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)

    # when: the worker's main process SIGKILLed halfway, while it works through the first half
    statuses = _burst(base, midway=kill_the_worker)
    # then
    _assert_every_detractor_owned_once(statuses, ended_at=time.monotonic())


def test_redis_killed_midway_and_back_five_seconds_later_drains_the_backlog(
    pipeline, killable_redis, processes
):
    # given
    base = _start(processes, killable_redis)

    def kill_redis_for_five_seconds():
        killable_redis.kill()
        threading.Timer(5, killable_redis.start).start()

    # when
    statuses = _burst(base, midway=kill_redis_for_five_seconds)
    # then: deliveries made while Redis was down are stored (their tasks are the sweeps' to find)
    _assert_every_detractor_owned_once(statuses, ended_at=time.monotonic())
