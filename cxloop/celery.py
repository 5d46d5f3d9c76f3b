"""The Celery app, with a worker heartbeat that /healthz reads."""

import logging
import os
import time

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings.base")

logger = logging.getLogger(__name__)

app = Celery("cxloop", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_KEY_PREFIX = "cxloop:worker-heartbeat:"


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes a short-lived key to Redis every few seconds while the worker's consumer runs."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        from django.conf import settings

        self.interval = settings.CXLOOP_HEARTBEAT_SECONDS
        self.beat(worker)
        self.tref = worker.timer.call_repeatedly(self.interval, self.beat, (worker,), priority=10)

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
        from cxloop.core.health import redis_client

        redis_client().delete(HEARTBEAT_KEY_PREFIX + worker.hostname)

    def beat(self, worker):
        from cxloop.core.health import redis_client

        try:
            redis_client().set(
                HEARTBEAT_KEY_PREFIX + worker.hostname, f"{time.time():.3f}", ex=self.interval * 3
            )
        except OSError:
            logger.warning("worker heartbeat could not reach Redis", exc_info=True)


app.steps["worker"].add(WorkerHeartbeat)
