"""Enrichment after ingestion: sentiment now; language and categories join it here."""

import logging
from datetime import timedelta
from functools import cache

from django.db import transaction
from django.utils import timezone

from feedback.models import Feedback

logger = logging.getLogger(__name__)

# Items older than this and still unprocessed are re-sent by the sweep (their task was lost).
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 1000


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
    with transaction.atomic():
        feedback = (
            Feedback.objects.select_for_update(no_key=True, skip_locked=True)
            .filter(pk=feedback_id, processed_at__isnull=True)
            .only("id", "comment")
            .first()
        )
        if feedback is None:
            return False
        feedback.sentiment = sentiment_of(feedback.comment)
        feedback.processed_at = timezone.now()
        feedback.save(update_fields=["sentiment", "processed_at"])
    return True


def feedback_unprocessed_ids(*, older_than: timedelta = SWEEP_GRACE, limit: int = SWEEP_BATCH) -> list[int]:
    """Ids committed a while ago whose processing task never ran (Redis down, worker killed)."""
    cutoff = timezone.now() - older_than
    return list(
        Feedback.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("id", flat=True)[:limit]
    )
