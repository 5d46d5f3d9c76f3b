"""The additive counts every metric is computed from, and how the raw path counts them."""

from typing import NamedTuple

from django.db.models import Count, F, Sum

from feedback import scales


class Counts(NamedTuple):
    """The additive counts every metric is computed from (what a rollup row holds).

    Named tuples, not dataclasses, here and in Group: a report builds thousands of them, and a
    frozen dataclass costs several times more to create.
    """

    n: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    satisfied: int = 0
    score_sum: int = 0
    score_sq_sum: int = 0

    # Counters add up field by field, not as tuples concatenate: a deliberate override.
    def __add__(self, other: "Counts") -> "Counts":  # type: ignore[override]
        return Counts(
            self.n + other.n,
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
            self.satisfied + other.satisfied,
            self.score_sum + other.score_sum,
            self.score_sq_sum + other.score_sq_sum,
        )


COUNTERS = Counts._fields
EMPTY = Counts()


# What each scale's metric reads (NPS its three groups, CSAT the satisfied, CES the score sums).
USED_COUNTERS = {
    "nps": ("n", "promoters", "passives", "detractors"),
    "csat": ("n", "satisfied"),
    "ces": ("n", "score_sum", "score_sq_sum"),
}
RAW_COUNTS = {
    "n": Count("id"),
    **scales.nps_group_counts(),
    "satisfied": Count("id", filter=scales.satisfied_q()),
    "score_sum": Sum("score"),
    "score_sq_sum": Sum(F("score") * F("score")),
}
