"""Who raised a signal, and which staff feedback fed it: the people an outcome is told to.

Staff feedback here is what a person wrote on the staff form (feedback.intake.forms: the employee
channel, signed with `metadata.raised_by`, a key the contract lets only that form write). An item
counts as signed only as the form stored it: its `staff-<uuid>` external id, never changed by a later
delivery since (a colleague re-sending it cannot put words in its author's mouth). An item signed
through the API before the key was reserved is attributed only if it copied that external id too
(and a page lists it only when its team is one the person may see). An employee survey's answer is anonymous
(feedback.models.anonymous_answer_q): it counts towards a signal but is never attributed to anyone,
so nobody is told because of one and no page links one to a person.
"""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from feedback.contract import RAISED_BY  # the staff form's signature: the username of who wrote it
from feedback.models import Feedback, SourceKind, anonymous_answer_q
from feedback.models.record import MENTION_CONFIDENCE
from innerloop.models.huddles import Obstacle
from outerloop.models import Initiative, Signal, SignalKind
from outerloop.services.detection import DEFAULT_PARAMS

# The key under which outerloop.services.signals.signals_from_obstacles files an escalated obstacle.
OBSTACLE_KEY = "obstacle:{pk}"
# The external id the staff form gives its items: "staff-" and the form's submission UUID.
STAFF_FORM_EXTERNAL_ID = r"^staff-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def obstacle_key(obstacle_id: int) -> str:
    return OBSTACLE_KEY.format(pk=obstacle_id)


def obstacle_id_of(signal: Signal) -> int | None:
    """The huddle obstacle an obstacle signal came from (None for a root cause)."""
    prefix, _, rest = signal.key.partition(":")
    return (
        int(rest) if signal.kind == SignalKind.OBSTACLE and prefix == "obstacle" and rest.isdigit() else None
    )


def staff_feedback() -> QuerySet[Feedback]:
    """Signed staff feedback: the employee channel's items that name who wrote them, as the staff
    form stored them (its external id, no later delivery), never a survey answer."""
    return (
        Feedback.objects.filter(
            Q(delivery_hashes__isnull=True) | Q(delivery_hashes__len=0),
            source__kind=SourceKind.EMPLOYEE,
            metadata__has_key=RAISED_BY,
            external_id__regex=STAFF_FORM_EXTERNAL_ID,
        )
        .exclude(anonymous_answer_q())
        .defer("search_vector")
    )


def fed_since(signal: Signal) -> datetime:
    """Feedback from this time on fed the signal: the window of the run that found it, and every later run."""
    return signal.detected_at - timedelta(days=DEFAULT_PARAMS.window_days)


def mention_category_id(item: Feedback) -> int | None:
    """The category an item mentions by itself (feedback.models.record.mention_q, without cases:
    staff feedback gets no case)."""
    if item.confirmed_category_id is not None:
        return item.confirmed_category_id
    sure = (item.suggested_confidence or 0) >= MENTION_CONFIDENCE
    return item.suggested_category_id if sure else None


def fed(signal: Signal, item: Feedback) -> bool:
    """Whether `item` is one of the mentions behind the root-cause signal (same category and stage)."""
    return (
        signal.kind == SignalKind.ROOT_CAUSE
        and signal.category_id is not None
        and mention_category_id(item) == signal.category_id
        and item.journey_stage_id == signal.journey_stage_id
        and item.occurred_at >= fed_since(signal)
    )


def feedback_feeding(signal: Signal, items: QuerySet[Feedback]) -> QuerySet[Feedback]:
    """The items of `items` that fed the root-cause signal: `fed`, as a query."""
    if signal.kind != SignalKind.ROOT_CAUSE or signal.category_id is None:
        return items.none()
    stage = (
        Q(journey_stage_id=signal.journey_stage_id)
        if signal.journey_stage_id
        else Q(journey_stage__isnull=True)
    )
    mentions = Q(confirmed_category_id=signal.category_id) | Q(
        confirmed_category__isnull=True,
        suggested_category_id=signal.category_id,
        suggested_confidence__gte=MENTION_CONFIDENCE,
    )
    return items.filter(mentions, stage, occurred_at__gte=fed_since(signal))


def signal_raiser_ids(signals: list[Signal]) -> set[int]:
    """The people who raised these signals: the signal's raiser, the obstacle's raiser and whoever
    escalated it, and the authors of the signed staff feedback behind a root cause."""
    ids = {signal.raised_by_id for signal in signals if signal.raised_by_id}
    obstacle_ids = [pk for pk in map(obstacle_id_of, signals) if pk is not None]
    for raised_by, escalated_by in Obstacle.objects.filter(pk__in=obstacle_ids).values_list(
        "raised_by_id", "escalated_by_id"
    ):
        ids.update(pk for pk in (raised_by, escalated_by) if pk)
    usernames: set[str] = set()
    for signal in signals:
        authors = feedback_feeding(signal, staff_feedback()).values_list(f"metadata__{RAISED_BY}", flat=True)
        usernames.update(name for name in authors if isinstance(name, str) and name)
    if usernames:
        users = get_user_model().objects.filter(username__in=usernames, is_active=True)
        ids.update(users.values_list("pk", flat=True))
    return ids


def initiative_signals(initiative: Initiative) -> list[Signal]:
    """The initiative's signals and the duplicates merged into them: all that fed it."""
    return list(
        Signal.objects.filter(
            Q(pk__in=initiative.signals.values("pk")) | Q(merged_into__in=initiative.signals.values("pk"))
        ).order_by("pk")
    )
