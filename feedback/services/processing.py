"""Enrichment after ingestion: sentiment, language and a suggested category, once per item."""

import logging
import time
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from feedback.enrichment.language import detect_language
from feedback.models import Feedback

logger = logging.getLogger(__name__)

# Items older than this and still unprocessed are processed by the sweep (their task was lost,
# or they were bulk-loaded). A task normally runs within a second; processing twice is harmless.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 2000
# One sweep works through batches for at most this long, so runs never pile up behind each other.
SWEEP_SECONDS = 40


@cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment_of(text: str) -> float | None:
    """VADER's compound score in [-1, 1]; None for an empty comment."""
    if not text.strip():
        return None
    return round(_vader().polarity_scores(text[:5000])["compound"], 4)


def feedback_mark_processed(*, feedback_id: int) -> bool:
    """Enrich one item once; False when it is gone or already processed (a re-delivered task)."""
    return feedback_process_batch(feedback_ids=[feedback_id]) == 1


# A task for one item also takes up to this many others waiting behind it: under a burst, the
# worker enriches (and triages) in batches, and the later tasks find their item done.
CARRY_ALONG = 199


def feedback_process_with_backlog(*, feedback_id: int) -> int:
    """Enrich this item and, in the same batch, the oldest others still waiting; returns how many."""
    waiting = list(
        Feedback.objects.filter(processed_at__isnull=True)
        .exclude(pk=feedback_id)
        .order_by("received_at")
        .values_list("id", flat=True)[:CARRY_ALONG]
    )
    return feedback_process_batch(feedback_ids=[feedback_id, *waiting])


ENRICHED_FIELDS = ["sentiment", "language", "suggested_category", "suggested_confidence", "processed_at"]


def feedback_process_batch(*, feedback_ids: list[int]) -> int:
    """Enrich the given items that are still unprocessed; rows another worker holds are skipped."""
    from .categories import category_suggestions

    with transaction.atomic():
        items = list(
            Feedback.objects.select_for_update(no_key=True, skip_locked=True)
            .filter(pk__in=feedback_ids, processed_at__isnull=True)
            .only("id", "comment", "confirmed_category_id")
        )
        suggestions = category_suggestions(texts=[item.comment for item in items]) if items else []
        now = timezone.now()
        for item, suggestion in zip(items, suggestions, strict=True):
            item.sentiment = sentiment_of(item.comment)
            item.language = detect_language(item.comment)
            if suggestion is not None:
                item.suggested_category_id = suggestion.category_id
                item.suggested_confidence = suggestion.confidence
            item.processed_at = now
        Feedback.objects.bulk_update(items, ENRICHED_FIELDS, batch_size=500)
        if items:
            for hook in settings.CXLOOP_FEEDBACK_PROCESSED_HOOKS:
                import_string(hook)(feedback_ids=[item.pk for item in items])
    return len(items)


def feedback_sweep(*, seconds: float = SWEEP_SECONDS) -> int:
    """Process stuck items batch by batch until none are left or the time is up; returns the count."""
    deadline = time.monotonic() + seconds
    total = 0
    while time.monotonic() < deadline:
        ids = feedback_unprocessed_ids()
        if not ids:
            break
        done = feedback_process_batch(feedback_ids=ids)
        total += done
        if done == 0:
            break  # everything left is locked by another worker
    return total


def feedback_unprocessed_ids(*, older_than: timedelta = SWEEP_GRACE, limit: int = SWEEP_BATCH) -> list[int]:
    """Ids committed a while ago whose processing task never ran (Redis down, worker killed)."""
    cutoff = timezone.now() - older_than
    return list(
        Feedback.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("id", flat=True)[:limit]
    )
