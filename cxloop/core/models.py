"""Audit events: an append-only record of who changed what, for every state change outside a
domain timeline; and the shape those timelines share (cases, huddles and initiatives keep their
own event tables)."""

from django.conf import settings
from django.db import models


class TimelineEvent(models.Model):
    """One entry of an append-only timeline: who did it, when, and what it changed (`data`).

    A concrete timeline adds the row it belongs to, its `kind` (with its own Kind choices) and an
    index on (that row, created_at); services write the entries, nothing edits them.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class AuditEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type}:{self.target_id}"


def audit(*, actor, verb: str, target: models.Model, **data) -> AuditEvent:
    """Record one state change; call it inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
