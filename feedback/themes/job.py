"""The nightly theme job: cluster the window's comments without a confident category, follow the
clusters from night to night as ThemeProposal rows, and record the run (ThemeRun)."""

import logging
import time
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from feedback.models import ThemeRun

from .clustering import cluster_comments
from .growth import DEFAULT_PARAMS, ThemeParams, found_themes
from .selection import coded_comments, uncoded_comments
from .tracking import proposals_track

logger = logging.getLogger(__name__)

# One run at a time (a transaction-level advisory lock): "themes" in ASCII.
ADVISORY_LOCK_KEY = 7_468_656_109


def themes_run(
    *, end: datetime | None = None, params: ThemeParams = DEFAULT_PARAMS, random_state: int = 0
) -> ThemeRun | None:
    """Run the theme job over the `params.window_days` up to `end` (now); None if a run is under way.

    Safe to run again: the same data gives the same clusters (fixed `random_state`), which match the
    proposals they updated, and a re-run within SAME_NIGHT keeps each proposal's previous_size.
    """
    started = time.monotonic()
    end = end or timezone.now()
    start = end - timedelta(days=params.window_days)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            if not cursor.fetchone()[0]:
                logger.info("theme job skipped: another run holds the lock")
                return None
        comments = uncoded_comments(start=start, end=end)
        clustering = (
            cluster_comments(
                comments.texts,
                k=params.k,
                random_state=random_state,
                example_allowed=np.array(comments.showable),
            )
            if len(comments) >= 2
            else None
        )
        themes = []
        if clustering is not None:
            coded_texts, coded_total = coded_comments(start=start, end=end)
            themes = found_themes(
                clustering=clustering,
                comments=comments,
                coded_labels=clustering.assign(coded_texts),
                coded_total=coded_total,
                end=end,
                params=params,
            )
        run = ThemeRun.objects.create(
            finished_at=timezone.now(),
            window_start=start,
            window_end=end,
            comments=len(comments),
            clusters=len(themes),
            seconds=0.0,
        )
        run.proposed = proposals_track(themes=themes, run=run, now=end, params=params)
        run.seconds = round(time.monotonic() - started, 3)
        run.finished_at = timezone.now()
        run.save(update_fields=["proposed", "seconds", "finished_at"])
    logger.info(
        "theme job: %s comments, %s clusters, %s newly proposed in %.1f s",
        run.comments,
        run.clusters,
        run.proposed,
        run.seconds,
    )
    return run
