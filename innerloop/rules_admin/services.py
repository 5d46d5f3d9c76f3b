"""Saving and switching triage rules from the product: one transaction each, with an audit row
naming the changed fields (never the rule's name or words: staff's free text)."""

from typing import Any

from django.db import transaction

from cxloop.core.models import audit
from innerloop.models import CaseRule

M2M_CONDITIONS = ("sources", "journey_stages", "touchpoints", "categories")


@transaction.atomic
def case_rule_save(
    *, rule: CaseRule, related: dict[str, set[int]], actor: Any, changed: list[str]
) -> CaseRule:
    """Store a new or changed rule (its fields as set on it) and its many-to-many conditions."""
    created = rule.pk is None
    if not created and not changed:
        return rule  # saved as it was: nothing to write or record
    rule.full_clean()
    rule.save()
    for name in M2M_CONDITIONS:
        getattr(rule, name).set(related.get(name, set()))
    verb = "rule.created" if created else "rule.changed"
    audit(actor=actor, verb=verb, target=rule, fields=sorted(changed))
    return rule


@transaction.atomic
def case_rule_set_active(*, rule: CaseRule, active: bool, actor: Any) -> CaseRule:
    """Enable or disable a rule; nothing happens (and nothing is recorded) when it already is."""
    rule = CaseRule.objects.select_for_update(no_key=True).get(pk=rule.pk)
    if rule.active == active:
        return rule
    rule.active = active
    rule.save(update_fields=["active"])
    audit(actor=actor, verb="rule.changed", target=rule, fields=["active"])
    return rule
