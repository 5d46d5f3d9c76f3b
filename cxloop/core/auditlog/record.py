"""One-line audit calls for views: a person looked at a customer or a case, or downloaded data.

Each writes one row (one INSERT) with the viewer and their address; nothing about the customer
but their id. Called from the views of the apps that show or export such data.
"""

from typing import Any

from django.db import models

from cxloop.core.models import AuditEvent, audit


def audit_view(request: Any, target: models.Model, *, customer: Any = None, **data: Any) -> AuditEvent:
    """`<model>.viewed` (case.viewed, customer.viewed, feedback.viewed) for the person of `request`.

    The customer is read from the target (a customer, or a row with a customer_id) unless given.
    """
    verb = f"{target._meta.model_name}.viewed"
    return audit(actor=request.user, verb=verb, target=target, customer=customer, **data)


def audit_export(
    request: Any,
    *,
    what: str,
    target: models.Model | None = None,
    target_id: object = "",
    **data: Any,
) -> AuditEvent:
    """`<what>.exported`: a person downloaded `what` (a dashboard table, an import's error report,
    the audit log), with what narrowed it (`data`: filters by id or name, never personal data)."""
    return audit(
        actor=request.user,
        verb=f"{what}.exported",
        target=target,
        target_type="" if target is not None else what,
        target_id=target_id,
        **data,
    )
