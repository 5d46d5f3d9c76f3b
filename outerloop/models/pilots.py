"""Pilots: an initiative's pre-test or customer test run on chosen teams (stores) or touchpoints,
beside comparable controls, so its impact review can tell a fix from seasonality."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PilotDimension(models.TextChoices):
    TEAM = "team", _("Teams and stores")
    TOUCHPOINT = "touchpoint", _("Touchpoints")


class PilotArm(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    CONTROL = "control", _("Control")


class Pilot(models.Model):
    """One test stage of an initiative, run where `units` say, from `started_at` (None: not yet)."""

    initiative = models.ForeignKey("outerloop.Initiative", on_delete=models.CASCADE, related_name="pilots")
    stage = models.CharField(max_length=16)
    dimension = models.CharField(max_length=12, choices=PilotDimension.choices)
    # The period the arms are compared on before the change (and controls were matched on).
    baseline_start = models.DateTimeField()
    baseline_end = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "stage"], name="pilot_one_per_stage"),
            models.CheckConstraint(
                condition=Q(stage__in=["pre_test", "customer_test"]), name="pilot_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(dimension__in=PilotDimension.values), name="pilot_dimension_valid"
            ),
            models.CheckConstraint(
                condition=Q(baseline_end__gt=models.F("baseline_start")), name="pilot_baseline_order"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=False, ended_at__gt=models.F("started_at")),
                name="pilot_run_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Pilot of {self.initiative_id} ({self.stage})"


class PilotUnit(models.Model):
    """One team or touchpoint in a pilot, in the pilot arm or as a control."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="units")
    arm = models.CharField(max_length=8, choices=PilotArm.choices)
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    touchpoint = models.ForeignKey(
        "feedback.Touchpoint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["arm", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(arm__in=PilotArm.values), name="pilot_unit_arm_valid"),
            models.CheckConstraint(
                condition=Q(team__isnull=False, touchpoint__isnull=True)
                | Q(team__isnull=True, touchpoint__isnull=False),
                name="pilot_unit_one_kind",
            ),
            models.UniqueConstraint(
                fields=["pilot", "team"], condition=Q(team__isnull=False), name="pilot_unit_team_once"
            ),
            models.UniqueConstraint(
                fields=["pilot", "touchpoint"],
                condition=Q(touchpoint__isnull=False),
                name="pilot_unit_touchpoint_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.arm}: {self.team_id or self.touchpoint_id}"
