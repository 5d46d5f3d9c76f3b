"""Concurrency: many senders of the same items, and a mixed load of several clients."""

import random
import statistics
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench.harness import Result, p90

from .data import MIXED_CLIENTS, SENDER_ITEMS, SENDERS, percentile
from .latency import detractor
from .topology import Http, Topology, personal_key, sender_client, session_cookie


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
