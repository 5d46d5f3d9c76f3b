"""The data of the pipeline scenarios: their database, the waiting backlog, and counts read from it."""

import time
import uuid

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
