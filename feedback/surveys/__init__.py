"""Surveys cxloop sends itself (feedback.models.surveys): contact rules and invitations
(rules, invitations), sending and reminders (sending), the hosted response page and its signed
links (links, answers, views), unsubscribing (unsubscribe), survey metrics (metrics) and employee
surveys (employee)."""
