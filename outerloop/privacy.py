"""The outer loop's eraser (issue #15): an erased customer's identifiers written down by staff in
initiatives, their comments, timelines and milestones, and signals, masked. The outer loop keeps no other copy
of a customer: a signal's and an initiative's evidence is counted and listed from feedback and cases
when shown, so it follows their erasure by itself."""

from innerloop.privacy_text import identifiers_mask
from outerloop.models import Initiative, InitiativeComment, InitiativeEvent, Milestone, Signal


def outerloop_eraser(scope) -> dict[str, int]:
    """The eraser feedback's registry calls (feedback.privacy.registry.ErasureScope)."""
    if scope.count_only or not scope.identifiers:
        return {}
    changed = sum(
        identifiers_mask(model=model, fields=fields, json_fields=json_fields, identifiers=scope.identifiers)
        for model, fields, json_fields in (
            (Initiative, ("title", "problem", "what_changed", "target_metric"), ()),
            (InitiativeComment, ("text",), ()),
            (InitiativeEvent, (), ("data",)),
            (Milestone, ("title",), ()),
            (Signal, ("title", "dismissed_reason"), ()),
        )
    )
    return {"outerloop.staff_text": changed}
