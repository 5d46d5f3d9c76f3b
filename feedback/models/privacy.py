"""Retention per source: how long comments and cases' personal data are kept.

This model belongs to the `feedback` app: `feedback/models/` imports this module so that Django
registers it under that label (table `feedback_retentionpolicy`).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feedback.models.record import Customer, Source

# Ten years: a longer period is a typing slip (months, not days), not a policy.
MAX_MONTHS = 120


class RetentionPolicy(models.Model):
    """What the nightly retention run anonymises for one source; off until someone switches it on."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="retention_policy")
    comments_anonymise_after_months = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
        help_text=_(
            "Comments (and the metadata kept with them) older than this are anonymised; "
            "scores, dates and categories stay."
        ),
    )
    case_personal_data_after_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
        help_text=_(
            "Messages, notes and contact details of this source's cases closed longer ago than this "
            "are erased. Empty: kept."
        ),
    )
    # Off by default: an administrator reads the dry-run count first, then switches it on.
    enabled = models.BooleanField(default=False)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_counts = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source__name"]
        verbose_name_plural = "retention policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    comments_anonymise_after_months__gte=1, comments_anonymise_after_months__lte=MAX_MONTHS
                ),
                name="retention_comment_months_valid",
            ),
            models.CheckConstraint(
                condition=Q(case_personal_data_after_months__isnull=True)
                | Q(case_personal_data_after_months__gte=1, case_personal_data_after_months__lte=MAX_MONTHS),
                name="retention_case_months_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Retention for {self.source}"


class ErasedCustomerKey(models.Model):
    """A keyed digest (HMAC with SECRET_KEY) of an erased customer's key: their external id, or
    "email:<address>" for customers a channel knows only by email.

    A vendor's retry of an old delivery, or a re-import of an old file, names the customer again:
    without this, ingestion would create them anew with the contact details just erased. With it,
    the item is stored against the erased record and no contact detail is kept. The digest cannot
    be turned back into the identifier.
    """

    digest = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"erased key of customer {self.customer_id}"
