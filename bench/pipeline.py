"""The pipeline scenarios of `make bench` (#13): the processes `make run` starts, under load.

Run by `python -m bench` in a process of its own, against a database of its own
(`<name>_bench_pipeline`, rebuilt each run): the demo organisation, its rules and triage team, and
50,000 feedback items stored but not yet enriched (seed_demo's last days, as on a first start).
Every process is started with `make run`'s command lines (cxloop.devstack.cli.run_programs), on
Celery queues of its own (CXLOOP_QUEUE_PREFIX), so a `make run` sharing the Redis is left alone.

  drain        the 50,000 items enriched and triaged by the processing worker alone (2 processes)
  latency      20 detractors a second for 60 s while another 50,000 drain: the API's 201 to the case
  escalation   overdue cases during the same drain: the deadline to the escalation
  senders      50 concurrent senders posting the same 200 items
  mixed        8 clients mixing ingestion, the queue page, the NPS API and claim next

Each figure stands beside a baseline from the same run: enrichment alone in this process for the
drain, the same measurement on an idle pipeline for latency, escalation and the mixed load.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from bench.harness import Result, p90

BACKLOG = 50_000
CUSTOMERS = 10_000
DETRACTORS_PER_SECOND = 20
LIVE_SECONDS = 60
IDLE_SECONDS = 15
SENDERS = 50
SENDER_ITEMS = 200
MIXED_CLIENTS = 8
DRAIN_TIMEOUT = 15 * 60


def pipeline_database_url(url: str) -> tuple[str, str]:
    from bench.__main__ import bench_database_url

    base, _ = bench_database_url(url, scale=0)
    name = base.rsplit("/", 1)[1].replace("_bench_s0", "_bench_pipeline")
    return base.rsplit("/", 1)[0] + "/" + name, name


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


# --- the data -------------------------------------------------------------------------------------


def prepare() -> None:
    """The demo organisation with 50,000 items waiting for enrichment, and a trained classifier."""
    from django.core.management import call_command

    from feedback.services.categories import category_model_train

    call_command("migrate", verbosity=0)
    call_command("setup_periodic_tasks", verbosity=0)
    started = time.perf_counter()
    # Three days of history: seed_demo loads its last three days unprocessed, as on a first start.
    call_command("seed_demo", feedback=BACKLOG, customers=CUSTOMERS, days=3, seed=13, verbosity=0)
    category_model_train()
    # seed_demo makes about 90 % of what it is asked for (some days are quieter): top it up.
    from feedback.models import Feedback

    _copies(BACKLOG - Feedback.objects.count(), marker="fill")
    print(f"[pipeline] seeded {BACKLOG:,} waiting items in {time.perf_counter() - started:.0f} s", flush=True)


def waiting() -> tuple[int, int]:
    """(unprocessed, untriaged) items: both read partial indexes."""
    from feedback.models import Feedback

    return (
        Feedback.objects.filter(processed_at__isnull=True).count(),
        Feedback.objects.filter(triaged_at__isnull=True).count(),
    )


def owed_escalation() -> int:
    """Cases past their deadline and not yet escalated once."""
    from django.db.models import Q
    from django.utils import timezone

    from innerloop.models import Case
    from innerloop.services.escalation import RUNNING

    now = timezone.now()
    return (
        Case.objects.filter(status__in=RUNNING, escalation_level=0, due_at__lt=now, paused_at__isnull=True)
        .filter(Q(first_contacted_at__isnull=True) | Q(resolution_due_at__lt=now))
        .count()
    )


def another_backlog() -> list[int]:
    """50,000 more waiting items: copies of the seeded ones, under new external ids, received now."""
    return _copies(BACKLOG, marker="again")


def _copies(count: int, *, marker: str) -> list[int]:
    """`count` new waiting items copied from the first-made ones (over again if there are fewer),
    under new external ids, received now; returns their ids."""
    from django.db import connection

    from feedback.demo.generator import COLUMNS
    from feedback.models import Feedback

    fields = [Feedback._meta.get_field(name) for name in COLUMNS]
    copied = {"external_id": "external_id || %s || n", "received_at": "now()", "updated_at": "now()"}
    reset = {"processed_at": "NULL", "triaged_at": "NULL", "triage_result": "'{}'::jsonb"}
    columns = ", ".join(field.column for field in fields)
    values = ", ".join(copied.get(f.name) or reset.get(f.name) or f.column for f in fields)
    if count <= 0:
        return []
    table = Feedback._meta.db_table
    originals = Feedback.objects.exclude(external_id__contains="-copy-").count()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {values} FROM {table} "
            "CROSS JOIN generate_series(1, %s) AS n "
            "WHERE external_id NOT LIKE %s ORDER BY n, id LIMIT %s RETURNING id",
            [f"-copy-{marker}-{uuid.uuid4().hex[:6]}-", -(-count // max(originals, 1)), "%-copy-%", count],
        )
        return [row[0] for row in cursor.fetchall()]


def enqueue_backlog(ids: list[int]) -> None:
    """What a bulk load does once it has committed: its items go to the bulk queue in chunks."""
    from feedback.services.ingest import processing_enqueue

    processing_enqueue(feedback_ids=ids)


def alert_counts() -> dict:
    from cxloop.notifications.models import EmailMessage, Notification
    from innerloop.models import Case

    return {
        "cases": Case.objects.count(),
        "notifications": Notification.objects.count(),
        "emails": EmailMessage.objects.count(),
    }


# --- the processes --------------------------------------------------------------------------------


class Topology:
    """`make run`'s processes (all of them, or some), with their output in log files."""

    def __init__(self, *, names: tuple[str, ...] | None = None, logs: Path) -> None:
        from cxloop.core.capacity import Sizing
        from cxloop.devstack.cli import run_programs

        self.port = _free_port()
        self.prefix = os.environ["CXLOOP_QUEUE_PREFIX"]
        env = {**os.environ, "PGAPPNAME": "cxloop-bench"}
        self.programs = [
            program
            for program in run_programs(env, Sizing.from_env(env), self.port)
            if names is None or program.name in names
        ]
        self.logs = logs
        self.procs: list = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Topology":
        import subprocess

        for program in self.programs:
            log = open(self.logs / f"{program.name}.log", "ab")
            proc = subprocess.Popen(program.argv, env=program.env, stdout=log, stderr=subprocess.STDOUT)
            self.procs.append((program, proc, log))
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        import socket

        from cxloop.celery import HEARTBEAT_KEY_PREFIX
        from cxloop.core.health import redis_client

        deadline = time.monotonic() + 120
        host = socket.gethostname()
        nodes = [
            HEARTBEAT_KEY_PREFIX + p.name.removeprefix("worker-") + f"-{self.port}@{host}"
            for p, _, _ in self.procs
            if p.name.startswith("worker-")
        ]
        web = any(p.name == "web" for p, _, _ in self.procs)
        while time.monotonic() < deadline:
            dead = [p.name for p, proc, _ in self.procs if proc.poll() is not None]
            if dead:
                raise SystemExit(f"[pipeline] {', '.join(dead)} exited at start; see {self.logs}")
            workers_up = all(redis_client().exists(node) for node in nodes)
            if workers_up and (not web or _answers(self.base + "/healthz")):
                return
            time.sleep(0.5)
        raise SystemExit(f"[pipeline] processes not ready after 120 s; see {self.logs}")

    def __exit__(self, *exc) -> None:
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for _, proc, log in self.procs:
            try:
                proc.wait(timeout=40)
            except Exception:
                proc.kill()
            log.close()


def _free_port() -> int:
    from cxloop.devstack.servers import free_port

    return free_port()


def _answers(url: str) -> bool:
    from cxloop.devstack.cli import http_answers

    return http_answers(url)


# --- HTTP clients ---------------------------------------------------------------------------------


class Http:
    """One keep-alive connection per thread to the web server."""

    def __init__(self, base: str, headers: dict) -> None:
        self.host, self.port = base.removeprefix("http://").split(":")
        self.headers = headers
        self.local = threading.local()

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
            try:
                payload = json.dumps(body) if body is not None else None
                conn.request(method, path, body=payload, headers={**self.headers, **(headers or {})})
                response = conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection (gunicorn's keep-alive timeout): reconnect
                # once; anything else is an error to report.
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def integration_key(source) -> str:
    from django.contrib.auth import get_user_model

    from cxloop.org.services import api_token_create

    admin = get_user_model().objects.get(username="admin")
    token, key = api_token_create(created_by=admin, name=f"bench {uuid.uuid4().hex[:6]}", integration=True)
    source.integration_tokens.add(token)
    return key


def sender_client(topology: "Topology", source) -> Http:
    """A client that sends feedback as an integration bound to the source."""
    key = integration_key(source)
    return Http(topology.base, {"Authorization": f"Token {key}", "Content-Type": "application/json"})


def personal_key(username: str) -> str:
    from django.contrib.auth import get_user_model

    from cxloop.org.services import api_token_create

    user = get_user_model().objects.get(username=username)
    return api_token_create(created_by=user, name=f"bench {uuid.uuid4().hex[:6]}")[1]


def session_cookie(username: str) -> str:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def detractor(source_slug: str, touchpoints: list[str]) -> dict:
    # One in five carries nothing to route it by: the triage team owns those.
    item = {
        "source": source_slug,
        "external_id": f"live-{uuid.uuid4().hex}",
        "scale": "nps",
        "score": random.randint(0, 6),
        "comment": "Waited forty minutes and nobody could tell me where my order was.",
        "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
    }
    if touchpoints and random.random() < 0.8:
        item["touchpoint"] = random.choice(touchpoints)
    return item


# --- latency: the API's 201 to the case -----------------------------------------------------------


class CaseWatch:
    """Records when each acknowledged item's case (or each probed case's escalation) first exists,
    by polling every 50 ms."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.pending: dict[int, float] = {}
        self.seen: dict[int, float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def expect(self, key: int, since: float) -> None:
        with self.lock:
            self.pending[key] = since

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.is_set() or self.pending:
                with self.lock:
                    keys = list(self.pending)
                if keys:
                    with connection.cursor() as cursor:
                        cursor.execute(self.sql, [keys])
                        found = [row[0] for row in cursor.fetchall()]
                    now = time.time()
                    with self.lock:
                        for key in found:
                            if key in self.pending:
                                self.seen[key] = now - self.pending.pop(key)
                if self.stop.is_set() and time.time() > self.deadline:
                    break
                time.sleep(0.05)
        finally:
            connection.close()

    def __enter__(self) -> "CaseWatch":
        self.deadline = float("inf")
        self.thread.start()
        return self

    def finish(self, *, within: float) -> None:
        """Stop polling once every expected item is seen, or `within` seconds from now."""
        self.deadline = time.time() + within
        self.stop.set()
        self.thread.join()

    def __exit__(self, *exc) -> None:
        if not self.stop.is_set():  # left early (an error): stop at once
            self.finish(within=0)


CASE_OF_FEEDBACK = "SELECT feedback_id FROM innerloop_case WHERE feedback_id = ANY(%s)"
ESCALATED = "SELECT case_id FROM innerloop_caseevent WHERE kind = 'escalated' AND case_id = ANY(%s)"


def post_detractors(http: Http, watch: CaseWatch, *, seconds: float, source: str, touchpoints) -> Counter:
    """DETRACTORS_PER_SECOND single items for `seconds`, on schedule (a late answer does not slow
    the next send): each 201 is handed to the watch with the time it was acknowledged."""
    statuses: Counter = Counter()
    started = time.monotonic()

    def send(index: int) -> None:
        delay = started + index / DETRACTORS_PER_SECOND - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        status, body = http.request("POST", "/api/v1/feedback/", detractor(source, touchpoints))
        acknowledged = time.time()
        statuses[status] += 1
        if status == 201:
            watch.expect(json.loads(body)["id"], acknowledged)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(send, range(int(seconds * DETRACTORS_PER_SECOND))))
    return statuses


def probe_escalations(watch: CaseWatch, *, seconds: float, every: float = 3.0) -> int:
    """Every few seconds an open case's first-contact deadline is set to pass a second later; the
    watch records how long after that deadline its escalation exists."""
    from django.db import connection

    probes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE innerloop_case SET due_at = now() + interval '1 second', "
                "first_contact_due_at = now() + interval '1 second' WHERE id = ("
                "  SELECT id FROM innerloop_case WHERE status = 'new' AND escalation_level = 0"
                "  AND first_contacted_at IS NULL AND paused_at IS NULL"
                "  AND due_at > now() + interval '1 hour'"
                "  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
            )
            row = cursor.fetchone()
        if row:
            watch.expect(row[0], time.time() + 1)
            probes += 1
        time.sleep(every)
    connection.close()
    return probes


def _latency_result(name: str, live: list[float], idle: list[float], *, p95_s: float, max_s: float | None):
    p95 = percentile(live, 95)
    met = p95 < p95_s and (max_s is None or max(live) < max_s)
    target = f"p95 < {p95_s:g} s" + (f", max < {max_s:g} s" if max_s else "")
    return Result(
        name=name,
        unit="s",
        median=statistics.median(live),
        p90=p90(live),
        baseline_name="the same on an idle pipeline",
        baseline_median=statistics.median(idle) if idle else float("nan"),
        target=target,
        met=met,
        notes={"samples": len(live), "p95": round(p95, 3), "max": round(max(live), 3)},
        detail=f"{len(live)} samples: p95 {p95:.2f} s, max {max(live):.2f} s",
    )


# --- the scenarios --------------------------------------------------------------------------------


def enrichment_alone(sample: int = 5_000) -> float:
    """Items a second that one process enriches with no database and no Celery: the CPU's share."""
    from feedback.models import Feedback
    from feedback.services.categories import category_suggestions
    from feedback.services.processing import detect_language, sentiment_of

    texts = list(Feedback.objects.exclude(comment="").values_list("comment", flat=True)[:sample])
    category_suggestions(texts=texts[:10])  # load the model outside the timing
    started = time.perf_counter()
    for text in texts:
        sentiment_of(text)
        detect_language(text)
    category_suggestions(texts=texts)
    return len(texts) / (time.perf_counter() - started)


def drain(logs: Path) -> Result:
    """The seeded 50,000 waiting items through the processing worker alone (2 processes)."""
    from feedback.models import Feedback

    baseline = enrichment_alone()
    before = alert_counts()
    with Topology(names=("worker-processing",), logs=logs):
        ids = list(Feedback.objects.filter(processed_at__isnull=True).values_list("id", flat=True))
        started = time.perf_counter()
        enqueue_backlog(ids)
        while any(waiting()) and time.perf_counter() - started < DRAIN_TIMEOUT:
            time.sleep(0.25)
        seconds = time.perf_counter() - started
    left = waiting()
    after = alert_counts()
    rate = len(ids) / seconds
    cases = after["cases"] - before["cases"]
    alerts = (after["notifications"] - before["notifications"]) + (after["emails"] - before["emails"])
    return Result(
        name=f"drain {len(ids):,} items (2 worker processes)",
        unit="/s",
        median=rate,
        p90=rate,
        baseline_name="enrichment alone, 1 process",
        baseline_median=baseline,
        target=">= 1000 items/s",
        met=rate >= 1000 and not any(left),
        notes={
            "items": len(ids),
            "seconds": round(seconds, 1),
            "left_unprocessed_untriaged": left,
            "cases_opened": cases,
            "alerts_per_case": round(alerts / cases, 2) if cases else None,
            "notifications": after["notifications"] - before["notifications"],
            "emails": after["emails"] - before["emails"],
        },
        detail=(
            f"{len(ids):,} items in {seconds:.1f} s; {cases:,} cases opened, "
            f"{alerts / cases if cases else 0:.2f} alerts (notifications + emails) per case; "
            f"left unprocessed/untriaged: {left[0]}/{left[1]}"
        ),
    )


def live_during_drain(topology: Topology) -> list[Result]:
    """Latency and escalation: first on the idle pipeline (the baseline), then while 50,000 drain."""
    from feedback.models import Source, Touchpoint

    source = Source.objects.get(slug="nps-survey")
    touchpoints = list(Touchpoint.objects.values_list("slug", flat=True))
    http = sender_client(topology, source)

    def measured(seconds: float, *, backlog: bool) -> tuple[CaseWatch, CaseWatch, Counter, dict]:
        cases, escalations = CaseWatch(CASE_OF_FEEDBACK), CaseWatch(ESCALATED)
        info: dict = {}
        with cases, escalations:
            if backlog:
                ids = another_backlog()
                enqueue_backlog(ids)
                info["backlog_started"] = time.perf_counter()
                info["backlog"] = len(ids)
            prober = threading.Thread(
                target=probe_escalations, args=(escalations,), kwargs={"seconds": seconds}
            )
            prober.start()
            statuses = post_detractors(
                http, cases, seconds=seconds, source=source.slug, touchpoints=touchpoints
            )
            prober.join()
            cases.finish(within=30)
            escalations.finish(within=30)
        return cases, escalations, statuses, info

    # An idle baseline: the seeded backlog drained (when the drain scenario did not run) and the demo's
    # overdue cases escalated (each run of the escalation takes 200).
    started = time.perf_counter()
    while (any(waiting()) or owed_escalation()) and time.perf_counter() - started < DRAIN_TIMEOUT:
        time.sleep(0.5)
    idle_cases, idle_escalations, idle_statuses, _ = measured(IDLE_SECONDS, backlog=False)
    cases, escalations, statuses, info = measured(LIVE_SECONDS, backlog=True)
    while any(waiting()) and time.perf_counter() - info["backlog_started"] < DRAIN_TIMEOUT:
        time.sleep(0.5)
    drained = time.perf_counter() - info["backlog_started"]
    missing = len(cases.pending) + len(escalations.pending)
    latency = _latency_result(
        f"201 to case, {DETRACTORS_PER_SECOND}/s during a {info['backlog']:,} drain",
        [*cases.seen.values(), *([float("inf")] * len(cases.pending))],
        list(idle_cases.seen.values()),
        p95_s=2,
        max_s=5,
    )
    latency.notes.update(
        statuses={**statuses}, idle_statuses={**idle_statuses}, without_case=len(cases.pending),
        backlog_drained_in_s=round(drained, 1), backlog_items_per_s=round(info["backlog"] / drained),
    )  # fmt: skip
    escalation = _latency_result(
        "deadline to escalation during the drain",
        [*escalations.seen.values(), *([float("inf")] * len(escalations.pending))],
        list(idle_escalations.seen.values()),
        p95_s=5,
        max_s=None,
    )
    latency.detail += (
        f"; without a case: {len(cases.pending)}; the backlog drained in {drained:.0f} s "
        f"({info['backlog'] / drained:,.0f} items/s with every process running)"
    )
    escalation.notes["not_escalated"] = len(escalations.pending)
    escalation.detail += f"; not escalated: {len(escalations.pending)}"
    if missing:
        print(f"[pipeline] {missing} items or probes never got their case or escalation", flush=True)
    return [latency, escalation]


def same_items_from_fifty_senders(topology: Topology) -> Result:
    """50 senders post the same 200 items, one by one, each in its own order."""
    from feedback.models import Feedback, Source

    source = Source.objects.get(slug="nps-survey")
    http = sender_client(topology, source)
    run = uuid.uuid4().hex[:8]
    items = [
        {**detractor(source.slug, []), "external_id": f"same-{run}-{n}", "score": n % 11}
        for n in range(SENDER_ITEMS)
    ]
    statuses: Counter = Counter()
    timings: list[float] = []

    def sender(seed: int) -> None:
        order = items[:]
        random.Random(seed).shuffle(order)
        for item in order:
            started = time.perf_counter()
            try:
                status, _ = http.request("POST", "/api/v1/feedback/", item)
            except OSError as error:
                status = type(error).__name__
            timings.append(time.perf_counter() - started)
            statuses[status] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        list(pool.map(sender, range(SENDERS)))
    seconds = time.perf_counter() - started
    rows = Feedback.objects.filter(external_id__startswith=f"same-{run}-").count()
    errors = sum(n for status, n in statuses.items() if not isinstance(status, int) or status >= 500)
    return Result(
        name=f"{SENDERS} senders x the same {SENDER_ITEMS} items",
        unit="ms",
        median=statistics.median(timings) * 1000,
        p90=p90(timings) * 1000,
        baseline_name="-",
        baseline_median=float("nan"),
        target=f"{SENDER_ITEMS} rows, 0 server errors",
        met=rows == SENDER_ITEMS and errors == 0,
        notes={
            "rows": rows,
            "server_errors": errors,
            "statuses": {str(k): v for k, v in statuses.items()},
            "requests_per_s": round(len(timings) / seconds),
            "p99_ms": round(percentile(timings, 99) * 1000, 1),
        },
        detail=(
            f"{rows} rows; answers {dict(sorted((str(k), v) for k, v in statuses.items()))}; "
            f"{len(timings) / seconds:.0f} requests/s; p99 {percentile(timings, 99) * 1000:.0f} ms"
        ),
    )


def mixed_load(topology: Topology, *, seconds: float) -> list[Result]:
    """8 clients for `seconds`, each request one of four endpoints at random; baseline: each
    endpoint alone, one client, on the same (now idle) processes."""
    from feedback.models import Source

    source = Source.objects.get(slug="nps-survey")
    json_type = {"Content-Type": "application/json"}
    sender = sender_client(topology, source)
    agent_api = Http(topology.base, {"Authorization": f"Token {personal_key('agent')}", **json_type})
    manager_api = Http(topology.base, {"Authorization": f"Token {personal_key('manager')}"})
    agent_page = Http(topology.base, {"Cookie": session_cookie("agent")})
    endpoints = {
        "POST /api/v1/feedback/": lambda: sender.request(
            "POST", "/api/v1/feedback/", detractor(source.slug, [])
        ),
        "GET /cases/ (queue page)": lambda: agent_page.request("GET", "/cases/"),
        "GET /api/v1/metrics/nps/": lambda: manager_api.request(
            "GET", "/api/v1/metrics/nps/?group_by=touchpoint"
        ),
        "POST /api/v1/cases/claim-next/": lambda: agent_api.request("POST", "/api/v1/cases/claim-next/"),
    }
    ok = {
        "POST /api/v1/feedback/": {201},
        "GET /cases/ (queue page)": {200},
        "GET /api/v1/metrics/nps/": {200},
        "POST /api/v1/cases/claim-next/": {200, 204},
    }

    def timed(name: str) -> tuple[float, object]:
        started = time.perf_counter()
        try:
            status, _ = endpoints[name]()
        except OSError as error:
            status = type(error).__name__
        return time.perf_counter() - started, status

    alone = {name: [timed(name)[0] for _ in range(30)] for name in endpoints}
    samples: dict[str, list[float]] = {name: [] for name in endpoints}
    errors: dict[str, Counter] = {name: Counter() for name in endpoints}
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            name = rng.choice(list(endpoints))
            elapsed, status = timed(name)
            samples[name].append(elapsed)
            if status not in ok[name]:
                errors[name][str(status)] += 1

    with ThreadPoolExecutor(max_workers=MIXED_CLIENTS) as pool:
        list(pool.map(client, range(MIXED_CLIENTS)))
    results = []
    for name, times in samples.items():
        p99 = percentile(times, 99) * 1000
        results.append(
            Result(
                name=f"{MIXED_CLIENTS} clients, {name}",
                unit="ms",
                median=statistics.median(times) * 1000,
                p90=p90(times) * 1000,
                baseline_name="the same alone, 1 client",
                baseline_median=statistics.median(alone[name]) * 1000,
                target="0 errors; p99 reported",
                met=not errors[name],
                notes={"requests": len(times), "p99_ms": round(p99, 1), "errors": dict(errors[name])},
                detail=f"{len(times)} requests, p99 {p99:.0f} ms, errors {dict(errors[name]) or 0}",
            )
        )
    return results


def run(*, only: set[str], mixed_seconds: float) -> list[Result]:
    logs = Path(tempfile.mkdtemp(prefix="cxloop-bench-pipeline-"))
    print(f"[pipeline] process logs in {logs}", flush=True)
    results = []
    if "drain" in only:
        results.append(drain(logs))
    if only & {"latency", "senders", "mixed"}:
        with Topology(logs=logs) as topology:
            if "latency" in only:
                results += live_during_drain(topology)
            if "senders" in only:
                results.append(same_items_from_fifty_senders(topology))
            if "mixed" in only:
                results += mixed_load(topology, seconds=mixed_seconds)
    return results


KEYS = ("drain", "latency", "senders", "mixed")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    parser.add_argument("--only", default=",".join(KEYS))
    parser.add_argument("--mixed-seconds", type=float, default=180)
    parser.add_argument("--results-file", required=True)
    args = parser.parse_args(argv)
    only = {key.strip() for key in args.only.split(",") if key.strip()}
    os.environ["DATABASE_URL"], name = pipeline_database_url(os.environ["DATABASE_URL"])
    os.environ["DJANGO_SETTINGS_MODULE"] = "cxloop.settings.base"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["CXLOOP_QUEUE_PREFIX"] = f"bench-{uuid.uuid4().hex[:6]}-"
    from bench.database import recreate_database

    recreate_database(name)
    import django

    django.setup()
    prepare()
    results = run(only=only, mixed_seconds=args.mixed_seconds)
    Path(args.results_file).write_text(json.dumps([asdict(r) for r in results]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
