"""An open decision carries across meetings with its votes, and can be withdrawn: no dead end."""

from datetime import timedelta

import pytest

from cxloop.core.exceptions import ApplicationError, NotPermitted, StateConflict
from cxloop.core.models import AuditEvent
from governance import services
from governance.models import Decision, Outcome
from outerloop.models import Stage

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_holding_a_meeting_carries_an_open_decision_to_the_next_with_its_votes(committee, decision, people):
    # given: one seat has voted; the next meeting is scheduled
    first, second, _ = committee["seats"]
    services.vote_cast(decision=decision, seat=first, choice=Outcome.APPROVED, actor=first.holder)
    held = committee["meeting"]
    following = MeetingFactory(
        committee=committee["committee"], scheduled_for=held.scheduled_for + timedelta(days=30)
    )
    # when: the meeting is held with the vote open, and the next seat votes at the next meeting
    services.meeting_hold(meeting=held, actor=people["committee"])
    decision.refresh_from_db()
    carried = (decision.status, decision.meeting, decision.carried_from, decision.votes.count())
    services.vote_cast(decision=decision, seat=second, choice=Outcome.APPROVED, actor=second.holder)
    # then: it moved, votes and all, and is decided there
    assert carried == (Decision.Status.OPEN, following, held, 1)
    held.refresh_from_db()
    assert held.agenda_snapshot["carried_over"] == [
        {"id": decision.pk, "title": decision.initiative.title, "to": following.pk}
    ]
    decision.refresh_from_db()
    decision.initiative.refresh_from_db()
    assert (decision.status, decision.outcome) == (Decision.Status.DECIDED, Outcome.APPROVED)
    assert decision.initiative.stage == Stage.APPROVED
    moved = AuditEvent.objects.get(verb="decision.carried_over")
    assert moved.data == {"from_meeting": held.pk, "to_meeting": following.pk, "votes": 1}


def test_with_no_next_meeting_the_decision_waits_and_joins_the_next_one_scheduled(
    committee, decision, people
):
    # given: held with no meeting after it
    services.meeting_hold(meeting=committee["meeting"], actor=people["committee"])
    seat = committee["seats"][0]
    # when: a vote arrives meanwhile, then the next meeting is scheduled
    with pytest.raises(StateConflict, match="next meeting"):
        services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=seat.holder)
    next_meeting = services.meeting_schedule(
        committee=committee["committee"],
        scheduled_for=committee["meeting"].scheduled_for + timedelta(days=30),
        actor=people["committee"],
    )  # fmt: skip
    # then: the decision is on it, and takes votes there
    decision.refresh_from_db()
    assert (decision.meeting, decision.carried_from) == (next_meeting, committee["meeting"])
    services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=seat.holder)
    assert decision.votes.count() == 1


def test_opening_a_second_decision_says_where_the_open_one_is(committee, decision, people):
    with pytest.raises(StateConflict, match=r"already open, at the meeting of .*withdraw it"):
        services.decision_open(
            meeting=committee["meeting"], initiative=decision.initiative, rationale="Again",
            actor=people["committee"],
        )  # fmt: skip


def test_withdrawing_an_open_decision_lets_the_initiative_be_put_to_the_vote_again(
    committee, decision, people
):
    # given: one vote cast
    seat = committee["seats"][0]
    services.vote_cast(decision=decision, seat=seat, choice=Outcome.REJECTED, actor=seat.holder)
    # when
    services.decision_withdraw(decision=decision, actor=people["committee"], reason="Evidence is out of date")
    again = services.decision_open(
        meeting=committee["meeting"], initiative=decision.initiative, rationale="With new evidence",
        actor=people["committee"],
    )  # fmt: skip
    # then
    decision.refresh_from_db()
    assert decision.status == Decision.Status.WITHDRAWN
    assert (decision.withdrawn_by, decision.withdrawn_reason) == (
        people["committee"],
        "Evidence is out of date",
    )
    assert decision.votes.count() == 1  # the votes stay on record
    assert decision.outcome_label == "Withdrawn"
    decision.initiative.refresh_from_db()
    assert decision.initiative.stage == Stage.PROPOSED
    assert again.status == Decision.Status.OPEN
    event = AuditEvent.objects.get(verb="decision.withdrawn")
    assert event.actor == people["committee"]
    assert "Evidence" not in str(event.data)  # the words are on the decision, not in the audit log
    with pytest.raises(StateConflict, match="withdrawn"):
        services.vote_cast(decision=decision, seat=committee["seats"][1], choice=Outcome.APPROVED,
                           actor=committee["seats"][1].holder)  # fmt: skip


@pytest.mark.parametrize(
    ("who", "reason", "error"),
    [("manager", "Not ours", NotPermitted), ("committee", "   ", ApplicationError)],
)
def test_withdrawing_needs_the_committee_and_a_reason(committee, decision, people, who, reason, error):
    with pytest.raises(error):
        services.decision_withdraw(decision=decision, actor=people[who], reason=reason)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.OPEN


def test_a_decided_decision_cannot_be_withdrawn(committee, decision, people):
    first, second, _ = committee["seats"]
    services.vote_cast(decision=decision, seat=first, choice=Outcome.DEFERRED, actor=first.holder)
    services.vote_cast(decision=decision, seat=second, choice=Outcome.DEFERRED, actor=second.holder)
    with pytest.raises(StateConflict, match="decided"):
        services.decision_withdraw(decision=decision, actor=people["committee"], reason="Too late")
    decision.refresh_from_db()
    assert decision.outcome_label == "Deferred"
