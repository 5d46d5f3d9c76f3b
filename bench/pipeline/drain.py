"""Drain: stored items through the processing worker alone."""

import time
from pathlib import Path

from bench.harness import Result

from .data import DRAIN_TIMEOUT, alert_counts, enqueue_backlog, waiting
from .topology import Topology


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
