"""The Celery worker's start-up, as a real process: it must not need Redis to be up yet."""

import os
import socket
import time

import pytest
import redis
from celery import Celery

from cxloop.celery import HEARTBEAT_KEY_PREFIX
from tests.fixtures.servers import KillableRedis, wait_until

pytestmark = [pytest.mark.worker]


@pytest.fixture
def redis_not_yet_started():
    server = KillableRedis()
    yield server
    server.stop()


def test_a_worker_starts_while_redis_is_down_and_connects_when_it_comes_back(
    redis_not_yet_started, processes, django_db_setup
):
    # given: nothing listens where the worker's Redis will be
    node = f"no-redis-yet-{os.getpid()}@{socket.gethostname()}"
    env = processes.env(redis_not_yet_started.url)
    # when: the worker starts, and Redis only 5 s later
    processes.worker(env, "no-redis-yet")
    worker = processes.procs[-1]
    time.sleep(5)
    # then: the worker is still there (its start-up heartbeat used to kill it)
    assert worker.poll() is None
    # when
    redis_not_yet_started.start()
    # then: its heartbeat reaches Redis, and it answers on the broker
    client = redis.Redis.from_url(redis_not_yet_started.url)
    wait_until(lambda: client.exists(HEARTBEAT_KEY_PREFIX + node), timeout=30, what="the worker's heartbeat")
    app = Celery(broker=redis_not_yet_started.url)
    wait_until(
        lambda: app.control.ping(destination=[node], timeout=1),
        timeout=60,
        what="the worker to answer a ping",
    )
    assert worker.poll() is None
