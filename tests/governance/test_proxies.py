"""Proxies (#12): a seat's holder names who casts the seat's votes at one meeting, and the log says so."""

import pytest
from django.utils import timezone

from cxloop.core.exceptions import ApplicationError
from cxloop.core.models import AuditEvent
from cxloop.org.models import Role
from governance import selectors, services
from governance.models import MeetingProxy, Outcome, Vote
from tests.factories import MembershipFactory, UserFactory
from tests.outerloop.factories import InitiativeFactory

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tom_names_ana(committee):
    """Tom Reed holds Logistics & returns' seat and names Ana Silva, a committee member, for the meeting."""
    ana = UserFactory(username="ana", first_name="Ana", last_name="Silva")
    MembershipFactory(user=ana, role=Role.COMMITTEE, team=None, department=None)
    seat = committee["seats"][2]
    services.proxy_name(meeting=committee["meeting"], seat=seat, proxy=ana, actor=seat.holder)
    return {"ana": ana, "tom": seat.holder, "seat": seat}


def test_the_proxy_casts_the_seats_vote_and_the_log_says_for_whom(committee, decision, tom_names_ana):
    # given
    ana, tom, seat = tom_names_ana["ana"], tom_names_ana["tom"], tom_names_ana["seat"]
    # when
    vote = services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=ana)
    # then
    assert (vote.cast_by, vote.cast_as, vote.proxy_for) == (ana, Vote.CastAs.PROXY, tom)
    assert vote.log_entry == "Logistics & returns: approve (cast by Ana Silva as proxy for Tom Reed)"
    named = AuditEvent.objects.get(verb="meeting.proxy_named")
    assert (named.actor, named.data) == (tom, {"seat": seat.pk, "proxy": "ana", "replaced": None})
    cast = AuditEvent.objects.get(verb="decision.vote")
    assert (cast.actor, cast.data["cast_as"], cast.data["proxy_for"]) == (ana, "proxy", "tom")


def test_the_proxy_casts_only_the_seat_it_was_named_for(committee, decision, tom_names_ana):
    # when / then: Ana holds no other seat and was named for no other
    for seat in committee["seats"][:2]:
        with pytest.raises(ApplicationError, match="cast by its holder"):
            services.vote_cast(
                decision=decision, seat=seat, choice=Outcome.APPROVED, actor=tom_names_ana["ana"]
            )
    assert not decision.votes.exists()


def test_a_proxy_is_named_for_one_meeting_only(committee, people, tom_names_ana):
    # given: a decision at the next meeting, for which Tom named nobody
    later = MeetingFactory(
        committee=committee["committee"], scheduled_for=timezone.now() + timezone.timedelta(days=30)
    )
    decision = services.decision_open(
        meeting=later, initiative=InitiativeFactory(), rationale="Next month", actor=people["committee"]
    )
    # when / then
    with pytest.raises(ApplicationError, match="proxy they named for this meeting"):
        services.vote_cast(
            decision=decision, seat=tom_names_ana["seat"], choice=Outcome.APPROVED, actor=tom_names_ana["ana"]
        )


@pytest.mark.parametrize("actor", ["committee", "manager", "admin"])
def test_only_the_holder_names_a_proxy(committee, people, actor):
    # given: Tom's seat; the committee member, the manager and the admin each hold another seat or none
    seat = committee["seats"][2]
    # when / then
    with pytest.raises(ApplicationError, match="Only Logistics & returns's seat holder, Tom Reed") as refused:
        services.proxy_name(meeting=committee["meeting"], seat=seat, proxy=people[actor], actor=people[actor])
    assert refused.value.extra == {"seat": ["not yours"]}
    assert not MeetingProxy.objects.exists()


@pytest.mark.parametrize(
    ("proxy", "field", "reason"),
    [
        ("agent", "proxy", "not a committee member or manager"),
        ("inactive_member", "proxy", "not a committee member or manager"),
        ("holder", "proxy", "seat holder"),
    ],
)
def test_a_proxy_is_an_active_committee_member_or_manager_other_than_the_holder(
    committee, people, proxy, field, reason
):
    # given
    seat = committee["seats"][2]
    inactive = UserFactory(username="gone", is_active=False)
    MembershipFactory(user=inactive, role=Role.COMMITTEE, team=None, department=None)
    candidates = {**people, "inactive_member": inactive, "holder": seat.holder}
    # when / then
    with pytest.raises(ApplicationError) as refused:
        services.proxy_name(
            meeting=committee["meeting"], seat=seat, proxy=candidates[proxy], actor=seat.holder
        )
    assert refused.value.extra == {field: [reason]}
    assert not MeetingProxy.objects.exists()


def test_a_manager_may_be_named_and_naming_again_replaces_the_proxy(
    committee, decision, people, tom_names_ana
):
    # given
    seat, tom = tom_names_ana["seat"], tom_names_ana["tom"]
    # when: Tom names the manager instead of Ana
    services.proxy_name(meeting=committee["meeting"], seat=seat, proxy=people["manager"], actor=tom)
    # then: the manager casts Tom's vote; Ana no longer can
    with pytest.raises(ApplicationError, match="cast by its holder"):
        services.vote_cast(decision=decision, seat=seat, choice=Outcome.REJECTED, actor=tom_names_ana["ana"])
    vote = services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=people["manager"])
    assert vote.proxy_for == tom
    assert AuditEvent.objects.filter(verb="meeting.proxy_named").latest("pk").data["replaced"] == "ana"


def test_no_proxy_for_a_meeting_already_held(committee, people, tom_names_ana):
    # given
    services.meeting_hold(meeting=committee["meeting"], actor=people["committee"])
    # when / then
    with pytest.raises(ApplicationError, match="over") as refused:
        services.proxy_name(
            meeting=committee["meeting"], seat=tom_names_ana["seat"], proxy=people["committee"],
            actor=tom_names_ana["tom"],
        )  # fmt: skip
    assert refused.value.extra == {"meeting": ["held"]}


def test_withdrawn_proxy_cannot_vote_again_and_its_vote_stands(committee, decision, people, tom_names_ana):
    # given: Ana votes on one decision, then Tom withdraws her
    seat, ana, tom = tom_names_ana["seat"], tom_names_ana["ana"], tom_names_ana["tom"]
    services.vote_cast(decision=decision, seat=seat, choice=Outcome.DEFERRED, actor=ana)
    other = services.decision_open(
        meeting=committee["meeting"],
        initiative=InitiativeFactory(),
        rationale="Also",
        actor=people["committee"],
    )
    with pytest.raises(ApplicationError, match="seat holder, Tom Reed, withdraws"):
        services.proxy_withdraw(meeting=committee["meeting"], seat=seat, actor=ana)
    # when
    services.proxy_withdraw(meeting=committee["meeting"], seat=seat, actor=tom)
    # then
    with pytest.raises(ApplicationError, match="cast by its holder"):
        services.vote_cast(decision=other, seat=seat, choice=Outcome.APPROVED, actor=ana)
    assert decision.votes.get().cast_by == ana
    assert AuditEvent.objects.get(verb="meeting.proxy_withdrawn").data == {"seat": seat.pk, "proxy": "ana"}
    with pytest.raises(ApplicationError, match="No proxy"):
        services.proxy_withdraw(meeting=committee["meeting"], seat=seat, actor=tom)


def test_the_holder_still_votes_and_the_proxy_then_finds_it_cast(committee, decision, tom_names_ana):
    # given
    seat, ana, tom = tom_names_ana["seat"], tom_names_ana["ana"], tom_names_ana["tom"]
    # when
    services.vote_cast(decision=decision, seat=seat, choice=Outcome.REJECTED, actor=tom)
    # then
    with pytest.raises(ApplicationError, match="already voted"):
        services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=ana)
    assert decision.votes.get().cast_as == Vote.CastAs.HOLDER


def test_a_proxy_lapses_when_the_seat_changes_hands(committee, decision, people, tom_names_ana):
    # given: the admin gives Tom's seat to someone else
    seat = tom_names_ana["seat"]
    services.committee_seat_assign(
        committee=committee["committee"],
        department=seat.department,
        holder=UserFactory(),
        actor=people["admin"],
    )
    # when / then: the proxy Tom named no longer casts the seat's vote, nor is it listed
    with pytest.raises(ApplicationError, match="cast by its holder"):
        services.vote_cast(decision=decision, seat=seat, choice=Outcome.APPROVED, actor=tom_names_ana["ana"])
    assert list(selectors.meeting_proxies(meeting=committee["meeting"])) == []
