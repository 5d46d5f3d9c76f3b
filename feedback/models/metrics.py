"""Daily counts of scored feedback per dimension, kept by PostgreSQL triggers.

These models belong to the `feedback` app: `feedback/models/` imports this module so that
Django registers them under that label.

How the table stays exact (migration 0005_rollup installs it):
1. Statement-level AFTER triggers on `feedback_feedback` (INSERT, UPDATE, DELETE) and on
   `feedback_customer` (a segment change) append the statement's net change per cell to
   `FeedbackRollupPending`: inserts only, so concurrent writers never wait on each other.
2. A deferred constraint trigger on the pending table folds the transaction's pending rows into
   `FeedbackDailyRollup` at commit, once per cell, with INSERT ... ON CONFLICT DO UPDATE; cells
   that fall to n = 0 are deleted. A long transaction (an import chunk of 500 rows, each in its
   own savepoint) therefore updates each cell once, and holds its row locks only while committing.
3. Readers add the pending rows they can see (only their own transaction's, in practice) to the
   rollup, so a transaction reads its own writes.
Every write path (the API, webhooks, imports, COPY in seed_demo, the admin, raw SQL) goes
through the triggers; `manage.py rollup_rebuild` recomputes everything as a repair tool.

Only feedback with both a scale and a score is counted. A row's day is the UTC date of
`occurred_at`. The channel (the source's kind) is not stored: it is read through `source`, so
changing a source's kind regroups its history at once with nothing to rebuild.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import Team
from feedback.models.record import JourneyStage, Scale, Source, Touchpoint

COUNTER_FIELDS = ["n", "promoters", "passives", "detractors", "satisfied", "score_sum", "score_sq_sum"]


class CellCounts(models.Model):
    """A cell (scale, source, team, touchpoint, stage, segment) and its additive counts."""

    scale = models.CharField(max_length=4, choices=Scale.choices)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    journey_stage = models.ForeignKey(
        JourneyStage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The customer's segment; "" when there is no customer or no segment.
    segment = models.CharField(max_length=50, blank=True, default="")

    n = models.IntegerField(default=0)
    promoters = models.IntegerField(default=0)
    passives = models.IntegerField(default=0)
    detractors = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)
    score_sq_sum = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class RollupCounts(CellCounts):
    """A cell of one day."""

    day = models.DateField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.scale} n={self.n}"


class FeedbackDailyRollup(RollupCounts):
    """One row per cell with responses; what the metrics API reads."""

    class Meta:
        constraints = [
            # Scale and day first: the index also serves every metric query (a scale, a range of days),
            # and carries the counters, so a report reads the index alone (an index-only scan).
            models.UniqueConstraint(
                fields=["scale", "day", "source", "team", "touchpoint", "journey_stage", "segment"],
                include=COUNTER_FIELDS,
                name="feedback_rollup_unique_cell",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(scale__in=Scale.values), name="feedback_rollup_scale_valid"),
        ]


class Grain(models.TextChoices):
    WEEK = "week", _("Week (from Monday)")
    MONTH = "month", _("Month")


class FeedbackPeriodRollup(CellCounts):
    """The daily rollup summed per calendar week and month, kept by the same commit-time fold.

    Two years of a busy organisation is tens of thousands of daily cells; a report over them
    reads the whole weeks or months of its window here (a seventh or a thirtieth of the rows)
    and only the days at its edges from the daily table, with the same exact counts.
    `start` is the Monday of the week or the first of the month.
    """

    grain = models.CharField(max_length=5, choices=Grain.choices)
    start = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "grain",
                    "scale",
                    "start",
                    "source",
                    "team",
                    "touchpoint",
                    "journey_stage",
                    "segment",
                ],
                include=COUNTER_FIELDS,
                name="feedback_period_rollup_unique_cell",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(grain__in=Grain.values), name="feedback_period_rollup_grain_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain} of {self.start} {self.scale} n={self.n}"


class FeedbackRollupPending(RollupCounts):
    """Signed changes written by the triggers and folded into the rollup when their transaction commits.

    Written and deleted within one transaction, so other sessions see it empty. No foreign-key
    constraints or indexes on the cell: it is append-only scratch space and must stay cheap to
    write. The migration adds a column beside these fields, `xact` (the writing transaction, with
    an index), by which each commit finds its own rows.
    """

    source = models.ForeignKey(
        Source, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    team = models.ForeignKey(
        Team, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    touchpoint = models.ForeignKey(
        Touchpoint,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    journey_stage = models.ForeignKey(
        JourneyStage,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
