"""Decisions with quorum and one vote per seat, the automatic agenda, action items."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError
from cxloop.core.models import AuditEvent
from governance import selectors, services
from governance.models import Decision, Outcome, Vote
from outerloop.models import Stage
from outerloop.services.impact import impact_review_compute
from tests.outerloop.factories import InitiativeFactory, SignalFactory

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_quorum_of_two_approves_and_moves_the_initiative(committee, decision, people):
    # given
    first, second, _ = committee["seats"]
    # when
    services.vote_cast(decision=decision, seat=first, choice=Outcome.APPROVED, actor=first.holder)
    decision.refresh_from_db()
    open_after_one = decision.status
    services.vote_cast(decision=decision, seat=second, choice=Outcome.APPROVED, actor=second.holder)
    # then
    decision.refresh_from_db()
    decision.initiative.refresh_from_db()
    assert open_after_one == Decision.Status.OPEN
    assert (decision.status, decision.outcome) == (Decision.Status.DECIDED, Outcome.APPROVED)
    assert decision.initiative.stage == Stage.APPROVED
    event = decision.initiative.events.get(kind="decided")
    assert event.data["rationale"] == "Biggest driver of detractors"
    assert event.data["votes"] == {"dept-a": "approved", "dept-b": "approved"}


def test_one_vote_per_seat(committee, decision, people):
    # given
    seat = committee["seats"][0]
    services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=people["manager"])
    # when / then
    with pytest.raises(ApplicationError, match="already voted"):
        services.vote_cast(decision=decision, seat=seat, choice=Outcome.REJECTED, actor=people["manager"])
    assert decision.votes.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_count_once_per_seat_and_approve_once(committee, decision, people):
    # given: eight requests at once, four from each of two seats' holders, each on its own connection
    import threading

    from django.db import connections

    first, second, _ = committee["seats"]
    start = threading.Barrier(8)
    outcomes = []

    def approve(seat):
        start.wait()
        try:
            services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=seat.holder)
            outcomes.append("recorded")
        except ApplicationError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(seat,)) for seat in (first, second) * 4]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: one vote per seat, the rest refused; one decision, one move to approved
    decision.refresh_from_db()
    assert outcomes.count("recorded") == 2
    assert decision.votes.count() == 2
    assert (decision.status, decision.outcome) == (Decision.Status.DECIDED, Outcome.APPROVED)
    assert decision.initiative.events.filter(kind="decided").count() == 1
    assert decision.initiative.stage == Stage.APPROVED


def test_split_votes_leave_it_open_and_configured_quorum_applies(committee, decision, people):
    # given
    committee["committee"].quorum = 3
    committee["committee"].save()
    a, b, c = committee["seats"]
    # when
    services.vote_cast(decision=decision, seat=a, choice=Outcome.APPROVED, actor=a.holder)
    services.vote_cast(decision=decision, seat=b, choice=Outcome.APPROVED, actor=b.holder)
    decision.refresh_from_db()
    # then
    assert decision.status == Decision.Status.OPEN
    services.vote_cast(decision=decision, seat=c, choice=Outcome.DEFERRED, actor=c.holder)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.OPEN
    assert decision.initiative.stage == Stage.PROPOSED


@pytest.mark.parametrize("voter", ["agent", "committee", "admin"])
def test_only_the_holder_casts_a_seats_vote_without_a_proxy(committee, decision, people, voter):
    # given: department A's seat, held by the manager; the committee member holds another seat
    seat = committee["seats"][0]
    # when / then: neither an agent nor another committee member nor an admin casts it
    with pytest.raises(ApplicationError, match="cast by its holder") as refused:
        services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=people[voter])
    assert refused.value.extra == {"seat": ["not yours"]}
    assert not decision.votes.exists()


def test_the_holders_vote_is_logged_as_cast_by_them(committee, decision, people):
    # given
    seat = committee["seats"][0]
    # when
    vote = services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=people["manager"])
    # then
    assert (vote.cast_by, vote.cast_as, vote.proxy_for) == (people["manager"], Vote.CastAs.HOLDER, None)
    assert vote.log_entry == f"Department A: approve (cast by {people['manager'].get_full_name()})"
    audit = AuditEvent.objects.get(verb="decision.vote")
    assert (audit.actor, audit.data["cast_as"], audit.data["proxy_for"]) == (
        people["manager"],
        "holder",
        None,
    )


def test_one_open_decision_per_initiative_and_only_for_proposed(committee, decision, people):
    with pytest.raises(ApplicationError, match="already open"):
        services.decision_open(
            meeting=committee["meeting"],
            initiative=decision.initiative,
            rationale="x",
            actor=people["committee"],
        )
    approved = InitiativeFactory(stage=Stage.APPROVED)
    with pytest.raises(ApplicationError, match="proposed"):
        services.decision_open(
            meeting=committee["meeting"], initiative=approved, rationale="x", actor=people["committee"]
        )


def test_agenda_lists_awaiting_stalled_strong_signals_and_impact_reviews(committee, people):
    # given
    now = timezone.now()
    proposed = InitiativeFactory(title="Awaiting")
    stalled = InitiativeFactory(
        title="Stalled", stage=Stage.DESIGN, stage_changed_at=now - timedelta(days=90)
    )
    InitiativeFactory(title="Moving", stage=Stage.DESIGN, stage_changed_at=now - timedelta(days=5))
    strong = SignalFactory(p_value=1e-9)
    SignalFactory(p_value=0.01)
    rolled = InitiativeFactory(stage=Stage.ROLLED_OUT, rolled_out_at=now - timedelta(weeks=8))
    review = impact_review_compute(initiative=rolled)
    # when
    agenda = selectors.meeting_agenda(meeting=committee["meeting"])
    # then
    assert agenda["awaiting_decision"] == [proposed]
    assert agenda["stalled"] == [stalled]
    assert agenda["strong_signals"] == [strong]
    assert agenda["impact_reviews"] == [review]


def test_holding_a_meeting_takes_impact_reviews_off_the_next_agenda(committee, people):
    # given
    rolled = InitiativeFactory(stage=Stage.ROLLED_OUT, rolled_out_at=timezone.now() - timedelta(weeks=8))
    impact_review_compute(initiative=rolled)
    # when
    held = services.meeting_hold(meeting=committee["meeting"], actor=people["committee"])
    later = MeetingFactory(committee=committee["committee"])
    # then
    assert held.agenda_snapshot["impact_reviews"]
    assert selectors.meeting_agenda(meeting=later)["impact_reviews"] == []


@pytest.mark.parametrize(
    ("months_ago", "reminded", "overdue"),
    [(None, True, True), (6, False, False), (17, False, False), (19, True, False), (25, True, True)],
)
def test_system_review_reminder_from_18_months_due_by_24(people, months_ago, reminded, overdue):
    # given
    today = date(2026, 11, 25)
    if months_ago is not None:
        services.system_review_record(
            held_on=today - timedelta(days=int(months_ago * 30.5)), summary="Reviewed", actor=people["admin"]
        )
    # when
    reminder = selectors.system_review_reminder(today=today)
    # then
    assert (reminder is not None) is reminded
    assert bool(reminder and reminder.overdue) is overdue


def test_action_items_and_accountability(committee, people, org):
    # given
    today = timezone.localdate()
    late = InitiativeFactory(departments=[org["dept_a"]], stage=Stage.DESIGN)
    InitiativeFactory(departments=[org["dept_a"]], stage=Stage.DESIGN)
    late.milestones.create(title="Pilot", due_on=today - timedelta(days=3))
    item = services.action_item_create(
        meeting=committee["meeting"], title="Courier contract review", owner=people["manager"],
        due_on=today - timedelta(days=1), department=org["dept_a"], actor=people["committee"],
    )  # fmt: skip
    # when
    rows = selectors.accountability(departments=[org["dept_a"]], today=today)
    # then
    assert (rows[0]["on_time"], rows[0]["overdue"]) == (1, 1)
    assert (rows[0]["actions_open"], rows[0]["actions_overdue"]) == (1, 1)
    services.action_item_complete(item=item, actor=people["manager"])
    assert selectors.accountability(departments=[org["dept_a"]], today=today)[0]["actions_open"] == 0
