"""The Celery app, with a worker heartbeat that /healthz reads."""

import contextlib
import logging
import os
import time

import redis
from celery import Celery, bootsteps
from redis.exceptions import RedisError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings.base")

logger = logging.getLogger(__name__)

app = Celery("cxloop", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_KEY_PREFIX = "cxloop:worker-heartbeat:"


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes a short-lived key to Redis every few seconds while the worker's consumer runs.

    Redis may be unreachable when the worker starts (a `make run` beside a Redis still starting, a
    broker restart): a missed beat is logged and the next one tries again, while the consumer
    waits for the broker (broker_connection_retry_on_startup). A heartbeat must never stop the
    worker from starting or stopping.
    """

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None
        self.client: redis.Redis | None = None
        self.unreachable = False

    def start(self, worker):
        from django.conf import settings

        from cxloop.core.health import redis_client

        self.interval = settings.CXLOOP_HEARTBEAT_SECONDS
        # One client (and its connection pool) for the worker's life; it reconnects by itself.
        self.client = redis_client()
        self.beat(worker)
        self.tref = worker.timer.call_repeatedly(self.interval, self.beat, (worker,), priority=10)

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
        if self.client is not None:
            with contextlib.suppress(RedisError):
                self.client.delete(HEARTBEAT_KEY_PREFIX + worker.hostname)

    def beat(self, worker):
        assert self.client is not None, "beat() runs only once start() has made the client"
        # redis-py's ConnectionError and TimeoutError are RedisErrors, not OSErrors.
        try:
            self.client.set(
                HEARTBEAT_KEY_PREFIX + worker.hostname, f"{time.time():.3f}", ex=self.interval * 3
            )
        except RedisError as exc:
            # Once per outage, not every few seconds.
            if not self.unreachable:
                logger.warning(
                    "worker heartbeat could not reach Redis (%s); retrying every %s s", exc, self.interval
                )
            self.unreachable = True
        else:
            if self.unreachable:
                logger.info("worker heartbeat reached Redis again")
            self.unreachable = False


app.steps["worker"].add(WorkerHeartbeat)
