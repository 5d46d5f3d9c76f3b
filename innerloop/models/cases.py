"""The inner loop's cases: their statuses, the case itself with its SLA clocks, its timeline and contacts."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.models import TimelineEvent
from cxloop.org.models import Team
from feedback.models import Category, Customer, Feedback
from feedback.scales import PASSIVE_MIN
from innerloop.models.rules import (
    PRIORITY_RANK,
    CaseKind,
    CaseRule,
    Priority,
    SlaPolicy,
    _weekdays,  # noqa: F401 (migration 0001 names innerloop.models.cases._weekdays)
)


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


class Disposition(models.TextChoices):
    """ "Customer not a fit": a person's judgement, always with a written justification."""

    CUSTOMER_WRONG = "customer_wrong", _("Customer not a fit: the customer was wrong")
    UNPROFITABLE = "unprofitable", _("Customer not a fit: unprofitable to serve")


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
# The recovery rule, its one home: a recovery check (0-10, asked as NPS) at or above this means the
# customer came back, as a passive or a promoter (feedback.scales). Below it, the case reopens.
RECOVERED_AT = PASSIVE_MIN


def recovery_answer_happy(*, resolved: bool | None, score: int | None) -> bool:
    """The customer's own recovery answer says they came back: not "it is not resolved", and a score
    at or above RECOVERED_AT (or, with no score, a plain "yes, resolved"). Anything else reopens."""
    if resolved is False:
        return False
    if score is not None:
        return score >= RECOVERED_AT
    return resolved is True


# The customer answered their own recovery check (innerloop.recovery): their answer, not the agent's
# typed score, decides. The agent's score counts only for cases the customer did not answer.
CUSTOMER_ANSWERED = Q(customer_recovery_at__isnull=False)
CUSTOMER_RECOVERED = (
    CUSTOMER_ANSWERED
    & (Q(customer_resolved=True) | Q(customer_resolved__isnull=True))
    & (
        Q(customer_recovery_score__gte=RECOVERED_AT)
        | Q(customer_recovery_score__isnull=True, customer_resolved=True)
    )
)
AGENT_RECORDED = Q(customer_recovery_at__isnull=True, recovery_score__isnull=False)
RECOVERY_CHECKED = CUSTOMER_ANSWERED | AGENT_RECORDED
RECOVERED = CUSTOMER_RECOVERED | Q(customer_recovery_at__isnull=True, recovery_score__gte=RECOVERED_AT)


def overdue_condition(now: datetime) -> Q:
    """The one definition of overdue: open, its clock running (not paused), and past the deadline
    that matters now. The queue's filter and counts, the escalation scan and `Case.is_overdue` use it."""
    return Q(status__in=OPEN_STATUSES, paused_at__isnull=True, due_at__lt=now)


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> "CaseQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: datetime | None = None) -> "CaseQuerySet":
        return self.filter(overdue_condition(now or timezone.now()))

    def not_overdue(self, now: datetime | None = None) -> "CaseQuerySet":
        return self.exclude(overdue_condition(now or timezone.now()))


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
    # The customer's own recovery check (feedback.surveys, purpose "recovery"): their answer to
    # "Is this resolved for you?" and their score. When present it, not the agent's, decides rescue.
    customer_resolved = models.BooleanField(null=True, blank=True)
    customer_recovery_score = models.SmallIntegerField(null=True, blank=True)
    customer_recovery_at = models.DateTimeField(null=True, blank=True)
    # Set when the case's personal data (messages, notes, contact details, resolution text) was
    # erased: the customer was erased, or the source's retention period passed. Status, dates and
    # root cause stay, so loop-closure metrics do not move.
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)
    # Both sides of the story: the employee's account beside the customer's, and, justified by a
    # person, "customer not a fit" (detection and impact reviews weigh or leave out such cases).
    # Defaults in the database too: the demo and the bench insert cases with raw SQL.
    employee_account = models.TextField(blank=True, default="", db_default="")
    employee_account_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    employee_account_at = models.DateTimeField(null=True, blank=True)
    disposition = models.CharField(
        max_length=16, choices=Disposition.choices, blank=True, default="", db_default=""
    )
    disposition_justification = models.TextField(blank=True, default="", db_default="")
    disposition_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disposition_at = models.DateTimeField(null=True, blank=True)

    # Optimistic concurrency: every change bumps it; an edit made on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

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
            models.CheckConstraint(
                condition=Q(disposition="")
                | (Q(disposition__in=Disposition.values) & ~Q(disposition_justification="")),
                name="case_disposition_justified",
            ),
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

    def is_overdue_at(self, now: datetime) -> bool:
        """This case against `overdue_condition(now)`, without a query."""
        return self.is_open and self.paused_at is None and self.due_at is not None and self.due_at < now

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_at(timezone.now())

    @property
    def is_recovered(self) -> bool:
        """The recovery check says the customer came back (RECOVERED): the customer's own answer
        when they gave one, else the score the agent recorded."""
        if self.customer_recovery_at is not None:
            return recovery_answer_happy(resolved=self.customer_resolved, score=self.customer_recovery_score)
        return self.recovery_score is not None and self.recovery_score >= RECOVERED_AT


class CaseEvent(TimelineEvent):
    """The append-only timeline of a case: every change, contact, message and escalation."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        CONTACT_LOGGED = "contact_logged", _("Contact logged")
        MESSAGE_SENT = "message_sent", _("Message sent")
        NOTE = "note", _("Note")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")
        REOPENED = "reopened", _("Reopened")
        RECOVERY_CHECKED = "recovery_checked", _("Recovery checked")
        RECOVERY_ASKED = "recovery_asked", _("Recovery check sent to the customer")
        CUSTOMER_ANSWERED = "customer_answered", _("Customer answered the recovery check")
        REPLY_RECEIVED = "reply_received", _("Customer replied")
        EMPLOYEE_ACCOUNT = "employee_account", _("Employee's account recorded")
        DISPOSITION = "disposition", _("Disposition recorded")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_timeline")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    IN_PERSON = "in_person", _("In person")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached the customer")
    VOICEMAIL = "voicemail", _("Left a voicemail")
    NO_ANSWER = "no_answer", _("No answer")
    DECLINED = "declined", _("Customer declined to talk")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


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

    slug = models.SlugField()
    # Blank: the text for every language without its own version of this template.
    language = models.CharField(max_length=10, blank=True, default="")
    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "language"], name="message_template_one_per_language"),
        ]

    def __str__(self) -> str:
        return self.name
