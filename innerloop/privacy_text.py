"""Masking an erased customer's identifiers in staff free text: feedback.privacy.masking, named here
for the erasers of the apps above feedback (innerloop, outerloop, governance)."""

from feedback.privacy.masking import MASK, identifiers_mask

__all__ = ["MASK", "identifiers_mask"]
