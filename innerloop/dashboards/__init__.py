"""Dashboards for the organisation, a department and a team: honest numbers with their uncertainty."""
