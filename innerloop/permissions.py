"""Who may do what in the inner loop: one predicate per rule, used by the views, the API, the action
tables (innerloop.actions, innerloop.huddles.actions) and, precomputed, the templates.

Visibility (which cases and huddles a person sees at all) stays in cxloop.org.scoping, which every
selector applies; these predicates say what a person may do to what they see.
"""

from typing import Any

from cxloop.org.models import Membership, Role, Team
from cxloop.org.scoping import scope_for
from feedback.permissions import MANAGE_CUSTOMERS
from innerloop.models import Case
from innerloop.models.huddles import Huddle

# Every role works with cases (which ones is scoped by team or department).
CASE_ROLES: tuple[str, ...] = tuple(Role.values)
# Claiming takes a case off the team's own queue: the people on the team.
CLAIM_ROLES: tuple[str, ...] = (Role.AGENT, Role.TEAM_LEAD)
# Everyone who works with teams opens huddle pages; which huddles they see is scoped by the selectors.
HUDDLE_PAGE_ROLES: tuple[str, ...] = (Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.COMMITTEE)
HUDDLE_REVIEW_ROLES: tuple[str, ...] = (Role.MANAGER, Role.COMMITTEE)
CADENCE_ROLES: tuple[str, ...] = (Role.TEAM_LEAD,)


def can_see_case(user: Any, case: Case) -> bool:
    """The case is on one of the user's teams, in a department they manage, or they see everything."""
    scope = scope_for(user)
    return (
        scope.sees_everything
        or case.team_id in scope.team_ids
        or (bool(scope.department_ids) and case.team.department_id in scope.department_ids)
    )


def can_work_case(user: Any, case: Case) -> bool:
    """Log contacts, message, change status, resolve, reopen, close, note: anyone with a role who sees it."""
    return scope_for(user).has_role(*CASE_ROLES) and can_see_case(user, case)


# The case actions share one rule today; each has its own name so a rule can change in one place.
can_contact_case = can_message_case = can_resolve_case = can_reopen_case = can_work_case
can_close_case = can_note_case = can_change_case_status = can_work_case


def can_mark_do_not_contact(user: Any, case: Case) -> bool:
    """Whoever works the case records that the customer asked not to be contacted."""
    return can_work_case(user, case)


def can_allow_contact(user: Any, case: Case) -> bool:
    """Lifting it, so that the customer can be written to again, needs the "manage customers" permission."""
    return can_work_case(user, case) and user.has_perm(MANAGE_CUSTOMERS)


def claimable_team_ids(user: Any) -> list[int]:
    """Teams whose queue the user works: their own teams (admins and managers assign instead)."""
    return sorted(scope_for(user).team_ids)


def can_claim_cases(user: Any) -> bool:
    """ "Claim next" is for people on a team."""
    return bool(claimable_team_ids(user))


def can_assign_cases(user: Any) -> bool:
    """Bulk assignment on the queue: anyone on a team (to its own people)."""
    return bool(claimable_team_ids(user))


def can_record_huddle(user: Any, huddle: Huddle) -> bool:
    """The team's own lead (or an admin) records its huddles, commitments and obstacles."""
    if scope_for(user).has_role(Role.ADMIN):
        return True
    return Membership.objects.filter(user=user, role=Role.TEAM_LEAD, team_id=huddle.team_id).exists()


def can_review_huddle(user: Any, huddle: Huddle) -> bool:
    """Managers of the team's department, the committee and admins review huddles."""
    scope = scope_for(user)
    return scope.sees_everything or huddle.team.department_id in scope.department_ids


def can_set_cadence(user: Any, team: Team) -> bool:
    """A team's lead sets when it meets."""
    return Membership.objects.filter(user=user, role=Role.TEAM_LEAD, team=team).exists()


def can_see_individual_scores(user: Any, team: Team) -> bool:
    """A person's own NPS (innerloop.rankings) is for their team lead and their department's manager
    only: not for colleagues, and not across the organisation."""
    if team.department_id in scope_for(user).department_ids:  # a manager's departments
        return True
    return Membership.objects.filter(user=user, role=Role.TEAM_LEAD, team=team).exists()


# --- Both sides of the story (innerloop.both_sides) ---


def can_record_employee_account(user: Any, case: Case) -> bool:
    """The employee's side is told by the people on the case's team (the one involved, or their lead)."""
    return case.team_id in scope_for(user).team_ids


def can_set_disposition(user: Any, case: Case) -> bool:
    """ "Customer not a fit" is a judgement on a customer that takes the case out of the evidence for
    changing a policy: the case's team lead or its department's manager makes it (and clears it),
    never the agent alone, whose own conduct may be what the customer complained of."""
    scope = scope_for(user)
    if case.team.department_id in scope.department_ids:  # managers' departments only
        return True
    if not scope.has_role(Role.TEAM_LEAD) or case.team_id not in scope.team_ids:
        return False
    return Membership.objects.filter(user=user, role=Role.TEAM_LEAD, team_id=case.team_id).exists()


can_clear_disposition = can_set_disposition
