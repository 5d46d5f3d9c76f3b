"""Inner-loop benchmarks: the queue page, the cases API and claim next, over 200,000 cases."""

import multiprocessing
import statistics
import time
from collections import Counter

from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from bench.harness import Result, measure, p90
from feedback.scales import CSAT_DETRACTOR_MAX, DETRACTOR_MAX, PROMOTER_MIN

CASES = 200_000
OPEN_SHARE = 0.05
CLAIMS = 10_000


# Which feedback each kind of bench case is opened for, in the order the shipped rules try them:
# detractors first, then complaints on complaint channels, then thanks to promoters.
CASE_SOURCES = (
    (
        "detractor_recovery",
        f"(f.scale = 'nps' AND f.score <= {DETRACTOR_MAX}) "
        f"OR (f.scale = 'csat' AND f.score <= {CSAT_DETRACTOR_MAX})",
    ),
    (
        "complaint",
        "s.kind IN ('call_centre', 'returns', 'email', 'social', 'review_site') AND f.sentiment <= -0.3",
    ),
    ("promoter_thanks", f"f.scale = 'nps' AND f.score >= {PROMOTER_MIN}"),
)


def ensure_cases(*, count: int = CASES) -> int:
    """Bring the bench's cases up to `count`, in SQL: a few open, most closed with a root cause.

    seed_demo already made the closed cases of its history; the rest are opened the way the shipped
    rules would, one case per feedback, first for detractors, then complaints, then promoters.
    """
    from innerloop.models import Case, CaseKind

    existing = Case.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM feedback_category WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1")
        root_cause = cursor.fetchone()[0]
        for slug, condition in CASE_SOURCES:
            if existing >= count:
                break
            kind, _ = CaseKind.objects.get_or_create(slug=slug, defaults={"name": slug.replace("_", " ")})
            cursor.execute(
                f"""
                INSERT INTO innerloop_case (feedback_id, kind_id, customer_id, team_id, status, priority,
                    priority_rank, due_at, first_contact_due_at, resolution_due_at, escalation_level,
                    root_cause_id, resolution_note, version, created_at, updated_at, resolved_at, closed_at)
                SELECT f.id, %(kind)s, f.customer_id, f.team_id,
                    CASE WHEN random() < %(open)s THEN 'new' ELSE 'closed' END, 'high', 1,
                    f.received_at + interval '24 hours', f.received_at + interval '24 hours',
                    f.received_at + interval '5 days', 0, %(root)s, 'bench', 1, f.received_at, f.received_at,
                    f.received_at + interval '2 days', f.received_at + interval '3 days'
                FROM feedback_feedback f JOIN feedback_source s ON s.id = f.source_id
                WHERE f.team_id IS NOT NULL AND ({condition})
                  AND NOT EXISTS (SELECT 1 FROM innerloop_case c WHERE c.feedback_id = f.id)
                ORDER BY f.id LIMIT %(count)s
                ON CONFLICT DO NOTHING
                """,  # the conditions are the constants above, never input
                {"kind": kind.pk, "open": OPEN_SHARE, "root": root_cause, "count": count - existing},
            )
            existing += cursor.rowcount
        # Open cases carry no root cause; the constraint only requires it once resolved.
        cursor.execute(
            "UPDATE innerloop_case SET root_cause_id = NULL, resolution_note = '', "
            "resolved_at = NULL, closed_at = NULL WHERE status = 'new' AND resolution_note = 'bench'"
        )
        cursor.execute("ANALYZE innerloop_case")
    return Case.objects.count()


def queue_page(*, client: Client, repeat: int, page_result) -> Result:
    return page_result("case queue, first page (agent)", client, "/cases/", repeat=repeat, target_ms=30)


def cases_api(*, client: Client, repeat: int, page_result) -> Result:
    return page_result(
        "cases API, open, first page (agent)", client, "/api/v1/cases/", repeat=repeat, target_ms=30
    )


def _claimer(team_id: int, user_id: int, out) -> None:
    """One claimer process: claims until nothing is left, then sends back what it took and the times."""
    from django.contrib.auth import get_user_model

    from innerloop.services.cases import case_claim_next

    user = get_user_model().objects.get(pk=user_id)
    claimed, times = [], []
    while True:
        start = time.perf_counter()
        case = case_claim_next(team_ids=[team_id], user=user)
        elapsed = (time.perf_counter() - start) * 1000
        if case is None:
            break
        claimed.append(case.pk)
        times.append(elapsed)
    connections.close_all()
    out.send((claimed, times))
    out.close()


def claim_next(*, team_id: int, users: list) -> Result:
    """Two processes, as two people at two browsers, claim until 10,000 cases are taken; no case twice.

    Processes, not threads: two threads in one interpreter would measure the GIL's switch interval.
    The team's cases are put back as they were afterwards, so runs can follow each other.
    """
    from innerloop.models import Case

    snapshot = list(
        Case.objects.filter(team_id=team_id).values_list(
            "id", "status", "assignee_id", "root_cause_id", "resolution_note", "resolved_at", "closed_at"
        )
    )
    ids = list(Case.objects.filter(team_id=team_id).order_by("id").values_list("id", flat=True)[:CLAIMS])
    Case.objects.filter(pk__in=ids).update(
        status="new", assignee=None, root_cause=None, resolution_note="", resolved_at=None, closed_at=None
    )
    Case.objects.filter(team_id=team_id, status="new").exclude(pk__in=ids).update(status="in_progress")
    started = timezone.now()
    connections.close_all()  # the children must not share this process's connection
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for user in users[:2]:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_claimer, args=(team_id, user.pk, send))
        process.start()
        pipes.append(receive)
        processes.append(process)
    claimed: list[int] = []
    timings: list[float] = []
    for receive in pipes:
        mine, times = receive.recv()
        claimed += mine
        timings += times
    for process in processes:
        process.join()
    doubles = sum(1 for n in Counter(claimed).values() if n > 1)

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
    _restore(snapshot, since=started)
    assert doubles == 0, f"{doubles} cases were claimed twice"
    assert len(claimed) == len(ids), (len(claimed), len(ids))
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
        notes={"claims": len(claimed), "double_claims": doubles, "processes": len(processes)},
    )


def _restore(snapshot: list[tuple], *, since) -> None:
    """Put the team's cases back as the snapshot had them and drop the claims' timeline events."""
    from innerloop.models import CaseEvent

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_cases (id bigint, status text, assignee_id integer, "
            "root_cause_id bigint, resolution_note text, resolved_at timestamptz, closed_at timestamptz) "
            "ON COMMIT DROP"
        )
        cursor.executemany("INSERT INTO bench_cases VALUES (%s, %s, %s, %s, %s, %s, %s)", snapshot)
        cursor.execute(
            "UPDATE innerloop_case c SET status = b.status, assignee_id = b.assignee_id, "
            "root_cause_id = b.root_cause_id, resolution_note = b.resolution_note, "
            "resolved_at = b.resolved_at, closed_at = b.closed_at FROM bench_cases b WHERE c.id = b.id"
        )
    CaseEvent.objects.filter(created_at__gte=since, data__claimed=True).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE innerloop_case")
