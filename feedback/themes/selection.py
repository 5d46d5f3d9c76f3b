"""Which comments the nightly theme job reads: those of the window without a confident category."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from feedback.models import Feedback, anonymous_answer_q
from feedback.models.record import MENTION_CONFIDENCE

# Coded comments read to tell whether a cluster is a theme people already code (most recent first).
CODED_SAMPLE = 20_000
READ_CHUNK = 5_000


def uncoded_q() -> Q:
    """Feedback without a confident category: the complement of feedback.models.mention_q for any
    category. No confirmed category, no suggestion the classifier is sure of (MENTION_CONFIDENCE or
    more), and no root cause coded on a case opened for it."""
    return (
        Q(confirmed_category__isnull=True)
        & (
            Q(suggested_category__isnull=True)
            | Q(suggested_confidence__isnull=True)
            | Q(suggested_confidence__lt=MENTION_CONFIDENCE)
        )
        & ~Q(cases__root_cause__isnull=False)
    )


def coded_q() -> Q:
    """Feedback with a confirmed category or a suggestion the classifier is sure of."""
    return Q(confirmed_category__isnull=False) | Q(
        suggested_category__isnull=False, suggested_confidence__gte=MENTION_CONFIDENCE
    )


def window_comments(*, start: datetime, end: datetime) -> QuerySet[Feedback]:
    """Commented feedback that happened in (start, end], with its comment still there (not anonymised)."""
    return (
        Feedback.objects.filter(
            occurred_at__gt=start, occurred_at__lte=end, comment_anonymised_at__isnull=True
        )
        .exclude(comment="")
        .order_by()
    )


@dataclass
class Comments:
    """Parallel lists: feedback id, comment, when it happened, and whether it may be an example."""

    ids: list[int]
    texts: list[str]
    times: list[datetime]
    showable: list[bool]

    def __len__(self) -> int:
        return len(self.ids)


def uncoded_comments(*, start: datetime, end: datetime) -> Comments:
    """The window's comments without a confident category, streamed with a server-side cursor.

    Anonymous employee-survey answers are read too (their themes count like anyone's) but marked not
    showable: they are never an example.
    """
    rows: Iterator = (
        window_comments(start=start, end=end)
        .filter(uncoded_q())
        .annotate(anonymous=ExpressionWrapper(anonymous_answer_q(), output_field=BooleanField()))
        .values_list("pk", "comment", "occurred_at", "anonymous")
        .iterator(chunk_size=READ_CHUNK)
    )
    comments = Comments(ids=[], texts=[], times=[], showable=[])
    for pk, comment, occurred_at, anonymous in rows:
        comments.ids.append(pk)
        comments.texts.append(comment)
        comments.times.append(occurred_at)
        comments.showable.append(not anonymous)
    return comments


def coded_comments(*, start: datetime, end: datetime, limit: int = CODED_SAMPLE) -> tuple[list[str], int]:
    """The most recent `limit` coded comments of the window, and how many coded comments it holds."""
    coded = window_comments(start=start, end=end).filter(coded_q())
    texts = list(coded.order_by("-occurred_at").values_list("comment", flat=True)[:limit])
    total = len(texts) if len(texts) < limit else coded.count()
    return texts, total
