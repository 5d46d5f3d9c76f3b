"""Triage rules for administrators, inside the product: the list in order, the form, the dry run."""
