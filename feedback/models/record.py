"""Feedback from every channel, tied to a customer, a touchpoint, a journey stage and one taxonomy."""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cxloop.org.models import ApiToken, Team
from feedback import scales
from feedback.enrichment.pii import searchable_comment


class SourceKind(models.TextChoices):
    SURVEY = "survey", _("Survey")
    CALL_CENTRE = "call_centre", _("Call centre")
    RETURNS = "returns", _("Returns")
    REVIEW_SITE = "review_site", _("Review site")
    SOCIAL = "social", _("Social media")
    STORE = "store", _("Store")
    EMPLOYEE = "employee", _("Employee")
    EMAIL = "email", _("Email")
    OTHER = "other", _("Other")


class ValueTier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    HIGH = "high", _("High value")
    TOP = "top", _("Top value")


class Scale(models.TextChoices):
    NPS = "nps", _("NPS (0-10)")
    CSAT = "csat", _("CSAT (1-5)")
    CES = "ces", _("CES (1-7)")


class Source(models.Model):
    """A configured inbound channel (a survey tool, the call centre, a review site...)."""

    Kind = SourceKind

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    active = models.BooleanField(default=True)
    # Two secrets at once so a webhook secret can be rotated without dropping deliveries.
    signing_secret = models.CharField(max_length=200, blank=True)
    previous_signing_secret = models.CharField(max_length=200, blank=True)
    # JSON paths from a vendor payload to contract keys, for generic (Standard Webhooks) sources.
    field_mapping = models.JSONField(default=dict, blank=True)
    # The customers' system of record (a CRM, the loyalty programme): its deliveries may change a
    # customer's contact details, segment and value. Other sources only create customers.
    customer_authority = models.BooleanField(
        "source of truth for customers",
        default=False,
        help_text=_("Its deliveries may change stored customers' contact details, segment and value."),
    )
    # Integration tokens that may send feedback for this source (feedback.permissions).
    integration_tokens = models.ManyToManyField(
        ApiToken,
        blank=True,
        related_name="sources",
        limit_choices_to={"is_integration": True},
        help_text=_("Integration tokens that may send feedback for this source."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    ValueTier = ValueTier

    # Annual value at or above which a customer enters each tier.
    TIER_THRESHOLDS = ((Decimal("10000"), ValueTier.TOP), (Decimal("2000"), ValueTier.HIGH))

    external_id = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True)
    segment = models.CharField(max_length=50, blank=True, db_index=True)
    annual_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    value_tier = models.CharField(
        max_length=16, choices=ValueTier.choices, default=ValueTier.STANDARD, db_index=True
    )
    owning_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Do not contact: no message of any kind goes to this customer (case templates, close-the-loop,
    # surveys, anything sent later); the case page says so.
    # A database default too: COPY (the demo, bulk loads) leaves the column out.
    do_not_contact = models.BooleanField(default=False, db_default=False, db_index=True)
    do_not_contact_since = models.DateTimeField(null=True, blank=True)
    # The customer's IANA time zone (surveys keep quiet hours in it); blank = the site's.
    time_zone = models.CharField(max_length=64, blank=True, default="", db_default="")
    # What the email provider reported: a hard bounce stops surveys to the address; a complaint
    # (marked as spam) is treated as do-not-contact.
    email_bounced_at = models.DateTimeField(null=True, blank=True)
    email_complained_at = models.DateTimeField(null=True, blank=True)
    # Set when the customer was erased (their personal data deleted or anonymised, their scores kept).
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [
            ("manage_customers", "Can change customers' contact details, segment and value"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(value_tier__in=ValueTier.values), name="customer_tier_valid"),
            models.CheckConstraint(
                condition=Q(annual_value__isnull=True) | Q(annual_value__gte=0),
                name="customer_annual_value_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id

    @classmethod
    def tier_for(cls, annual_value: Decimal | None) -> str:
        """The value tier derived from an annual value."""
        if annual_value is not None:
            for threshold, tier in cls.TIER_THRESHOLDS:
                if annual_value >= threshold:
                    return tier
        return cls.ValueTier.STANDARD


class Touchpoint(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    owning_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JourneyStage(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """The one issue taxonomy, two levels deep; retired rather than deleted once used."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["parent__name", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="category_not_own_parent"),
        ]

    def __str__(self) -> str:
        # No query without a parent: a null foreign key reads as None.
        return f"{self.parent.name} / {self.name}" if self.parent is not None else self.name


# A suggested category counts as what an item is about (a mention) at this confidence or more.
MENTION_CONFIDENCE = 0.8


def mention_q(category_ids) -> Q:
    """Feedback about one of `category_ids`: the one definition of a mention of a category.

    Its confirmed category; without one, a suggestion the classifier is sure of (MENTION_CONFIDENCE);
    or the root cause coded on a case opened for it (innerloop's Case.feedback, reached by its
    related name only). outerloop.services.detection writes the same rule in SQL, with this constant.
    """
    return (
        Q(confirmed_category__in=category_ids)
        | Q(
            confirmed_category__isnull=True,
            suggested_category__in=category_ids,
            suggested_confidence__gte=MENTION_CONFIDENCE,
        )
        | Q(cases__root_cause__in=category_ids)
    )


# An employee survey's answer names its survey here, and nothing leading to a person (surveys.answers);
# an obstacle raised on the staff form names no survey.
SURVEY_KEY = "survey"


def employee_sources() -> models.QuerySet:
    """The employee channel's sources, as a subquery of ids: what staff say, never a customer's score,
    so customer metrics (NPS, CSAT, CES) exclude them."""
    return Source.objects.filter(kind=SourceKind.EMPLOYEE).values("pk")


def anonymous_answer_q() -> Q:
    """An answer to an employee survey: the one definition. Anonymous by design: no page, API,
    export, summary or event shows one on its own (groups of answers only: feedback.surveys.employee),
    while its themes count towards signals like anyone's."""
    return Q(source__in=employee_sources(), metadata__has_key=SURVEY_KEY)


def is_anonymous_answer(*, source_kind: str, metadata: dict | None) -> bool:
    """anonymous_answer_q for one item in memory."""
    return source_kind == SourceKind.EMPLOYEE and SURVEY_KEY in (metadata or {})


def without_anonymous_rows(rows: list[dict], inserted: list[tuple]) -> list[tuple]:
    """`inserted` ((id, source id, external id) of rows just stored, from `rows`, their column
    values) less the anonymous answers: what may be announced one item at a time."""
    naming = [row for row in rows if SURVEY_KEY in (row.get("metadata") or {})]
    if not naming:
        return inserted
    ids = {row["source_id"] for row in naming}
    employee = set(Source.objects.filter(pk__in=ids, kind=SourceKind.EMPLOYEE).values_list("pk", flat=True))
    hidden = {(row["source_id"], row["external_id"]) for row in naming if row["source_id"] in employee}
    return [item for item in inserted if (item[1], item[2]) not in hidden]


class FeedbackQuerySet(models.QuerySet):
    def without_anonymous_answers(self):
        """What may be read one item at a time: everything but employee survey answers."""
        return self.exclude(anonymous_answer_q())

    def nps(self):
        return self.filter(scales.nps_q())

    def detractors(self):
        return self.filter(scales.detractor_q())

    def promoters(self):
        return self.filter(scales.promoter_q())

    def mentioning(self, category_ids):
        """Items about one of `category_ids` (mention_q), each once."""
        return self.filter(pk__in=self.model.objects.filter(mention_q(category_ids)).values("pk"))


class Feedback(models.Model):
    Scale = Scale

    SCALE_RANGES = {Scale.NPS: (0, 10), Scale.CSAT: (1, 5), Scale.CES: (1, 7)}
    COMMENT_MAX_LENGTH = 10_000

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="feedback")
    external_id = models.CharField(max_length=200)
    # NULL, not "": feedback without a score (a review, a note) has no scale at all.
    scale = models.CharField(max_length=4, choices=Scale.choices, null=True, blank=True)  # noqa: DJ001
    score = models.SmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback"
    )
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback"
    )
    journey_stage = models.ForeignKey(
        JourneyStage, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback")
    metadata = models.JSONField(default=dict, blank=True)
    # Hash of the first delivery's contract fields; `delivery_hashes`, of each later delivery that
    # changed something. A delivery whose hash is among them was applied before: a late retry of
    # an older delivery is then a duplicate, and never undoes a later update.
    content_hash = models.CharField(max_length=64, blank=True)
    delivery_hashes = ArrayField(models.CharField(max_length=64), null=True, blank=True)

    # Enrichment, filled after commit; NULL until then, which is what the sweep looks for.
    processed_at = models.DateTimeField(null=True, blank=True)
    sentiment = models.FloatField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    suggested_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suggested_confidence = models.FloatField(null=True, blank=True)
    confirmed_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="confirmed_feedback"
    )
    # Triage, the step after enrichment (innerloop.services.triage): NULL until the rules ran, which
    # is what its sweep looks for; then where the item went: {"case": id, "team": slug, "rule": name},
    # or {"reason": why no case}.
    triaged_at = models.DateTimeField(null=True, blank=True)
    # A database default too: COPY (the demo, bulk loads) leaves the column out.
    triage_result = models.JSONField(
        default=dict, db_default=models.Value({}, models.JSONField()), blank=True
    )
    # Set when the comment (and metadata) was anonymised, by erasure or by the source's retention
    # policy: the score, dates and coding stay, so metrics do not move; retention skips marked rows.
    comment_anonymised_at = models.DateTimeField(null=True, blank=True)

    # Full-text search over comments, kept by PostgreSQL itself (a stored generated column), without
    # the emails, phone and card numbers that masking hides (enrichment.pii.searchable_comment).
    search_vector = models.GeneratedField(
        expression=SearchVector(searchable_comment(), config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "feedback"
        permissions = [
            ("view_personal_data", "Can see personal data (emails, phones, card numbers) in comments")
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="feedback_unique_per_source"),
            models.CheckConstraint(
                condition=Q(scale__isnull=True) | Q(scale__in=Scale.values),
                name="feedback_scale_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(score__isnull=True)
                    | Q(scale="nps", score__gte=0, score__lte=10)
                    | Q(scale="csat", score__gte=1, score__lte=5)
                    | Q(scale="ces", score__gte=1, score__lte=7)
                ),
                name="feedback_score_on_scale",
            ),
            models.CheckConstraint(
                condition=Q(suggested_confidence__isnull=True)
                | Q(suggested_confidence__gte=0, suggested_confidence__lte=1),
                name="feedback_confidence_is_probability",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "-occurred_at"], name="feedback_team_recent"),
            models.Index(fields=["-occurred_at"], name="feedback_recent"),
            models.Index(fields=["customer", "-occurred_at"], name="feedback_customer_timeline"),
            models.Index(
                fields=["received_at"], name="feedback_unprocessed", condition=Q(processed_at__isnull=True)
            ),
            models.Index(
                fields=["processed_at"],
                name="feedback_untriaged",
                condition=Q(processed_at__isnull=False, triaged_at__isnull=True),
            ),
            GinIndex(fields=["search_vector"], name="feedback_search"),
            models.Index(fields=["confirmed_category", "-occurred_at"], name="feedback_category_recent"),
            # What a source's retention run looks for: its old comments not yet anonymised.
            models.Index(
                fields=["source", "occurred_at"],
                name="feedback_retention_due",
                condition=Q(comment_anonymised_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.slug}:{self.external_id}"

    @property
    def nps_bucket(self) -> str | None:
        """ "promoter", "passive" or "detractor" (feedback.scales); None off the NPS scale."""
        if self.scale != self.Scale.NPS:
            return None
        return scales.nps_bucket(self.score)


class CategoryModel(models.Model):
    """A trained category classifier; the newest one suggests categories for new feedback."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    trained_on = models.PositiveIntegerField()
    categories = models.PositiveIntegerField()
    accuracy = models.FloatField(null=True, blank=True)
    blob = models.BinaryField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"classifier of {self.created_at:%Y-%m-%d %H:%M} ({self.trained_on} items)"
