"""Who may do what in the outer loop: one predicate per question, for views, APIs, services and pages.

Visibility (which signals and initiatives a person sees at all) is the selectors' (`*_visible_to`);
these say what a person may do with one they see.
"""

from typing import Any

from cxloop.org.models import Role
from cxloop.org.scoping import scope_for

from .models import Initiative, Signal

# Roles that work with the outer loop at all (admins pass every role check).
OUTER_ROLES = (Role.MANAGER, Role.COMMITTEE)


def can_work_outer_loop(user: Any) -> bool:
    """Managers, the committee and admins open the signals board and the initiatives."""
    return scope_for(user).has_role(*OUTER_ROLES, Role.ADMIN)


def can_run_detection(user: Any) -> bool:
    """The committee (and admins) start the signal detection by hand."""
    return scope_for(user).has_role(Role.COMMITTEE, Role.ADMIN)


def can_triage_signal(user: Any, signal: Signal) -> bool:
    """Dismiss or merge a signal: anyone of the outer loop who sees it (the selector decides that)."""
    return can_work_outer_loop(user)


def can_promote_signal(user: Any, signal: Signal) -> bool:
    """Promote a signal to a proposed initiative: anyone of the outer loop who sees it."""
    return can_work_outer_loop(user)


def can_move_initiative(user: Any, initiative: Initiative) -> bool:
    """Move an initiative through its stages: its owner; admins may stand in."""
    return initiative.owner_id == user.pk or scope_for(user).has_role(Role.ADMIN)


def can_edit_initiative(user: Any, initiative: Initiative) -> bool:
    """Edit an initiative, tick off its milestones, ask for its impact review: its owner or the committee."""
    return can_move_initiative(user, initiative) or scope_for(user).has_role(Role.COMMITTEE, Role.ADMIN)


def can_follow_initiative(user: Any, initiative: Initiative) -> bool:
    """Comment on an initiative or add a milestone: anyone of the outer loop who sees it."""
    return can_work_outer_loop(user)
