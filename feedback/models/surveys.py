"""Surveys cxloop sends itself: what is asked, of whom, and what became of each invitation.

An invitation is created by an event (the API, a CSV of contacts, a rule such as "case resolved"),
passes the contact rules (feedback.surveys.rules) and is either suppressed, with the reason kept,
or sent; the answer goes through the same ingestion service as every other channel. Employee
surveys use the same machinery but an answer is never linked to a person: the invitation only
records that it was answered.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import Team

from .record import Customer, JourneyStage, Scale, Source, Touchpoint


class SurveyAudience(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    EMPLOYEES = "employees", _("Employees")


class SurveyPurpose(models.TextChoices):
    FEEDBACK = "feedback", _("Feedback")
    # The customer's own recovery check after a case is resolved (innerloop).
    RECOVERY = "recovery", _("Recovery check")


class SurveyChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class Survey(models.Model):
    Audience = SurveyAudience
    Purpose = SurveyPurpose
    Channel = SurveyChannel

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.CUSTOMERS)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.FEEDBACK)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    scale = models.CharField(max_length=4, choices=Scale.choices, default=Scale.NPS)
    # Answers are ingested under this source, tied to this touchpoint and journey stage.
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="surveys")
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    journey_stage = models.ForeignKey(
        JourneyStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    default_language = models.CharField(max_length=10, default="en")
    active = models.BooleanField(default=True)

    # Contact rules (feedback.surveys.rules). A customer gets at most one invitation of this survey
    # per `days_between_this`, and at most one of any survey per `days_between_any`.
    days_between_this = models.PositiveSmallIntegerField(default=90)
    days_between_any = models.PositiveSmallIntegerField(default=14)
    # No message is sent between these hours of the customer's local time; it waits until the end.
    quiet_from = models.TimeField(default="21:00")
    quiet_until = models.TimeField(default="08:00")
    # The share of eligible transactions invited, in percent (decided by transaction id).
    sample_percent = models.PositiveSmallIntegerField(default=100)
    # At most this many invitations sent per day (the survey's time zone is the site's); none = no cap.
    daily_cap = models.PositiveIntegerField(null=True, blank=True)
    # One reminder after this many hours without an answer; none = no reminder.
    reminder_after_hours = models.PositiveSmallIntegerField(null=True, blank=True, default=72)
    # The response link works for this many days after it is sent.
    link_valid_days = models.PositiveSmallIntegerField(default=30)
    # A second submit within this many minutes of the first updates the answer; later it is refused.
    answer_edit_minutes = models.PositiveSmallIntegerField(default=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience__in=SurveyAudience.values), name="survey_audience_valid"
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=SurveyPurpose.values), name="survey_purpose_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=SurveyChannel.values), name="survey_channel_valid"
            ),
            models.CheckConstraint(condition=Q(scale__in=Scale.values), name="survey_scale_valid"),
            models.CheckConstraint(
                condition=Q(sample_percent__gte=1, sample_percent__lte=100),
                name="survey_sample_percent_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def source_refusal(self) -> str | None:
        """Why this survey may not be sent with its source, or None. Employees' answers are kept
        anonymous because they arrive as an employee source (feedback.models.anonymous_answer_q): on
        any other source they would show one by one, with their team, like customers' feedback."""
        if self.audience == SurveyAudience.EMPLOYEES and self.source.kind != "employee":
            return str(_("An employee survey's answers must arrive through a source of the kind Employee."))
        return None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.source_id and (why := self.source_refusal()):
            raise ValidationError({"source": why})


class SurveyText(models.Model):
    """What a survey says in one language: the score question, the comment question, follow-ups
    and the email around them. A survey has one per language it is sent in."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=10)
    question = models.CharField(max_length=300)
    comment_question = models.CharField(max_length=300, blank=True)
    # Up to MAX_FOLLOW_UPS open questions after the comment, as a list of strings.
    follow_ups = models.JSONField(default=list, blank=True)
    email_subject = models.CharField(max_length=200)
    email_intro = models.TextField(blank=True)
    reminder_subject = models.CharField(max_length=200, blank=True)
    # The text message, for SMS surveys; {link} is replaced by the response link.
    sms_text = models.CharField(max_length=320, blank=True)

    MAX_FOLLOW_UPS = 3

    class Meta:
        ordering = ["survey", "language"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "language"], name="survey_text_one_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} ({self.language})"


class InvitationStatus(models.TextChoices):
    # Accepted by the contact rules, waiting for its send time (quiet hours) or the sender.
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    SUPPRESSED = "suppressed", _("Suppressed")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Failed")


class SuppressionReason(models.TextChoices):
    DO_NOT_CONTACT = "do_not_contact", _("The customer asked not to be contacted")
    NO_ADDRESS = "no_address", _("No email address or phone number on file")
    RECENTLY_THIS = "recently_this", _("Invited to this survey too recently")
    RECENTLY_ANY = "recently_any", _("Invited to a survey too recently")
    NOT_SAMPLED = "not_sampled", _("Not in the sample")
    DAILY_CAP = "daily_cap", _("The survey's daily cap was reached")
    BOUNCED = "bounced", _("Earlier email to this address bounced")
    INACTIVE = "inactive", _("The survey is not active")


class InvitationTrigger(models.TextChoices):
    API = "api", _("API")
    CSV = "csv", _("Contact list")
    RULE = "rule", _("Rule")
    RECOVERY = "recovery", _("Recovery check")


class SurveyInvitation(models.Model):
    Status = InvitationStatus
    Reason = SuppressionReason
    Trigger = InvitationTrigger

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    # Customer surveys: the customer asked. Employee surveys: the person asked (never their answer).
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The event's own id (an order, a booking, a case): one invitation per survey and transaction.
    transaction_id = models.CharField(max_length=200, blank=True)
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=10, blank=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.API)
    # The case a recovery check asks about (an id: feedback does not know cases).
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    suppressed_reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    # Not sent before this moment (the end of the customer's quiet hours).
    send_after = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The feedback the answer became (customer surveys only: employee answers are not linked).
    feedback = models.ForeignKey(
        "feedback.Feedback", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "transaction_id"],
                condition=~Q(transaction_id=""),
                name="survey_invitation_once_per_transaction",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values), name="invitation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="suppressed", suppressed_reason__in=SuppressionReason.values)
                | (~Q(status="suppressed") & Q(suppressed_reason="")),
                name="invitation_suppressed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=True) | Q(employee__isnull=True),
                name="invitation_customer_or_employee",
            ),
        ]
        indexes = [
            # The contact rules: a customer's invitations that counted, newest first.
            models.Index(
                F("customer"),
                F("created_at").desc(),
                name="invitation_contact_history",
                condition=~Q(status="suppressed"),
            ),
            # The sender: scheduled invitations by send time.
            models.Index(fields=["send_after"], name="invitation_to_send", condition=Q(status="scheduled")),
            # The reminder scan: sent, unanswered, not yet reminded.
            models.Index(
                fields=["sent_at"],
                name="invitation_to_remind",
                condition=Q(status="sent", reminded_at__isnull=True),
            ),
            # The daily cap and survey metrics.
            models.Index(fields=["survey", "created_at"], name="invitation_survey_day"),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} · {self.survey}"
