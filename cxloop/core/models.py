"""Audit events: an append-only record of who did what (every state change outside a domain
timeline, log-ins, exports, views of a customer or a case); and the shape those timelines share
(cases, huddles and initiatives keep their own event tables). The pages, API and CSV that read the
record are in cxloop/core/auditlog/."""

from typing import Any

from django.conf import settings
from django.db import models

from .auditlog.context import client_address, current_request


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
    """One audited happening: who (and from which address) did what to which object, when.

    Append-only: a trigger (migration 0002) refuses UPDATE and DELETE of these rows to the
    application's own database role, so nothing the application runs can rewrite the record. Hence
    `actor` has no database constraint and is never nulled (a deleted person's rows keep their id
    and `actor_username`). Rows hold ids, field names and staff usernames only, never a customer's
    personal data: erasure cannot reach them, so there must be nothing in them to erase.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The actor's username when the row was written, readable after they are renamed or deleted.
    actor_username = models.CharField(max_length=150, blank=True, default="")
    ip = models.GenericIPAddressField("address", null=True, blank=True)
    verb = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    # The customer the row is about (a customer, their feedback, their case), for "everything about
    # this customer" without reading `data`; a plain id (the core does not know the feedback app).
    customer_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["customer_id", "-id"], name="audit_customer"),
            models.Index(fields=["actor_username", "-id"], name="audit_actor_username"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type}:{self.target_id}"


# The label of the customer model: a row about one of its rows is a row about that customer.
CUSTOMER_LABEL = "feedback.customer"


def _customer_of(target: Any, customer: Any) -> int | None:
    if customer is not None:
        return int(getattr(customer, "pk", customer))
    if target is None:
        return None
    if target._meta.label_lower == CUSTOMER_LABEL:
        return int(target.pk)
    # A case or a feedback item: its customer's id is on the row already, no query.
    return getattr(target, "customer_id", None)


def audit(
    *,
    actor: Any,
    verb: str,
    target: Any = None,
    target_type: Any = "",
    target_id: Any = "",
    customer: Any = None,
    **data: Any,
) -> AuditEvent:
    """Record one happening; inside a service, in its transaction. One INSERT.

    `target` is the object (or `target_type` and `target_id` where there is none, e.g. a failed
    log-in's "auth.login"); `customer` (an id), when the row is about a customer and the target does
    not say so itself. Without an authenticated `actor`, the person of the request being served is
    recorded (a signal receiver's call); the address is always the request's. `data`: ids, field
    names and staff usernames, never a customer's personal data. (The keywords are typed Any:
    callers pass their data as **dict, whose values mypy would check against each of them.)
    """
    request = current_request()
    if not getattr(actor, "is_authenticated", False):
        actor = getattr(request, "user", None)
    if not getattr(actor, "is_authenticated", False):
        actor = None
    if target is not None:
        target_type, target_id = target._meta.label_lower, target.pk
    if not target_type:
        raise ValueError("audit() needs a target, or a target_type and target_id.")
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        ip=client_address(request),
        verb=verb,
        target_type=target_type,
        target_id=str(target_id),
        customer_id=_customer_of(target, customer),
        data=data,
    )
