"""Huddles: a team's cadence, each meeting's snapshot summary and record, commitments and obstacles."""

from datetime import time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.models import TimelineEvent
from cxloop.org.models import Team

__all__ = ["Commitment", "Huddle", "HuddleCadence", "HuddleEvent", "HuddleStatus", "Obstacle"]

# A huddle not recorded this long after its scheduled time counts as missed (time to write it up).
MISSED_AFTER = timedelta(hours=12)


WEEKDAYS = [
    (0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
    (6, "Sunday"),
]  # fmt: skip


class HuddleCadence(models.Model):
    """When a team meets: a weekday and a local time in the team's time zone, every N weeks."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="huddle_cadence")
    # Monday is 0, as in Python's date.weekday().
    weekday = models.PositiveSmallIntegerField(default=0, choices=WEEKDAYS)
    local_time = models.TimeField(default=time(9, 30))
    every_weeks = models.PositiveSmallIntegerField(default=1)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="huddle_cadence_weekday_valid"),
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1, every_weeks__lte=8), name="huddle_cadence_weeks_valid"
            ),
        ]

    def __str__(self) -> str:
        every = "every week" if self.every_weeks == 1 else f"every {self.every_weeks} weeks"
        return f"{self.team}: {self.get_weekday_display()} at {self.local_time:%H:%M}, {every}"


class HuddleStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    PREPARED = "prepared", _("Summary ready")
    HELD = "held", _("Held")


# Which status may follow which; a held huddle may be amended (held -> held). Only services apply it.
HUDDLE_TRANSITIONS: dict[str, frozenset[str]] = {
    HuddleStatus.SCHEDULED: frozenset({HuddleStatus.PREPARED, HuddleStatus.HELD}),
    HuddleStatus.PREPARED: frozenset({HuddleStatus.HELD}),
    HuddleStatus.HELD: frozenset({HuddleStatus.HELD}),
}


class Huddle(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="huddles")
    scheduled_at = models.DateTimeField()
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=HuddleStatus.choices, default=HuddleStatus.SCHEDULED, db_index=True
    )
    # A snapshot: what the team saw, even when the underlying cases and feedback change later.
    summary = models.JSONField(default=dict, blank=True)
    summary_built_at = models.DateTimeField(null=True, blank=True)

    held_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="huddles_attended")
    notes = models.TextField(blank=True)

    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "scheduled_at"], name="huddle_one_per_team_and_time"),
            models.CheckConstraint(condition=Q(status__in=HuddleStatus.values), name="huddle_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_at__isnull=False), name="huddle_held_has_time"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lt=models.F("period_end")), name="huddle_period_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "-scheduled_at"], name="huddle_team_recent"),
            models.Index(
                fields=["scheduled_at"], name="huddle_unprepared", condition=Q(summary_built_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} huddle {self.scheduled_at:%Y-%m-%d %H:%M}"

    @property
    def is_held(self) -> bool:
        return self.status == HuddleStatus.HELD

    @property
    def is_missed(self) -> bool:
        """The scheduled time passed (with time to write it up) and nobody recorded the meeting."""
        return not self.is_held and self.scheduled_at + MISSED_AFTER < timezone.now()

    @property
    def outcome(self) -> str:
        """held, missed, due (time passed, still within the write-up window) or upcoming."""
        if self.is_held:
            return "held"
        if self.is_missed:
            return "missed"
        return "due" if self.scheduled_at <= timezone.now() else "upcoming"

    @property
    def outcome_label(self) -> str:
        """The outcome in the reader's words (the outcome itself is a code for CSS and filters)."""
        return str(HUDDLE_OUTCOMES[self.outcome])


HUDDLE_OUTCOMES = {"held": _("held"), "missed": _("missed"), "due": _("due"), "upcoming": _("upcoming")}


class CommitmentState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Commitment(models.Model):
    """Something the team promised at a huddle: an owner on the team and a due date."""

    State = CommitmentState

    huddle = models.ForeignKey(Huddle, on_delete=models.CASCADE, related_name="commitments")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN, db_index=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CommitmentState.values), name="huddle_commitment_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "due_on"], name="huddle_commitment_open", condition=Q(state="open"))
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_overdue(self) -> bool:
        return self.state == CommitmentState.OPEN and self.due_on < timezone.localdate()


class Obstacle(models.Model):
    """Something in the team's way that it cannot fix alone; escalated ones feed the outer loop."""

    huddle = models.ForeignKey(Huddle, on_delete=models.CASCADE, related_name="obstacles")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=1000)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by the outer loop when it has turned the escalation into a signal.
    picked_up_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["escalated_at"],
                name="huddle_obstacle_escalated",
                condition=Q(escalated_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.text


class HuddleEvent(TimelineEvent):
    """Append-only history of a huddle: prepared, recorded, commitments, obstacles, escalations, reviews."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        RESCHEDULED = "rescheduled", _("Moved to the team's new time")
        PREPARED = "prepared", _("Summary built")
        RECORDED = "recorded", _("Meeting recorded")
        AMENDED = "amended", _("Record amended")
        COMMITMENT_ADDED = "commitment_added", _("Commitment added")
        COMMITMENT_STATE = "commitment_state", _("Commitment state changed")
        OBSTACLE_RAISED = "obstacle_raised", _("Obstacle raised")
        OBSTACLE_ESCALATED = "obstacle_escalated", _("Obstacle escalated")
        REVIEWED = "reviewed", _("Reviewed")

    huddle = models.ForeignKey(Huddle, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["huddle", "created_at"], name="huddle_event_timeline")]

    def __str__(self) -> str:
        return f"{self.huddle_id}: {self.kind}"


class TeamRise(models.Model):
    """A root cause whose share rose in this team alone: a learning item for the team's next huddle,
    not a committee signal (outerloop's detection finds it; one row per team, category and stage,
    updated in place by each run)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rises")
    category = models.ForeignKey("feedback.Category", on_delete=models.CASCADE, related_name="+")
    journey_stage = models.ForeignKey(
        "feedback.JourneyStage", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rising = models.BooleanField(default=True)
    recent_count = models.PositiveIntegerField()
    expected_count = models.FloatField()
    window_end = models.DateTimeField()
    detected_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "category", "journey_stage"],
                nulls_distinct=False,
                name="team_rise_one_per_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.category} rising"
