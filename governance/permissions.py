"""Who may do what in governance: one predicate per question, for views, APIs, services and pages."""

from typing import Any

from cxloop.org.models import Role
from cxloop.org.scoping import scope_for
from outerloop.models import Initiative

from .models import CommitteeSeat, Decision, Meeting

# Roles that open the committee pages and the decisions API (admins pass every role check).
COMMITTEE_PAGES = (Role.COMMITTEE, Role.MANAGER)


def can_chair(user: Any) -> bool:
    """Run a meeting (schedule it, open decisions, add actions, hold it): the committee and admins."""
    return scope_for(user).has_role(Role.COMMITTEE, Role.ADMIN)


def can_decide(user: Any, initiative: Initiative | None = None) -> bool:
    """Put an initiative to the committee's vote: whoever chairs."""
    return can_chair(user)


def can_cast_seat_vote(user: Any, meeting: Meeting, seat: CommitteeSeat) -> bool:
    """A seat's vote at `meeting` is cast by its holder or by the proxy the holder named for it."""
    from .selectors import seats_voted_by

    return seats_voted_by(meeting=meeting, user=user).filter(pk=seat.pk).exists()


def can_vote(user: Any, decision: Decision) -> bool:
    """Vote on an open decision: anyone who casts some seat's vote at its meeting."""
    from .selectors import seats_voted_by

    return (
        decision.status == Decision.Status.OPEN
        and seats_voted_by(meeting=decision.meeting, user=user).exists()
    )


def can_vote_at(user: Any, meeting: Meeting) -> bool:
    """Whether `user` casts any seat's vote at `meeting` (the page's ballot)."""
    from .selectors import seats_voted_by

    return seats_voted_by(meeting=meeting, user=user).exists()


def can_name_proxy(user: Any, seat: CommitteeSeat) -> bool:
    """Name or withdraw a seat's proxy: the seat's holder only (not the committee, not an admin)."""
    return seat.holder_id == user.pk
