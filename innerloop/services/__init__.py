"""Writes of the inner loop: triage, case work, SLA escalation. Import from the modules."""
