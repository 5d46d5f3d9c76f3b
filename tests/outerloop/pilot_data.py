"""Feedback for pilot tests: many scored rows at once on a team or touchpoint (bulk, one source)."""

from feedback.models import Feedback
from tests.factories import FeedbackFactory, SourceFactory


def scores(*, when, promoters: int, passives: int, detractors: int, source=None, **unit) -> None:
    """`promoters` 10s, `passives` 7s and `detractors` 2s at `when`, on `unit` (team= or touchpoint=)."""
    source = source or SourceFactory(slug="pilot-survey", kind="survey")
    rows = [
        FeedbackFactory.build(
            source=source, customer=None, occurred_at=when, score=score, **{"team": None, **unit}
        )
        for score, count in ((10, promoters), (7, passives), (2, detractors))
        for _ in range(count)
    ]
    Feedback.objects.bulk_create(rows)
