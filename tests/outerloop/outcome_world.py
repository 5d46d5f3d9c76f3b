"""Builders for the "every outcome is told" tests: an escalated huddle obstacle turned into a signal,
signed staff feedback, and an anonymous employee survey answer."""

import uuid
from datetime import timedelta

from django.utils import timezone

from feedback.models import Feedback, Source
from feedback.selectors import teams_to_file_under
from innerloop.huddles.services import obstacle_create, obstacle_escalate
from innerloop.models.huddles import Huddle, Obstacle
from outerloop.models import Signal
from outerloop.services.signals import signals_from_obstacles
from tests.factories import FeedbackFactory, SourceFactory


def escalated_obstacle(*, team, raiser, lead, text: str) -> tuple[Obstacle, Signal]:
    """`raiser` raises an obstacle in the team's huddle, `lead` escalates it, the outer loop picks it up."""
    now = timezone.now()
    huddle = Huddle.objects.create(
        team=team, scheduled_at=now - timedelta(hours=1), period_start=now - timedelta(days=7),
        period_end=now - timedelta(hours=1),
    )  # fmt: skip
    obstacle = obstacle_create(huddle=huddle, actor=raiser, text=text)
    obstacle_escalate(obstacle=obstacle, actor=lead)
    signals_from_obstacles()
    return obstacle, Signal.objects.get(key=f"obstacle:{obstacle.pk}")


def staff_source() -> Source:
    return SourceFactory(slug="staff-voice", name="Staff voice", kind=Source.Kind.EMPLOYEE)


def staff_item(
    *, source: Source, author, category, comment: str = "The returns form loses the order number", **fields
) -> Feedback:
    """Feedback written on the staff form by `author` (signed), about `category`: its external id,
    and (unless given) the first team the form offers the author."""
    fields.setdefault("team", teams_to_file_under(user=author).teams.order_by("pk").first())
    return FeedbackFactory(
        source=source, external_id=f"staff-{uuid.uuid4()}", customer=None, scale=None, score=None,
        comment=comment, confirmed_category=category,
        metadata={"type": "obstacle", "raised_by": author.username}, **fields,
    )  # fmt: skip


def survey_answer(*, source: Source, category, comment: str = "Nobody listens to us", **metadata) -> Feedback:
    """An employee survey's answer: anonymous, whatever else its metadata holds."""
    return FeedbackFactory(
        source=source, customer=None, scale=None, score=None, comment=comment, confirmed_category=category,
        metadata={"survey": 1, **metadata},
    )  # fmt: skip
