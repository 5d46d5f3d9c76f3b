"""Claiming one chosen case from the queue (claim next, which picks the case itself, is in cases.py)."""

from django.db import transaction
from django.utils.translation import gettext as _

from cxloop.core.exceptions import StateConflict
from innerloop import events
from innerloop.models import CLAIMABLE_STATUSES, Case, CaseStatus
from innerloop.services.cases import CLOCK_FIELDS, _locked, _save, _set_status


@transaction.atomic
def case_claim(*, case: Case, user) -> Case:
    """Take this case, as "claim next" takes the most urgent one: it becomes the user's, in progress.

    Refused when someone has it already (two people claiming the same row: the second is told, not
    silently handed it) or when it is not waiting to be picked up (new or reopened).
    """
    case = _locked(case, expected_version=None)
    if case.assignee_id is not None:
        mine = case.assignee_id == user.pk
        raise StateConflict(
            _("You have this case already.") if mine else _("Someone else claimed this case first."),
            {"case": ["already assigned"]},
        )
    if case.status not in CLAIMABLE_STATUSES:
        raise StateConflict(_("Only a new or reopened case can be claimed."), {"case": ["not claimable"]})
    if not user.memberships.filter(team=case.team).exists():
        raise StateConflict(_("This case is not on your team."), {"case": ["not on your team"]})
    case.assignee = user
    events.case_event_assigned(case=case, actor=user, assignee=user.get_username(), claimed=True)
    _set_status(case, CaseStatus.IN_PROGRESS, actor=user, note="claimed")
    _save(case, "assignee", *CLOCK_FIELDS)
    return case
