"""Work goes to three queues, so an alert never waits behind bulk work (issue #13)."""

import importlib
import re
import subprocess
import sys

import pytest
from celery.app.routes import MapRoute

from cxloop.celery import app
from cxloop.core.capacity import Sizing, worker_argv
from feedback.tasks import feedback_process, feedback_process_bulk
from tests.fixtures.servers import wait_until


def _production_router():
    base = importlib.import_module("cxloop.settings.base")
    return MapRoute(base.CELERY_TASK_ROUTES), base.CXLOOP_QUEUES


def test_every_task_has_a_queue_and_alerts_never_share_one_with_bulk_work():
    # given
    router, queues = _production_router()
    app.loader.import_default_modules()
    names = [name for name in app.tasks if not name.startswith("celery.")]
    # when
    routed = {name: router(name)["queue"] for name in names}
    # then
    assert set(routed.values()) <= set(queues.values())
    for name in ("feedback.process", "feedback.process_many"):
        assert routed[name] == queues["processing"], name
    for name in ("feedback.process_bulk", "feedback.import_read", "feedback.import_run"):
        assert routed[name] == queues["bulk"], name
    for name in (
        "notifications.email_send",
        "notifications.alert_summaries_send",
        "innerloop.escalate_overdue",
    ):
        assert routed[name] == queues["alerts"], name
    periodic = ("feedback.sweep_unprocessed", "innerloop.sweep_untriaged", "feedback.import_sweep_stalled",
                "outerloop.signals_detect")  # fmt: skip
    for name in periodic:
        assert routed[name] == queues["periodic"], name


def test_the_processing_worker_takes_live_items_and_bulk_loads_and_no_other_worker_does():
    # given
    sizing = Sizing.from_env({}, cpus=2)
    environ = {"CXLOOP_QUEUE_PREFIX": "p-"}

    def consumed(queue):
        argv = worker_argv(sizing, queue, node=f"{queue}@here", environ=environ)
        return argv[argv.index("-Q") + 1].split(",")

    # then: live work named first, bulk after it (the Redis transport takes them in that order, so
    # a live item waits only for the bulk batches already running), and alerts stay alone
    assert consumed("processing") == ["p-processing", "p-bulk", "celery"]
    assert consumed("alerts") == ["p-alerts"]
    assert consumed("periodic") == ["p-periodic"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_processing_worker_takes_every_live_item_before_a_waiting_bulk_load(
    processes, tmp_path, settings
):
    # given: a bulk load's 20 chunks waiting, then 3 live items (ids nobody has: each task is quick)
    prefix = f"{processes.queue}-"
    for n in range(20):
        feedback_process_bulk.apply_async(kwargs={"feedback_ids": [10**12 + n]}, queue=f"{prefix}bulk")
    for n in range(3):
        feedback_process.apply_async(kwargs={"feedback_id": 2 * 10**12 + n}, queue=f"{prefix}processing")
    # when: the processing worker starts as production starts it, with one process
    argv = worker_argv(Sizing.from_env({}, cpus=2), "processing", node=f"{prefix}p@%h",
                       environ={"CXLOOP_QUEUE_PREFIX": prefix})  # fmt: skip
    queues = argv.index("-Q") + 1
    argv[queues] = argv[queues].replace(",celery", f",{prefix}celery")  # not the shared default queue
    argv[argv.index("--concurrency") + 1] = "1"
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", *argv], env=processes.env(settings.REDIS_URL),
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        processes.procs.append(proc)

        def taken() -> list[str]:
            return re.findall(r"Task (feedback\.process\w*)\[\S+\] received", log.read_text())

        wait_until(lambda: len(taken()) == 23, timeout=60, what="the worker to take all 23 tasks")
    # then: the live items first (the default round robin would put a bulk chunk between each two)
    assert taken()[:3] == ["feedback.process"] * 3
