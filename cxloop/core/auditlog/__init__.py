"""The audit log people read: request context, recording helpers, the admins' page, API and CSV.

The model and `audit()` stay in cxloop.core.models, where every service imports them from.
"""
