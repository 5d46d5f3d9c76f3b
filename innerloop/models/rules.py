"""Triage rules and the reference data cases point at: kinds of case, priorities and SLA policies."""

from datetime import time

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import Team
from feedback.models import Category, JourneyStage, Scale, Source, Touchpoint, ValueTier


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Sorting order for queues: most urgent first.
# Keyed by str: a Priority is one, and rows (CaseRule.priority...) hold the plain value.
PRIORITY_RANK: dict[str, int] = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class CaseKind(models.Model):
    """What a case is for: detractor recovery, complaint, promoter thanks, at-risk customer, or your own."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        # The kinds cxloop ships with are in the catalogue (innerloop/defaults.py marks them), so
        # they read in each person's language; a kind an admin named reads as it was written.
        return gettext(self.name)


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
        OPEN_CASE = "open_case", _("Open a case")
        NOTHING = "nothing", _("Open nothing")

    class Routing(models.TextChoices):
        FIXED = "fixed", _("A fixed team")
        TOUCHPOINT = "touchpoint", _("The touchpoint's owning team")
        FEEDBACK = "feedback", _("The feedback's team hint")
        CUSTOMER = "customer", _("The customer's owning team")

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
        null=True, blank=True, help_text=_("e.g. -0.3 for clearly negative comments")
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    # A suggested category (the classifier's guess) counts for `categories` only this sure or surer;
    # a category a person confirmed always counts.
    min_confidence = models.FloatField(
        default=0.6,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_(
            "How sure the classifier must be of a suggested category for this rule to act on it (0-1)."
        ),
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
        help_text=_("fixed team, or fallback"),
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
