"""Reads for "What happened to what I raised" and for the staff evidence on a signal's page.

The page lists a person's own obstacles, signals and signed staff feedback, newest first. It first
takes the ids and dates of everything they raised (three small queries), pages that list, and only
then loads the page's rows with what their outcomes need: a fixed number of queries per page.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from feedback.models import Feedback, anonymous_answer_q
from feedback.selectors import feedback_items_visible_to
from feedback.surveys.metrics import MIN_GROUP
from innerloop.models.huddles import Obstacle
from outerloop.models import Initiative, InitiativeEvent, Signal, SignalKind
from outerloop.permissions import can_work_outer_loop
from outerloop.selectors import initiatives_visible_to, signals_visible_to

from .raisers import (
    RAISED_BY,
    fed,
    feedback_feeding,
    mention_category_id,
    obstacle_id_of,
    obstacle_key,
    staff_feedback,
)
from .words import Known, OutcomeWords, feedback_outcome, obstacle_outcome, signal_outcome

PER_PAGE = 20
OBSTACLE, SIGNAL, FEEDBACK = "obstacle", "signal", "feedback"


@dataclass(frozen=True)
class RaisedItem:
    kind: str  # OBSTACLE, SIGNAL or FEEDBACK (the template words them)
    at: datetime
    text: str  # what the person raised, as they wrote it
    where: str  # the team, or the category and journey stage
    outcome: OutcomeWords


def _own_feedback(user) -> QuerySet[Feedback]:
    """Their signed staff feedback, of the teams they may see (the staff form files under their own)."""
    signed = staff_feedback().filter(**{f"metadata__{RAISED_BY}": user.get_username()})
    return signed.filter(pk__in=feedback_items_visible_to(user=user).values("pk"))


def _refs(user) -> list[tuple[datetime, str, int]]:
    """(when, kind, id) of everything `user` raised, newest first."""
    obstacles = list(Obstacle.objects.filter(raised_by=user).values_list("created_at", "pk"))
    own_keys = {obstacle_key(pk) for _, pk in obstacles}
    signals = [
        (at, pk)
        for at, pk, key in Signal.objects.filter(raised_by=user).values_list("detected_at", "pk", "key")
        if key not in own_keys  # shown as the obstacle it came from
    ]
    feedback = list(_own_feedback(user).values_list("occurred_at", "pk"))
    refs = [(at, OBSTACLE, pk) for at, pk in obstacles]
    refs += [(at, SIGNAL, pk) for at, pk in signals]
    refs += [(at, FEEDBACK, pk) for at, pk in feedback]
    return sorted(refs, key=lambda ref: (ref[0], ref[1], ref[2]), reverse=True)


@dataclass(frozen=True)
class RaisedPage:
    page: Page  # the pager (of references)
    items: list[RaisedItem]  # its items, in words


def raised_page(*, user, page_number) -> RaisedPage:
    """One page of what `user` raised, each item with its outcome in words."""
    page = Paginator(_refs(user), PER_PAGE).get_page(page_number)
    ids: dict[str, list[int]] = {OBSTACLE: [], SIGNAL: [], FEEDBACK: []}
    for _, kind, pk in page.object_list:
        ids[kind].append(pk)
    obstacles = Obstacle.objects.select_related("team").in_bulk(ids[OBSTACLE])
    feedback = (
        Feedback.objects.filter(pk__in=ids[FEEDBACK])
        .exclude(anonymous_answer_q())
        .select_related("journey_stage", "confirmed_category__parent", "suggested_category__parent")
        .defer("search_vector")
        .in_bulk()
    )
    related = Signal.objects.select_related("merged_into")
    by_key = {s.key: s for s in related.filter(key__in=[obstacle_key(pk) for pk in ids[OBSTACLE]])}
    own = related.in_bulk(ids[SIGNAL])
    categories = {mention_category_id(item) for item in feedback.values()}
    causes = list(related.filter(kind=SignalKind.ROOT_CAUSE, category_id__in=categories - {None}))
    fed_by = {pk: next((s for s in causes if fed(s, item)), None) for pk, item in feedback.items()}
    known = _known(user, [*by_key.values(), *own.values(), *causes])
    items = []
    for at, kind, pk in page.object_list:
        if kind == OBSTACLE and pk in obstacles:
            obstacle = obstacles[pk]
            signal = by_key.get(obstacle_key(pk))
            outcome = obstacle_outcome(obstacle, signal, known)
            items.append(RaisedItem(kind, at, obstacle.text, str(obstacle.team), outcome))
        elif kind == SIGNAL and pk in own:
            signal = own[pk]
            items.append(RaisedItem(kind, at, signal.title, "", signal_outcome(signal, known)))
        elif kind == FEEDBACK and pk in feedback:
            item = feedback[pk]
            outcome = feedback_outcome(fed_by[pk], known)
            items.append(RaisedItem(kind, at, item.comment, _about(item), outcome))
    return RaisedPage(page=page, items=items)


def _about(item: Feedback) -> str:
    """The category the item is about (when one is confirmed or sure) and its journey stage."""
    category_id = mention_category_id(item)
    category = None
    if category_id is not None:
        category = item.confirmed_category if item.confirmed_category_id else item.suggested_category
    parts = [str(part) for part in (category, item.journey_stage) if part is not None]
    return " · ".join(parts)


def _known(user, signals: list[Signal]) -> Known:
    """The initiatives of these signals (and of the signals they were merged into), their reasons,
    and which of the signals and initiatives the reader may open."""
    targets = [s.merged_into for s in signals if s.merged_into is not None]
    signal_ids = {s.pk for s in [*signals, *targets]}
    links = (
        Initiative.signals.through.objects.filter(signal_id__in=signal_ids)
        .select_related("initiative")
        .order_by("initiative__created_at", "pk")
    )
    initiative_of: dict[int, Initiative] = {}
    for link in links:
        initiative_of.setdefault(link.signal_id, link.initiative)
    initiative_ids = {i.pk for i in initiative_of.values()}
    events_of: dict[int, list[InitiativeEvent]] = {}
    events = InitiativeEvent.objects.filter(
        initiative_id__in=initiative_ids,
        kind__in=[InitiativeEvent.Kind.DECIDED, InitiativeEvent.Kind.STAGE_CHANGED],
    ).order_by("-created_at", "-pk")
    for event in events:
        events_of.setdefault(event.initiative_id, []).append(event)
    outer = can_work_outer_loop(user)
    everything = [*signals, *targets]
    obstacle_ids = [pk for pk in map(obstacle_id_of, everything) if pk is not None]
    theirs = set(
        Obstacle.objects.filter(Q(raised_by=user) | Q(escalated_by=user), pk__in=obstacle_ids).values_list(
            "pk", flat=True
        )
    )
    own = {s.pk for s in everything if s.raised_by_id == user.pk or obstacle_id_of(s) in theirs}
    return Known(
        initiative_of=initiative_of,
        events_of=events_of,
        signals_visible=set(
            signals_visible_to(user=user).filter(pk__in=signal_ids).values_list("pk", flat=True)
        )
        if outer
        else set(),
        initiatives_visible=set(
            initiatives_visible_to(user=user).filter(pk__in=initiative_ids).values_list("pk", flat=True)
        )
        if outer
        else set(),
        own_signals=own,
    )


@dataclass(frozen=True)
class StaffEvidence:
    items: list[Feedback]  # signed staff feedback the viewer may read
    signed: int  # all the signed staff feedback behind the signal
    anonymous: int  # employee survey answers behind it: counted, never shown or attributed
    # Below the survey results' smallest group, only "fewer than" is said (feedback.surveys.metrics).
    min_group: int = MIN_GROUP

    @property
    def anonymous_few(self) -> bool:
        return 0 < self.anonymous < self.min_group


def signal_staff_evidence(*, signal: Signal, user, limit: int = 10) -> StaffEvidence:
    """The employee feedback that fed a root-cause signal: the signed items the viewer may read, and
    how many anonymous survey answers count towards it (never which)."""
    from feedback.models import SourceKind

    if signal.kind != SignalKind.ROOT_CAUSE or signal.category_id is None:
        return StaffEvidence([], 0, 0)
    signed = feedback_feeding(signal, staff_feedback())
    visible = signed.filter(pk__in=feedback_items_visible_to(user=user).values("pk"))
    employee = Feedback.objects.filter(source__kind=SourceKind.EMPLOYEE)
    anonymous = feedback_feeding(signal, employee.filter(anonymous_answer_q()))
    items = list(visible.select_related("team", "journey_stage").order_by("-occurred_at", "-pk")[:limit])
    return StaffEvidence(items=items, signed=signed.count(), anonymous=anonymous.count())
