"""The outer loop: recurring root causes (signals), the initiatives that fix them, and their impact."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cxloop.core.models import TimelineEvent
from cxloop.org.models import Department
from feedback.models import Category, JourneyStage, Touchpoint


class DetectionRun(models.Model):
    """One finished run of the signal job: how recent the board's figures are, and whether the
    nightly run happened (a missed one is caught up by outerloop.signals_detect_if_missed)."""

    finished_at = models.DateTimeField(db_index=True)
    window_end = models.DateTimeField()
    cells = models.PositiveIntegerField()
    created = models.PositiveIntegerField()
    updated = models.PositiveIntegerField()
    team_rises = models.PositiveIntegerField()
    seconds = models.FloatField()

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"Signal detection at {self.finished_at:%Y-%m-%d %H:%M}"


class SignalKind(models.TextChoices):
    ROOT_CAUSE = "root_cause", _("Recurring root cause")
    OBSTACLE = "obstacle", _("Escalated obstacle")


class SignalStatus(models.TextChoices):
    NEW = "new", _("New")
    DISMISSED = "dismissed", _("Dismissed")
    MERGED = "merged", _("Merged")
    PROMOTED = "promoted", _("Promoted")


# Triage moves a signal out of new once; detection never changes the status.
SIGNAL_TRANSITIONS: dict[str, frozenset[str]] = {
    SignalStatus.NEW: frozenset({SignalStatus.DISMISSED, SignalStatus.MERGED, SignalStatus.PROMOTED}),
    SignalStatus.DISMISSED: frozenset({SignalStatus.NEW}),
    SignalStatus.MERGED: frozenset(),
    SignalStatus.PROMOTED: frozenset(),
}


class Signal(models.Model):
    """A recurring root cause (category x journey stage) or an escalated obstacle, with its evidence.

    `key` identifies what the signal is about ("root_cause:<category>:<stage or any>",
    "obstacle:<id>"); it is unique, so a re-run of detection updates the same row.
    """

    Kind = SignalKind
    Status = SignalStatus

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=SignalKind.choices, default=SignalKind.ROOT_CAUSE)
    status = models.CharField(
        max_length=16, choices=SignalStatus.choices, default=SignalStatus.NEW, db_index=True
    )
    title = models.CharField(max_length=200)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="signals"
    )
    journey_stage = models.ForeignKey(
        JourneyStage, null=True, blank=True, on_delete=models.PROTECT, related_name="signals"
    )
    # Evidence of the last detection run.
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    recent_count = models.PositiveIntegerField(default=0)
    case_count = models.PositiveIntegerField(default=0)
    feedback_count = models.PositiveIntegerField(default=0)
    baseline_count = models.PositiveIntegerField(default=0)
    expected_count = models.FloatField(default=0)
    rate_ratio = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    # p_value adjusted (Benjamini-Hochberg) over every root cause tested in the same run.
    q_value = models.FloatField(null=True, blank=True)
    rising = models.BooleanField(default=False)
    teams = models.PositiveIntegerField(default=0)
    departments = models.PositiveIntegerField(default=0)
    department_ids = models.JSONField(default=list, blank=True)
    customers = models.PositiveIntegerField(default=0)
    value_at_risk = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    # Triage.
    dismissed_reason = models.TextField(blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_signals"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detected_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-rising", "p_value", "-recent_count"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SignalStatus.values), name="signal_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=SignalKind.values), name="signal_kind_valid"),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False), name="signal_merged_has_target"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Stage(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    DESIGN = "design", _("Design")
    PRE_TEST = "pre_test", _("Pre-test")
    DEVELOP = "develop", _("Develop")
    CUSTOMER_TEST = "customer_test", _("Customer test")
    ROLLED_OUT = "rolled_out", _("Rolled out")
    IMPACT_REVIEWED = "impact_reviewed", _("Impact reviewed")
    CLOSED = "closed", _("Closed")
    DEFERRED = "deferred", _("Deferred")
    REJECTED = "rejected", _("Rejected")


# Stages only a committee decision may reach from proposed (DESIGN.md section 3).
DECISION_STAGES = frozenset({Stage.APPROVED, Stage.DEFERRED, Stage.REJECTED})
INITIATIVE_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.PROPOSED: DECISION_STAGES,
    Stage.APPROVED: frozenset({Stage.DESIGN, Stage.DEFERRED}),
    Stage.DESIGN: frozenset({Stage.PRE_TEST, Stage.DEFERRED}),
    Stage.PRE_TEST: frozenset({Stage.DEVELOP, Stage.DESIGN, Stage.DEFERRED}),
    Stage.DEVELOP: frozenset({Stage.CUSTOMER_TEST, Stage.DEFERRED}),
    Stage.CUSTOMER_TEST: frozenset({Stage.ROLLED_OUT, Stage.DEVELOP, Stage.DEFERRED}),
    Stage.ROLLED_OUT: frozenset({Stage.IMPACT_REVIEWED}),
    Stage.IMPACT_REVIEWED: frozenset({Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
    # A deferred initiative goes back to the committee.
    Stage.DEFERRED: frozenset({Stage.PROPOSED}),
    Stage.REJECTED: frozenset(),
}
# Where the owner works; the stages a stalled-initiative check looks at.
ACTIVE_STAGES = (
    Stage.APPROVED, Stage.DESIGN, Stage.PRE_TEST, Stage.DEVELOP, Stage.CUSTOMER_TEST, Stage.ROLLED_OUT,
)  # fmt: skip


class ForecastMetric(models.TextChoices):
    """What a forecast predicts: the NPS of the initiative's scope, in points, or its root cause's
    mentions per 1,000 feedback (a fall is a negative change)."""

    NPS = "nps", _("NPS")
    RECURRENCE = "recurrence", _("Mentions per 1,000 feedback")


class ForecastOutcome(models.TextChoices):
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    UNCERTAIN = "uncertain", _("Too uncertain to say")


class Initiative(models.Model):
    Stage = Stage

    title = models.CharField(max_length=200)
    problem = models.TextField()
    signals = models.ManyToManyField(Signal, blank=True, related_name="initiatives")
    departments = models.ManyToManyField(Department, blank=True, related_name="initiatives")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_initiatives"
    )
    target_metric = models.CharField(max_length=200, blank=True)
    target_touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="initiatives"
    )
    priority_score = models.FloatField(default=0)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.PROPOSED, db_index=True)
    stage_changed_at = models.DateTimeField()
    rolled_out_at = models.DateTimeField(null=True, blank=True)
    what_changed = models.TextField(blank=True, help_text=_("For customers and staff: what we did."))
    # The committee's forecast, recorded at approval; the impact review scores the result against it.
    forecast_metric = models.CharField(max_length=12, choices=ForecastMetric.choices, blank=True)
    forecast_change = models.FloatField(null=True, blank=True)
    forecast_by = models.DateField(null=True, blank=True)
    forecast_recorded_at = models.DateTimeField(null=True, blank=True)
    forecast_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority_score", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="initiative_stage_valid"),
            models.CheckConstraint(
                condition=Q(priority_score__gte=0), name="initiative_priority_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(forecast_metric="", forecast_change__isnull=True, forecast_by__isnull=True)
                | (
                    Q(forecast_metric__in=ForecastMetric.values)
                    & Q(forecast_change__isnull=False, forecast_by__isnull=False)
                ),
                name="initiative_forecast_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def next_stages(self) -> list[str]:
        """Stages the owner may move to (the decision stages belong to the committee)."""
        if self.stage == Stage.PROPOSED:
            return []
        return [s for s in Stage.values if s in INITIATIVE_TRANSITIONS[self.stage]]


class InitiativeEvent(TimelineEvent):
    """The append-only timeline of an initiative."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STAGE_CHANGED = "stage_changed", _("Stage changed")
        DECIDED = "decided", _("Committee decision")
        COMMENTED = "commented", _("Comment")
        MILESTONE = "milestone", _("Milestone")
        EDITED = "edited", _("Edited")
        IMPACT_REVIEWED = "impact_reviewed", _("Impact reviewed")
        LOOP_CLOSED = "loop_closed", _("Loop closed")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["initiative", "created_at"], name="initiative_event_timeline")]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.kind}"

    @property
    def stage_words(self) -> str:
        """A stage change or decision as the timeline says it: "Customer test → Rolled out"."""

        def label(value: object) -> str:
            return str(Stage(str(value)).label) if value in Stage.values else str(value or "")

        if self.kind == self.Kind.DECIDED:
            return label(self.data.get("outcome"))
        return f"{label(self.data.get('from'))} → {label(self.data.get('to'))}"


class Milestone(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class InitiativeComment(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class ImpactReview(models.Model):
    """Before-and-after numbers for a rolled-out initiative; the next meeting discusses it."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="impact_reviews")
    before_start = models.DateTimeField()
    split_at = models.DateTimeField()
    after_end = models.DateTimeField()
    nps_before = models.FloatField(null=True, blank=True)
    nps_after = models.FloatField(null=True, blank=True)
    nps_difference = models.FloatField(null=True, blank=True)
    nps_p_value = models.FloatField(null=True, blank=True)
    # 95 % intervals: of each period's NPS and of the difference (after minus before).
    nps_before_low = models.FloatField(null=True, blank=True)
    nps_before_high = models.FloatField(null=True, blank=True)
    nps_after_low = models.FloatField(null=True, blank=True)
    nps_after_high = models.FloatField(null=True, blank=True)
    nps_difference_low = models.FloatField(null=True, blank=True)
    nps_difference_high = models.FloatField(null=True, blank=True)
    n_before = models.PositiveIntegerField(default=0)
    n_after = models.PositiveIntegerField(default=0)
    recurrence_before = models.FloatField(null=True, blank=True, help_text=_("mentions per 1,000 feedback"))
    recurrence_after = models.FloatField(null=True, blank=True, help_text=_("mentions per 1,000 feedback"))
    mentions_before = models.PositiveIntegerField(default=0)
    mentions_after = models.PositiveIntegerField(default=0)
    # With a pilot: the difference-in-differences of NPS (pilot's change minus the controls'
    # change) and its 95 % interval; `did_detail` holds each arm's NPS and n per period.
    did_effect = models.FloatField(null=True, blank=True)
    did_low = models.FloatField(null=True, blank=True)
    did_high = models.FloatField(null=True, blank=True)
    did_p_value = models.FloatField(null=True, blank=True)
    did_detail = models.JSONField(default=dict, blank=True)
    # Scored against the initiative's forecast, when it had one.
    forecast_outcome = models.CharField(max_length=10, choices=ForecastOutcome.choices, blank=True)
    forecast_achieved = models.FloatField(
        null=True, blank=True, help_text=_("share of the forecast achieved")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    discussed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Impact of {self.initiative}"


from outerloop.models.pilots import Pilot, PilotArm, PilotDimension, PilotUnit  # noqa: E402

__all__ = [
    "ACTIVE_STAGES",
    "DECISION_STAGES",
    "INITIATIVE_TRANSITIONS",
    "SIGNAL_TRANSITIONS",
    "DetectionRun",
    "ForecastMetric",
    "ForecastOutcome",
    "ImpactReview",
    "Initiative",
    "InitiativeComment",
    "InitiativeEvent",
    "Milestone",
    "Pilot",
    "PilotArm",
    "PilotDimension",
    "PilotUnit",
    "Signal",
    "SignalKind",
    "SignalStatus",
    "Stage",
]
