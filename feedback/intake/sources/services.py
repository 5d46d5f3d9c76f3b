"""Changing a source from the product: one transaction, one audit row naming the changed fields
(never their values: the secret is one of them)."""

from typing import Any

from django.db import transaction

from cxloop.core.models import audit
from feedback.models import Source

EDITABLE = ("name", "kind", "active", "customer_authority", "field_mapping")


@transaction.atomic
def source_update(*, source: Source, actor: Any, new_secret: str = "", **changes: Any) -> Source:
    """Apply `changes` (of EDITABLE) and a new signing secret, the current one kept as the previous.

    Keeping the current secret as the previous lets the sender switch over without a refused
    delivery (adapters.signing_secrets tries both).
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    source = Source.objects.select_for_update(no_key=True).get(pk=source.pk)
    changed = [name for name, value in changes.items() if getattr(source, name) != value]
    for name in changed:
        setattr(source, name, changes[name])
    if new_secret and new_secret != source.signing_secret:
        source.previous_signing_secret = source.signing_secret
        source.signing_secret = new_secret
        changed += ["signing_secret", "previous_signing_secret"]
    if not changed:
        return source
    source.full_clean()
    source.save(update_fields=changed)
    audit(actor=actor, verb="source.changed", target=source, fields=sorted(changed))
    return source
