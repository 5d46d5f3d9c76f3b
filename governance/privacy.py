"""Governance's eraser (issue #15): an erased customer's identifiers written down in committee
records, masked: a meeting's notes and its agenda as frozen when it was held (which copies initiative
and signal titles), a decision's rationale and withdrawal reason, an action item's title, a system
review's summary. Registered with feedback's eraser registry in cxloop/wiring.py. Governance keeps no
other copy of a customer: votes, seats and proxies are staff and ids."""

from governance.models import ActionItem, Decision, Meeting, SystemReview
from innerloop.privacy_text import identifiers_mask


def governance_eraser(scope) -> dict[str, int]:
    """The eraser feedback's registry calls (feedback.privacy.registry.ErasureScope)."""
    if scope.count_only or not scope.identifiers:
        return {}
    changed = sum(
        identifiers_mask(model=model, fields=fields, json_fields=json_fields, identifiers=scope.identifiers)
        for model, fields, json_fields in (
            (Meeting, ("notes",), ("agenda_snapshot",)),
            (Decision, ("rationale", "withdrawn_reason"), ()),
            (ActionItem, ("title",), ()),
            (SystemReview, ("summary",), ()),
        )
    )
    return {"governance.staff_text": changed}
