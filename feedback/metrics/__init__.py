"""Metrics: NPS, CSAT and CES with their intervals, read from a rollup kept by the database."""
