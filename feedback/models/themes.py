"""Themes nobody has coded yet: clusters of comments without a confident category, found every
night (feedback.themes), proposed to a person as a new category to accept, merge or reject."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feedback.models.record import Category


class ThemeRun(models.Model):
    """One finished run of the nightly theme job: what it read and what it found."""

    finished_at = models.DateTimeField(db_index=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    comments = models.PositiveIntegerField()
    clusters = models.PositiveIntegerField()
    proposed = models.PositiveIntegerField(default=0)
    seconds = models.FloatField()

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"Theme run at {self.finished_at:%Y-%m-%d %H:%M}"


class ThemeStatus(models.TextChoices):
    # Seen, but not (yet) growing enough to ask anyone.
    WATCHING = "watching", _("Watching")
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Rejected")


class ThemeProposal(models.Model):
    """A cluster of uncoded comments followed from night to night by its terms.

    Accepted, it becomes `category` (a new one); merged, `category` is the existing one it joined.
    """

    Status = ThemeStatus

    label = models.CharField(max_length=200)
    # The cluster's top terms with their weights, strongest first: [[term, weight], ...].
    terms = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=ThemeStatus.choices, default=ThemeStatus.WATCHING, db_index=True
    )
    size = models.PositiveIntegerField(default=0)
    previous_size = models.PositiveIntegerField(default=0)
    # Ids of a few representative comments (feedback ids), closest to the cluster's centre first.
    example_ids = models.JSONField(default=list)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    last_run = models.ForeignKey(ThemeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="theme_proposals"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-size", "-last_seen_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ThemeStatus.values), name="theme_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "merged"]) | Q(category__isnull=False),
                name="theme_decided_has_category",
            ),
        ]

    def __str__(self) -> str:
        return self.label
