"""The inner loop: rules that open follow-up cases, the cases themselves, and their SLAs."""

from datetime import time

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from cxloop.core.models import TimelineEvent
from cxloop.org.models import Team
from feedback.models import Category, Customer, Feedback, JourneyStage, Scale, Source, Touchpoint, ValueTier


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


# Sorting order for queues: most urgent first.
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class CaseKind(models.Model):
    """What a case is for: detractor recovery, complaint, promoter thanks, at-risk customer, or your own."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class SlaPolicy(models.Model):
    """Targets for first contact and resolution, counted in business hours in the team's time zone."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    first_contact_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    business_hours_only = models.BooleanField(default=False)
    business_start = models.TimeField(default=time(9, 0))
    business_end = models.TimeField(default=time(17, 0))
    # Monday is 0, as in Python's date.weekday().
    business_days = ArrayField(models.PositiveSmallIntegerField(), default=_weekdays, blank=True)
    # Level 1 (the team lead) at the breach; level 2 (the manager) when still overdue this much later.
    manager_escalation_minutes = models.PositiveIntegerField(default=8 * 60)

    class Meta:
        ordering = ["first_contact_minutes"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(first_contact_minutes__gt=0, resolution_minutes__gte=F("first_contact_minutes")),
                name="sla_targets_positive_and_ordered",
            ),
            models.CheckConstraint(
                condition=Q(business_hours_only=False) | Q(business_end__gt=F("business_start")),
                name="sla_business_day_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CaseRule(models.Model):
    """One triage rule: conditions on the feedback, and what to open. Ordered; the first match wins."""

    class Action(models.TextChoices):
        OPEN_CASE = "open_case", "Open a case"
        NOTHING = "nothing", "Open nothing"

    class Routing(models.TextChoices):
        FIXED = "fixed", "A fixed team"
        TOUCHPOINT = "touchpoint", "The touchpoint's owning team"
        FEEDBACK = "feedback", "The feedback's team hint"
        CUSTOMER = "customer", "The customer's owning team"

    position = models.PositiveIntegerField(db_index=True)
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)

    # Conditions: each empty one matches everything.
    scales = ArrayField(models.CharField(max_length=4, choices=Scale.choices), default=list, blank=True)
    score_min = models.SmallIntegerField(null=True, blank=True)
    score_max = models.SmallIntegerField(null=True, blank=True)
    source_kinds = ArrayField(
        models.CharField(max_length=16, choices=Source.Kind.choices), default=list, blank=True
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="+")
    segments = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    value_tiers = ArrayField(
        models.CharField(max_length=16, choices=ValueTier.choices), default=list, blank=True
    )
    min_annual_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    sentiment_max = models.FloatField(
        null=True, blank=True, help_text="e.g. -0.3 for clearly negative comments"
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    # A suggested category (the classifier's guess) counts for `categories` only this sure or surer;
    # a category a person confirmed always counts.
    min_confidence = models.FloatField(
        default=0.6,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="How sure the classifier must be of a suggested category for this rule to act on it (0-1).",
    )
    keywords = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    journey_stages = models.ManyToManyField(JourneyStage, blank=True, related_name="+")
    touchpoints = models.ManyToManyField(Touchpoint, blank=True, related_name="+")

    # What to do.
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.OPEN_CASE)
    case_kind = models.ForeignKey(
        CaseKind, null=True, blank=True, on_delete=models.PROTECT, related_name="rules"
    )
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="rules"
    )
    routing = models.CharField(max_length=16, choices=Routing.choices, default=Routing.TOUCHPOINT)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="fixed team, or fallback",
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action="nothing") | Q(case_kind__isnull=False), name="rule_case_needs_kind"
            ),
            models.CheckConstraint(
                condition=~Q(routing="fixed") | Q(team__isnull=False), name="rule_fixed_routing_needs_team"
            ),
            models.CheckConstraint(
                condition=Q(score_min__isnull=True)
                | Q(score_max__isnull=True)
                | Q(score_min__lte=F("score_max")),
                name="rule_score_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(min_confidence__gte=0, min_confidence__lte=1),
                name="rule_min_confidence_is_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


# Which status may follow which (helpdesk's TICKET_STATUS_CHOICES_FLOW); only services apply it.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.NEW: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED}),
    CaseStatus.WAITING_ON_CUSTOMER: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.REOPENED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.REOPENED}),
    CaseStatus.REOPENED: frozenset(
        {CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.RESOLVED}
    ),
}
OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.REOPENED)
# A case someone may pick up with "Claim next".
CLAIMABLE_STATUSES = (CaseStatus.NEW, CaseStatus.REOPENED)


class Case(models.Model):
    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="cases")
    kind = models.ForeignKey(CaseKind, on_delete=models.PROTECT, related_name="cases")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    rule = models.ForeignKey(CaseRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    status = models.CharField(
        max_length=24, choices=CaseStatus.choices, default=CaseStatus.NEW, db_index=True
    )
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    priority_rank = models.PositiveSmallIntegerField(default=PRIORITY_RANK[Priority.NORMAL])
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # SLA clocks: stored deadlines, polled by a periodic task.
    first_contact_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # The deadline that matters now (first contact until made, then resolution): what queues sort by.
    due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    first_contacted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    # Outcome.
    root_cause = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    resolution_note = models.TextField(blank=True)
    recovery_score = models.SmallIntegerField(null=True, blank=True)

    # Optimistic concurrency: every change bumps it; an edit made on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feedback", "kind"], name="case_one_per_feedback_and_kind"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="case_priority_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"])
                | (Q(root_cause__isnull=False) & ~Q(resolution_note="")),
                name="case_resolved_has_root_cause_and_note",
            ),
            models.CheckConstraint(condition=Q(escalation_level__lte=2), name="case_escalation_level_valid"),
        ]
        indexes = [
            # Claim next: the team's unassigned claimable cases by urgency, then due time.
            models.Index(
                F("team"),
                F("priority_rank"),
                F("due_at").asc(nulls_last=True),
                F("id"),
                name="case_claimable",
                condition=Q(status__in=["new", "reopened"], assignee__isnull=True),
            ),
            # The queue: a team's open cases by due time.
            models.Index(
                F("team"),
                F("due_at").asc(nulls_last=True),
                F("id"),
                name="case_open_queue",
                condition=Q(status__in=["new", "in_progress", "waiting_on_customer", "reopened"]),
            ),
            # The SLA scan: open cases whose clocks run.
            models.Index(
                fields=["first_contact_due_at"],
                name="case_first_contact_clock",
                condition=Q(first_contacted_at__isnull=True, status__in=["new", "in_progress", "reopened"]),
            ),
            models.Index(
                fields=["resolution_due_at"],
                name="case_resolution_clock",
                condition=Q(status__in=["new", "in_progress", "reopened"]),
            ),
            # The queue's counts (open, overdue, unassigned, mine), read from the index alone.
            models.Index(
                fields=["team"],
                include=["due_at", "paused_at", "assignee"],
                name="case_open_counts",
                condition=Q(status__in=["new", "in_progress", "waiting_on_customer", "reopened"]),
            ),
            # Loop-closure metrics: the cases a team (or everyone) opened in a period.
            models.Index(fields=["team", "created_at"], name="case_team_opened"),
            models.Index(fields=["created_at"], name="case_opened"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} · {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return (
            self.is_open
            and self.paused_at is None
            and self.due_at is not None
            and self.due_at < timezone.now()
        )


class CaseEvent(TimelineEvent):
    """The append-only timeline of a case: every change, contact, message and escalation."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        STATUS_CHANGED = "status_changed", "Status changed"
        ASSIGNED = "assigned", "Assigned"
        CONTACT_LOGGED = "contact_logged", "Contact logged"
        MESSAGE_SENT = "message_sent", "Message sent"
        NOTE = "note", "Note"
        ESCALATED = "escalated", "Escalated"
        RESOLVED = "resolved", "Resolved"
        REOPENED = "reopened", "Reopened"
        RECOVERY_CHECKED = "recovery_checked", "Recovery checked"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_timeline")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"


class ContactChannel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    IN_PERSON = "in_person", "In person"


class ContactOutcome(models.TextChoices):
    REACHED = "reached", "Reached the customer"
    VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no_answer", "No answer"
    DECLINED = "declined", "Customer declined to talk"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class ContactAttempt(models.Model):
    """One call-back (or other contact) attempt, structured so loop-closure metrics can count it."""

    Channel = ContactChannel
    Outcome = ContactOutcome

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    promised = models.TextField(blank=True)
    next_step = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ContactOutcome.values), name="contact_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ContactChannel.values), name="contact_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"


class MessageTemplate(models.Model):
    """An editable message to customers.

    Placeholders: {customer_name}, {agent_name}, {team_name}, {case_id}.
    """

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
