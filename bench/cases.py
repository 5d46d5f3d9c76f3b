"""Inner-loop benchmarks: the queue page, the cases API and claim next, over 200,000 cases."""

import statistics
import threading
import time
from collections import Counter

from django.db import connection, connections
from django.test import Client

from bench.harness import Result, measure, p90

CASES = 200_000
OPEN_SHARE = 0.05
CLAIMS = 10_000


def ensure_cases(*, count: int = CASES) -> int:
    """Build the bench's cases in SQL from detractor feedback: a few open, most closed with a root cause."""
    from innerloop.models import Case, CaseKind

    existing = Case.objects.count()
    if existing >= count * 0.9:
        return existing
    kind = CaseKind.objects.get(slug="detractor_recovery")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM feedback_category WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1")
        root_cause = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO innerloop_case (feedback_id, kind_id, customer_id, team_id, status, priority,
                priority_rank, due_at, first_contact_due_at, resolution_due_at, escalation_level,
                root_cause_id, resolution_note, version, created_at, updated_at, resolved_at, closed_at)
            SELECT f.id, %(kind)s, f.customer_id, f.team_id,
                CASE WHEN random() < %(open)s THEN 'new' ELSE 'closed' END, 'high', 1,
                f.received_at + interval '24 hours', f.received_at + interval '24 hours',
                f.received_at + interval '5 days', 0, %(root)s, 'bench', 1, f.received_at, f.received_at,
                f.received_at + interval '2 days', f.received_at + interval '3 days'
            FROM feedback_feedback f
            WHERE f.team_id IS NOT NULL AND f.score IS NOT NULL
              AND ((f.scale = 'nps' AND f.score <= 6) OR (f.scale = 'csat' AND f.score <= 2))
            ORDER BY f.id LIMIT %(count)s
            ON CONFLICT DO NOTHING
            """,
            {"kind": kind.pk, "open": OPEN_SHARE, "root": root_cause, "count": count},
        )
        # Open cases carry no root cause; the constraint only requires it once resolved.
        cursor.execute(
            "UPDATE innerloop_case SET root_cause_id = NULL, resolution_note = '', "
            "resolved_at = NULL, closed_at = NULL WHERE status = 'new'"
        )
        cursor.execute("ANALYZE innerloop_case")
    return Case.objects.count()


def queue_page(*, client: Client, repeat: int, page_result) -> Result:
    return page_result("case queue, first page (agent)", client, "/cases/", repeat=repeat, target_ms=30)


def cases_api(*, client: Client, repeat: int, page_result) -> Result:
    return page_result(
        "cases API, open, first page (agent)", client, "/api/v1/cases/", repeat=repeat, target_ms=30
    )


def claim_next(*, team_id: int, users: list) -> Result:
    """Two threads, each on its own connection, claim until 10,000 cases are taken; no case twice."""
    from innerloop.models import Case
    from innerloop.services.cases import case_claim_next

    ids = list(Case.objects.filter(team_id=team_id).order_by("id").values_list("id", flat=True)[:CLAIMS])
    Case.objects.filter(pk__in=ids).update(status="new", assignee=None, root_cause=None, resolution_note="")
    Case.objects.filter(team_id=team_id, status="new").exclude(pk__in=ids).update(status="in_progress")
    timings: list[float] = []
    claimed: list[int] = []
    lock = threading.Lock()

    def claimer(user):
        mine, times = [], []
        while True:
            start = time.perf_counter()
            case = case_claim_next(team_ids=[team_id], user=user)
            times.append((time.perf_counter() - start) * 1000)
            if case is None:
                break
            mine.append(case.pk)
        connections.close_all()
        with lock:
            claimed.extend(mine)
            timings.extend(times[:-1])

    threads = [threading.Thread(target=claimer, args=(user,)) for user in users[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    doubles = sum(1 for n in Counter(claimed).values() if n > 1)
    assert doubles == 0, f"{doubles} cases were claimed twice"
    assert len(claimed) == len(ids), (len(claimed), len(ids))

    with connection.cursor() as cursor:

        def raw():
            cursor.execute(
                "SELECT id FROM innerloop_case WHERE team_id = %s AND status = ANY(%s) "
                "AND assignee_id IS NULL "
                "ORDER BY priority_rank, due_at ASC NULLS LAST, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                [team_id, ["new", "reopened"]],
            )
            cursor.fetchall()

        baseline = measure(raw, repeat=200)
    median = statistics.median(timings)
    return Result(
        name=f"claim next, 2 concurrent claimers, {len(ids):,} claims",
        unit="ms",
        median=median,
        p90=p90(timings),
        baseline_name="the SKIP LOCKED select alone",
        baseline_median=statistics.median(baseline),
        target="p50 < 2 ms, 0 double claims",
        met=median < 2 and doubles == 0,
        notes={"claims": len(claimed), "double_claims": doubles},
    )
