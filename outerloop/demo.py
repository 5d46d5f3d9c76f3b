"""The outer loop's part of the demo: its signals board as the nightly job leaves it, and six months
of initiatives (stories.py) that earlier signals and escalated obstacles led to.

`manage.py seed_demo` (governance.demo) calls `detect_signals` once the feedback, the case history
and the huddles are in, so a fresh `make run` shows the planted root causes on /signals/ at once, not
after the first nightly run (or the hourly catch-up, outerloop.signals_detect_if_missed). Then
`seed_initiatives` writes the initiatives' past: the signal each started from, its stages, its
milestones, and for the call-back service (feedback.demo.scenario.FIXED_CAUSE) an impact review
computed from the feedback, which the demo made better after the roll-out. The committee's
decisions between proposal and work are governance's part (governance.demo.history): this part
hands it the plan. Rows are written with their past times, as the history happened; nothing here
emails anyone (rolling out tells nobody by itself; closing the loop is a person's step).
"""

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q

from cxloop.org.models import Department, Membership, Role
from feedback.demo.pgcopy import copy_rows
from feedback.demo.reference import TOUCHPOINTS
from feedback.demo.scenario import fix_day
from feedback.models import Category, Feedback, JourneyStage, Touchpoint
from innerloop.models.huddles import Obstacle

from .demo_stories import STORIES, InitiativeStory
from .models import (
    ImpactReview,
    Initiative,
    InitiativeEvent,
    Milestone,
    Signal,
    SignalKind,
    SignalStatus,
    Stage,
)
from .services.detection import cell_title
from .services.impact import impact_review_compute
from .services.signals import (
    DetectionResult,
    root_cause_key,
    signal_dismiss,
    signal_mark_promoted,
    signals_detect,
    signals_from_obstacles,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NULL = r"\N"
# Obstacles escalated longer ago than this were triaged: set aside with the reason below.
OBSTACLES_TRIAGED_AFTER = timedelta(weeks=6)
OBSTACLE_DISMISSED = "Fixed by the team's own department; nothing for the committee."


def detect_signals(*, end: datetime) -> DetectionResult:
    """Run the detection on the demo's last day; returns what it found."""
    return signals_detect(end=end)


@dataclass(frozen=True)
class SeededInitiative:
    """An initiative of the demo and what the committee decided on it (governance writes that)."""

    initiative: Initiative
    story: InitiativeStory
    proposed_at: datetime


def seed_initiatives(*, end: datetime) -> list[SeededInitiative]:
    """Signals from escalated obstacles, and the initiatives of STORIES with their history.

    Returns them for governance.demo.history, which records the committee's decisions. The stages
    after the decision are written here as if decided (the timeline gets governance's entry too).
    """
    _obstacle_signals(end=end)
    owners = _department_owners()
    departments = {d.slug: d for d in Department.objects.all()}
    seeded = []
    events: list[tuple] = []
    for story in STORIES:
        proposed_at = _weeks_before(end, story.proposed_weeks_ago)
        signal = _signal_for(story, end=end, at=proposed_at, departments=departments)
        owner = owners[story.departments[0]]
        initiative = Initiative.objects.create(
            title=story.title,
            problem=story.problem,
            owner=owner,
            target_metric=story.target_metric,
            target_touchpoint=Touchpoint.objects.get(slug=story.touchpoint),
            priority_score=_priority(signal),
            stage=story.final_stage,
            stage_changed_at=proposed_at,
            what_changed=story.what_changed,
            created_by=owner,
        )
        initiative.signals.add(signal)
        signal_mark_promoted(signal=signal, actor=owner, initiative_id=initiative.pk)
        initiative.departments.set([departments[slug] for slug in story.departments])
        created = {
            "signals": [signal.pk],
            "owner": owner.username,
            "priority_score": initiative.priority_score,
        }
        events.append((initiative.pk, InitiativeEvent.Kind.CREATED, owner.pk, created, proposed_at))
        _walk_stages(initiative, story, end=end, events=events)
        seeded.append(SeededInitiative(initiative=initiative, story=story, proposed_at=proposed_at))
    _write_events(events)
    for item in seeded:
        if item.story.impact_review:
            _review(item.initiative, end=end)
    return seeded


def _weeks_before(end: datetime, weeks: int) -> datetime:
    """10:00 UTC on the day `weeks` before the end: when people work."""
    day = (end - timedelta(weeks=weeks)).date()
    return datetime.combine(day, time(10, 0), tzinfo=end.tzinfo)


def _department_owners() -> dict[str, "User"]:
    """Each department's manager (the `manager` login for the department it runs)."""
    owners: dict[str, User] = {}
    for membership in Membership.objects.filter(role=Role.MANAGER, department__isnull=False).select_related(
        "user", "department"
    ).order_by("pk"):  # fmt: skip
        assert membership.department is not None  # the filter's department__isnull=False
        slug = membership.department.slug
        if slug not in owners or membership.user.username == "manager":
            owners[slug] = membership.user
    return owners


def _signal_for(story: InitiativeStory, *, end: datetime, at: datetime, departments: dict) -> Signal:
    """The signal the story started from, with the evidence of the four weeks before the proposal."""
    category = Category.objects.select_related("parent").get(slug=story.category)
    stage = JourneyStage.objects.get(slug=next(t.stage for t in TOUCHPOINTS if t.slug == story.touchpoint))
    key = root_cause_key(category_id=category.pk, journey_stage_id=stage.pk)
    live = Signal.objects.filter(key=key, status=SignalStatus.NEW).first()
    if live is not None:  # detection found it rising: the live signal is the evidence
        return live
    window = (at - timedelta(weeks=4), at)
    counts = (
        Feedback.objects.mentioning([category.pk])
        .filter(journey_stage=stage, occurred_at__gte=window[0] - timedelta(weeks=12), occurred_at__lt=at)
        .aggregate(
            recent=Count("pk", filter=Q(occurred_at__gte=window[0])),
            baseline=Count("pk", filter=Q(occurred_at__lt=window[0])),
        )
    )
    recent, baseline = counts["recent"], counts["baseline"]
    department_ids = sorted(departments[slug].pk for slug in story.departments)
    return Signal.objects.create(
        key=key,
        kind=SignalKind.ROOT_CAUSE,
        title=cell_title(category=category, stage=stage)[:200],
        category=category,
        journey_stage=stage,
        window_start=window[0],
        window_end=window[1],
        recent_count=recent,
        feedback_count=recent,
        baseline_count=baseline,
        expected_count=round(baseline / 3, 1),
        rate_ratio=round(recent / (baseline / 3), 2) if baseline else None,
        teams=1,
        departments=len(department_ids),
        department_ids=department_ids,
    )


def _priority(signal: Signal) -> float:
    return round(signal.recent_count * max(signal.departments, 1) * 1.0, 1)


def _walk_stages(initiative: Initiative, story: InitiativeStory, *, end: datetime, events: list) -> None:
    """The owner's stage changes after the decision, and the milestones of the current stage."""
    stage, changed_at, rolled_out_at = story.decided_stage, None, None
    for to_stage, weeks_ago in story.stages:
        changed_at = _weeks_before(end, weeks_ago) + timedelta(hours=5)
        if to_stage == Stage.ROLLED_OUT:
            if story.impact_review:
                # Live from midnight in Leeds on the day the demo's feedback improves from.
                changed_at = datetime.combine(
                    fix_day(end=end.date()), time(0, 0), tzinfo=ZoneInfo("Europe/London")
                )
            rolled_out_at = changed_at
        data = {"from": stage, "to": to_stage, "note": ""}
        events.append(
            (initiative.pk, InitiativeEvent.Kind.STAGE_CHANGED, initiative.owner_id, data, changed_at)
        )
        stage = to_stage
    decided = story.decided_weeks_ago if story.decided_weeks_ago is not None else story.proposed_weeks_ago
    fields = {"stage_changed_at": changed_at or _weeks_before(end, decided), "rolled_out_at": rolled_out_at}
    Initiative.objects.filter(pk=initiative.pk).update(
        created_at=_weeks_before(end, story.proposed_weeks_ago), **fields
    )
    for title, due_weeks_ago, done in story.milestones:
        due = (end - timedelta(weeks=due_weeks_ago)).date()
        done_at = datetime.combine(due, time(15, 0), tzinfo=end.tzinfo) if done else None
        Milestone.objects.create(initiative=initiative, title=title, due_on=due, done_at=done_at)


def _review(initiative: Initiative, *, end: datetime) -> ImpactReview:
    """The impact review as the job computes it once the after-period is over, from the feedback."""
    initiative.refresh_from_db()
    review = impact_review_compute(initiative=initiative, now=end)
    reviewed_at = min(end, review.after_end + timedelta(hours=2))
    ImpactReview.objects.filter(pk=review.pk).update(created_at=reviewed_at)
    initiative.events.filter(kind=InitiativeEvent.Kind.IMPACT_REVIEWED).update(created_at=reviewed_at)
    return review


def _obstacle_signals(*, end: datetime) -> None:
    """Escalated obstacles become signals, as the job makes them; the older ones were set aside."""
    signals_from_obstacles()
    # The job picks them up within the hour: as the history had it, not at seeding time.
    Obstacle.objects.filter(escalated_at__isnull=False).update(
        picked_up_at=F("escalated_at") + timedelta(hours=1)
    )
    old = Signal.objects.filter(
        kind=SignalKind.OBSTACLE, status=SignalStatus.NEW, window_end__lt=end - OBSTACLES_TRIAGED_AFTER
    ).order_by("pk")
    committee = get_user_model().objects.get(username="committee")
    for signal in old:
        signal_dismiss(signal=signal, actor=committee, reason=OBSTACLE_DISMISSED)


def _write_events(events: list[tuple]) -> None:
    events.sort(key=lambda event: (event[4], event[0]))
    copy_rows(
        model=InitiativeEvent,
        fields=("initiative", "kind", "actor", "data", "created_at"),
        rows=(
            (str(pk), kind, NULL if actor is None else str(actor), json.dumps(data), at.isoformat())
            for pk, kind, actor, data, at in events
        ),
    )
