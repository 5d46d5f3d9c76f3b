"""What the job finds in one window: each cluster with its growth and how much of it people code already."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy.stats import binomtest

from .clustering import Clustering
from .selection import Comments


@dataclass(frozen=True)
class ThemeParams:
    """The job's settings (the defaults are what the nightly run uses)."""

    window_days: int = 30
    # The last days of the window, compared with the rest of it.
    recent_days: int = 7
    # A cluster grows when its daily rate in the recent days is at least this times the earlier one...
    min_ratio: float = 2.0
    # ...and a one-sided binomial test rejects "same rate all window long" at this level.
    max_p_value: float = 0.01
    # And it is large enough to show a person: this many comments, or this share of the window's.
    min_size: int = 15
    min_share: float = 0.005
    # Mostly coded: at least this share of the comments near the cluster carry a confident category.
    covered_share: float = 0.5
    # A cluster and a proposal are the same theme at this weighted Jaccard of their terms or more.
    match_similarity: float = 0.3
    # Topics to look for; None: clustering.k_for(the number of comments).
    k: int | None = None


DEFAULT_PARAMS = ThemeParams()


@dataclass(frozen=True)
class FoundTheme:
    """One cluster of this run: terms, size, examples (feedback ids) and the evidence about it."""

    terms: list[list]
    size: int
    example_ids: list[int]
    recent: int
    earlier: int
    rate_ratio: float
    p_value: float
    coded_share: float
    min_size: int

    def growing(self, *, params: ThemeParams) -> bool:
        """Large enough, and rising within the window: its recent daily rate at least min_ratio times
        the earlier one, and significantly so. (Not against previous_size: the same theme can be cut
        differently from one night to the next, so its size jumps without any growth.)"""
        if self.size < self.min_size:
            return False
        return self.rate_ratio >= params.min_ratio and self.p_value < params.max_p_value

    def covered(self, *, params: ThemeParams) -> bool:
        """Mostly about something people already code with an existing category."""
        return self.coded_share >= params.covered_share

    @property
    def label(self) -> str:
        return ", ".join(str(term) for term, _ in self.terms[:3])[:200]


def found_themes(
    *,
    clustering: Clustering,
    comments: Comments,
    coded_labels: np.ndarray,
    coded_total: int,
    end: datetime,
    params: ThemeParams = DEFAULT_PARAMS,
) -> list[FoundTheme]:
    """Each cluster's growth (recent days against the rest of the window) and coded share.

    The coded share: coded comments of the window assigned to the cluster's topic (a sample, scaled
    up to all of them), over those plus the cluster's own uncoded comments.
    """
    recent_since = end - timedelta(days=params.recent_days)
    recent_mask = np.fromiter(
        (when > recent_since for when in comments.times), dtype=bool, count=len(comments)
    )
    scale = coded_total / len(coded_labels) if len(coded_labels) else 0.0
    coded_counts = np.bincount(coded_labels[coded_labels >= 0], minlength=len(clustering.topics))
    min_size = max(params.min_size, math.ceil(params.min_share * len(comments)))
    share = params.recent_days / params.window_days
    themes = []
    for cluster in clustering.clusters:
        recent = int(recent_mask[cluster.members].sum())
        earlier = cluster.size - recent
        ratio = (recent / params.recent_days) / (
            max(earlier, 0.5) / (params.window_days - params.recent_days)
        )
        coded = float(coded_counts[cluster.topic]) * scale
        themes.append(
            FoundTheme(
                terms=[[term, weight] for term, weight in cluster.terms],
                size=cluster.size,
                example_ids=[comments.ids[i] for i in cluster.examples],
                recent=recent,
                earlier=earlier,
                rate_ratio=round(ratio, 3),
                p_value=float(binomtest(recent, cluster.size, share, alternative="greater").pvalue),
                coded_share=round(coded / (coded + cluster.size), 3),
                min_size=min_size,
            )
        )
    return themes
