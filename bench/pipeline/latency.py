"""Latency: the API's 201 to the case, and a deadline to its escalation, idle and during a drain."""

import json
import random
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench.harness import Result, p90

from .data import (
    DETRACTORS_PER_SECOND,
    DRAIN_TIMEOUT,
    IDLE_SECONDS,
    LIVE_SECONDS,
    another_backlog,
    enqueue_backlog,
    owed_escalation,
    percentile,
    waiting,
)
from .topology import Http, Topology, sender_client


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
