"""The rollup service: fold pending changes now, rebuild from scratch, check for drift.

The table is kept incrementally by PostgreSQL triggers (migration 0005_rollup), not by Python,
so that COPY and every other write path keep it right; a transaction's changes reach the table
when it commits. What a trigger cannot see is handled here: data from before the triggers
existed, or a repair after manual surgery (or writes with the triggers disabled). A customer's
segment change is not one of those: a trigger on feedback_customer moves that customer's counts.
"""

import logging

from django.db import connection, transaction

from feedback.models.metrics import FeedbackDailyRollup, FeedbackPeriodRollup

from .counts import COUNTERS

logger = logging.getLogger(__name__)


def rollup_fold_pending() -> None:
    """Fold this transaction's pending changes into the rollup now instead of at commit.

    Fires the deferred `feedback_rollup_fold` trigger events early; later writes in the same
    transaction are folded at commit as usual. Does nothing outside a transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS feedback_rollup_fold IMMEDIATE")
        cursor.execute("SET CONSTRAINTS feedback_rollup_fold DEFERRED")


@transaction.atomic
def rollup_rebuild() -> int:
    """Recompute the whole rollup from feedback_feedback; returns the number of cells.

    Runs the database's own `feedback_rollup_rebuild()`, which takes SHARE locks on the feedback and
    customer tables first: writers wait for the rebuild (seconds at a million rows) rather than
    slipping between the delete and the insert.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT feedback_rollup_rebuild()")
        (cells,) = cursor.fetchone()
        # Fresh statistics, or the planner takes the rebuilt tables for empty until autovacuum runs.
        cursor.execute(f"ANALYZE {FeedbackDailyRollup._meta.db_table}, {FeedbackPeriodRollup._meta.db_table}")
    logger.info("rollup rebuilt: %s cells", cells)
    return cells


def rollup_drift() -> int:
    """How many cells differ between the rollups (daily, weekly, monthly) and a fresh aggregation of
    feedback_feedback (0: none).

    Changes nothing: the fresh aggregation is built in a savepoint that is rolled back (this
    transaction's own pending changes are folded first, as its commit would).
    """
    cell = ("scale", "source_id", "team_id", "touchpoint_id", "journey_stage_id", "segment")
    tables = ((FeedbackDailyRollup, ("day",)), (FeedbackPeriodRollup, ("grain", "start")))

    def snapshot() -> dict[tuple, tuple]:
        cells = {}
        for model, when in tables:
            for row in model.objects.values_list(*when, *cell, *COUNTERS):
                width = len(when) + len(cell)
                cells[(model.__name__, *row[:width])] = row[width:]
        return cells

    with transaction.atomic():
        rollup_fold_pending()
        current = snapshot()
        sid = transaction.savepoint()
        rollup_rebuild()
        fresh = snapshot()
        transaction.savepoint_rollback(sid)
    return sum(current.get(key) != fresh.get(key) for key in current.keys() | fresh.keys())
