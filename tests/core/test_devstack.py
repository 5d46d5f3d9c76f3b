"""`make run` as real processes: `python -m cxloop.devstack run` with its supervisor, gunicorn, a
Celery worker per queue and beat, against the test database and a Redis of the test's own.

Each test starts its own run and stops it (Ctrl-C) before the database is reset.
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from cxloop.core.capacity import Sizing
from feedback.models import Feedback
from tests.factories import SourceFactory
from tests.fixtures.celery_worker import ROOT, database_url_for_tests
from tests.fixtures.servers import free_port, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Small, so that several runs fit beside the rest of the suite on a shared PostgreSQL.
SMALL = {
    "WEB_CONCURRENCY": "2",
    "GUNICORN_THREADS": "4",
    "PROCESSING_CONCURRENCY": "2",
    "ALERTS_CONCURRENCY": "1",
    "PERIODIC_CONCURRENCY": "1",
}


class Devstack:
    """One `python -m cxloop.devstack run --no-demo`, its output in a file."""

    def __init__(self, env: dict, log: Path) -> None:
        self.env = env
        self.port = int(env["PORT"])
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cxloop.devstack", "run", "--no-demo"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def lines(self) -> list[str]:
        """The supervisor's own lines, without the programs' output."""
        return [line[9:] for line in self.output.splitlines() if line.startswith("[cxloop] ")]

    def wait_for(self, text: str, *, timeout: float = 90) -> None:
        wait_until(
            lambda: text in self.output or self.proc.poll() is not None, timeout=timeout, what=repr(text)
        )
        assert text in self.output, self.output[-3000:]

    def wait_running(self) -> None:
        self.wait_for("cxloop is running at")

    def pids(self) -> dict[str, int]:
        """Each program's pid, from the supervisor's 'started' and 'restarted' lines."""
        pids = {}
        for line in self.lines():
            if line.startswith("started "):
                for part in line.removeprefix("started ").split(", "):
                    name, pid = part.split(" (pid ")
                    pids[name] = int(pid.rstrip(")"))
            elif " restarted (pid " in line:
                name, pid = line.split(" restarted (pid ")
                pids[name] = int(pid.rstrip(")"))
        return pids

    def stop(self, *, timeout: float = 90) -> int:
        """Ctrl-C, and wait until everything has stopped."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture
def devstack_env(killable_redis, tmp_path):
    """The environment of a run: the test database, a Redis of its own, its own state directory."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url_for_tests(),
        REDIS_URL=killable_redis.url,
        CXLOOP_STATE_DIR=str(tmp_path / "state"),
        PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
        **SMALL,
    )
    return env


@pytest.fixture
def start_devstack(devstack_env, tmp_path):
    """Start runs (`start_devstack(**env_overrides)`); any still running are stopped at the end."""
    runs = []

    def start(**overrides) -> Devstack:
        run = Devstack({**devstack_env, **overrides}, tmp_path / f"run-{len(runs)}.log")
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.stop()


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def post_items(base: str, key: str, items: list[dict], *, retry_for: float = 0) -> int:
    """POST a batch to the feedback API; connection failures are retried for `retry_for` seconds."""
    request = urllib.request.Request(
        f"{base}/api/v1/feedback/",
        data=json.dumps(items).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {key}"},
        method="POST",
    )
    deadline = time.monotonic() + retry_for
    while True:
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def ingest_key(people):
    """An integration token's key, bound to the source 'survey'."""
    from cxloop.org.services import api_token_create

    survey = SourceFactory(slug="survey")
    token, key = api_token_create(created_by=people["admin"], name="sync", integration=True)
    survey.integration_tokens.add(token)
    return key


def items(count: int, *, prefix: str = "r") -> list[dict]:
    return [
        {
            "source": "survey",
            "external_id": f"{prefix}-{n}",
            "scale": "nps",
            "score": n % 11,
            "comment": f"c {n}",
        }
        for n in range(count)
    ]


def test_run_refuses_a_configuration_the_database_cannot_hold(start_devstack):
    # when: 64 gunicorn workers x 4 threads against a server allowing 100 connections
    run = start_devstack(WEB_CONCURRENCY="64")
    code = run.proc.wait(timeout=60)
    # then: it stops before starting anything, naming the numbers and what to change
    assert code == 1
    output = run.output
    assert "PostgreSQL cannot hold the connections cxloop's processes may open" in output
    assert "web 256" in output
    assert "Lower WEB_CONCURRENCY (64)" in output
    assert "raise max_connections on the server to at least" in output
    assert "started web" not in output


def test_a_second_run_says_one_is_running_and_a_run_right_after_ctrl_c_starts_cleanly(start_devstack):
    # given: a run
    first = start_devstack()
    first.wait_running()
    # when: a second one starts beside it
    second = start_devstack()
    # then: it says so and exits
    assert second.proc.wait(timeout=60) == 1
    assert f"cxloop is already running (pid {first.proc.pid}) at {first.base}/" in second.lines()
    # when: Ctrl-C, and a new run straight away, while the first is still stopping
    first.proc.send_signal(signal.SIGINT)
    third = start_devstack()
    # then: the first stops cleanly, in order, and the new one waits for it, then serves
    assert first.proc.wait(timeout=90) == 0
    assert first.lines()[-6:] == [
        "web stopped",
        "beat stopped",
        "worker-processing stopped",
        "worker-alerts stopped",
        "worker-periodic stopped",
        "stopped",
    ]
    third.wait_running()
    assert f"waiting for the previous cxloop (pid {first.proc.pid}) to finish stopping" in third.lines()
    assert get(third.base + "/healthz") in (200, 503)
    assert third.stop() == 0


def test_the_supervisor_restarts_a_worker_and_the_web_server_killed_during_a_burst(
    start_devstack, ingest_key
):
    # given: a run taking a burst of feedback
    run = start_devstack()
    run.wait_running()
    before = run.pids()
    burst = [items(600)[start : start + 50] for start in range(0, 600, 50)]
    statuses = []
    sender = threading.Thread(
        target=lambda: statuses.extend(
            post_items(run.base, ingest_key, batch, retry_for=30) for batch in burst
        )
    )
    sender.start()
    wait_until(lambda: statuses, timeout=30, what="the first batch")
    # when: the processing worker's main process and then gunicorn's master are SIGKILLed
    os.kill(before["worker-processing"], signal.SIGKILL)
    time.sleep(1)
    os.kill(before["web"], signal.SIGKILL)
    sender.join(timeout=120)
    # then: each is restarted, and the supervisor says so
    wait_until(
        lambda: {"web", "worker-processing"} <= {n for n, p in run.pids().items() if p != before[n]},
        timeout=30,
        what="both restarts",
    )
    lines = run.lines()
    assert f"worker-processing (pid {before['worker-processing']}) was killed by SIGKILL" in "\n".join(lines)
    assert f"web (pid {before['web']}) was killed by SIGKILL" in "\n".join(lines)
    assert any(line.startswith("worker-processing restarted (pid ") for line in lines)
    assert run.proc.poll() is None
    # and every batch was stored, and the restarted worker processes what comes next (the task the
    # killed one was running is the periodic sweep's, a minute later: tests/feedback/test_resilience.py)
    assert set(statuses) <= {201, 207}, statuses
    assert len(statuses) == len(burst)
    assert Feedback.objects.count() == 600
    assert post_items(run.base, ingest_key, items(10, prefix="after"), retry_for=30) == 201
    wait_until(
        lambda: (
            Feedback.objects.filter(external_id__startswith="after-", processed_at__isnull=False).count()
            == 10
        ),
        timeout=60,
        what="the restarted worker to process new items",
    )
    assert run.stop() == 0


def test_fifty_senders_posting_the_same_200_items_store_200_rows_without_a_server_error(
    start_devstack, ingest_key
):
    # given: a run sized as `make run` sizes it on this machine
    run = start_devstack(**dict.fromkeys(SMALL, ""))
    run.wait_running()
    budget = sum(Sizing.from_env({}).connections().values())
    peak = ConnectionSampler()
    # when: 50 senders post the same 200 items, each in its own order, 50 at a time
    order = items(200)
    batches = []
    for sender in range(50):
        shuffled = random.Random(sender).sample(order, len(order))
        batches += [shuffled[start : start + 50] for start in range(0, 200, 50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = Counter(pool.map(lambda batch: post_items(run.base, ingest_key, batch), batches))
    peak.stop()
    # then: 200 rows, no server error, and never more connections than the budget allows
    assert not [status for status in statuses if status >= 500], statuses
    assert set(statuses) <= {201, 207, 200}, statuses
    assert Feedback.objects.count() == 200
    assert 0 < peak.value <= budget, (peak.value, budget)
    assert "too many clients" not in run.output
    assert run.stop() == 0


class ConnectionSampler:
    """The most connections a run's processes held at once (PGAPPNAME cxloop-*), sampled."""

    def __init__(self) -> None:
        self.value = 0
        self._stop = threading.Event()
        db = settings.DATABASES["default"]
        self._conn = psycopg2.connect(
            dbname="postgres",
            user=db["USER"],
            password=db["PASSWORD"],
            host=db["HOST"] or db.get("OPTIONS", {}).get("host"),
            port=db["PORT"] or None,
        )
        self._conn.autocommit = True
        self._database = db["NAME"]
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        with self._conn.cursor() as cursor:
            while not self._stop.wait(0.1):
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = %s AND application_name LIKE 'cxloop-%%'",
                    [self._database],
                )
                self.value = max(self.value, cursor.fetchone()[0])

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()
