"""Committee pages: scheduling, the meeting with its agenda and votes, accountability."""

import pytest

from governance.models import Decision, Meeting, MeetingProxy
from outerloop.models import Stage
from tests.outerloop.factories import InitiativeFactory

from .factories import CommitteeFactory, CommitteeSeatFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(people, org):
    committee = CommitteeFactory()
    return {
        "committee": committee,
        "seat_a": CommitteeSeatFactory(
            committee=committee, department=org["dept_a"], holder=people["manager"]
        ),
        "seat_b": CommitteeSeatFactory(
            committee=committee, department=org["dept_b"], holder=people["committee"]
        ),
    }


def test_schedule_open_decision_name_a_proxy_and_vote_to_quorum(client, people, committee):
    # given: the committee member schedules a meeting and puts an initiative to the vote
    initiative = InitiativeFactory(title="Courier slots", owner=people["manager"])
    client.force_login(people["committee"])
    scheduled = client.post("/committee/schedule/", {"scheduled_for": "2030-01-10T10:00"})
    meeting = Meeting.objects.get()
    agenda = client.get(f"/committee/meetings/{meeting.pk}/").content.decode()
    client.post(f"/committee/meetings/{meeting.pk}/decide/", {"initiative": initiative.pk, "rationale": "Go"})
    decision = Decision.objects.get()
    # and the manager, who holds department A's seat, names them proxy for this meeting
    client.force_login(people["manager"])
    named = client.post(
        f"/committee/meetings/{meeting.pk}/proxy/",
        {"seat": committee["seat_a"].pk, "proxy": people["committee"].pk},
    )
    # when: the committee member casts both seats' votes
    client.force_login(people["committee"])
    ballot = client.get(f"/committee/meetings/{meeting.pk}/").content.decode()
    for seat in (committee["seat_a"], committee["seat_b"]):
        client.post(
            f"/committee/meetings/{meeting.pk}/vote/",
            {"decision": decision.pk, "seat": seat.pk, "choice": "approved"},
        )
    # then
    decision.refresh_from_db()
    initiative.refresh_from_db()
    log = client.get(f"/committee/meetings/{meeting.pk}/").content.decode()
    member, manager = people["committee"].get_full_name(), people["manager"].get_full_name()
    assert (scheduled.status_code, named.status_code) == (302, 302)
    assert "Courier slots" in agenda
    assert f"Department A (as proxy for {manager})" in ballot
    assert "Department B (your seat)" in ballot
    assert decision.outcome == "approved"
    assert initiative.stage == Stage.APPROVED
    assert f"Department A: approve (cast by {member} as proxy for {manager})" in log
    assert f"Department B: approve (cast by {member})" in log


def test_a_manager_votes_only_for_their_seat_and_cannot_chair(client, people, committee):
    # given
    initiative = InitiativeFactory(owner=people["manager"])
    meeting = committee["committee"].meetings.create(scheduled_for="2030-01-10T10:00Z")
    decision = Decision.objects.create(meeting=meeting, initiative=initiative, rationale="x")
    client.force_login(people["manager"])
    # when
    other_seat = client.post(
        f"/committee/meetings/{meeting.pk}/vote/",
        {"decision": decision.pk, "seat": committee["seat_b"].pk, "choice": "rejected"},
    )
    own_seat = client.post(
        f"/committee/meetings/{meeting.pk}/vote/",
        {"decision": decision.pk, "seat": committee["seat_a"].pk, "choice": "approved"},
    )
    chair = client.post(f"/committee/meetings/{meeting.pk}/hold/", {"notes": ""})
    # then
    assert other_seat.status_code == 400
    assert "vote is cast by its holder" in other_seat.content.decode()
    assert own_seat.status_code == 302
    assert chair.status_code == 403
    assert list(decision.votes.values_list("seat", flat=True)) == [committee["seat_a"].pk]


@pytest.mark.parametrize("who", ["committee", "admin"])
def test_no_one_but_the_holder_names_or_withdraws_a_seats_proxy(client, people, committee, who):
    # given: the manager holds department A's seat and named nobody
    meeting = committee["committee"].meetings.create(scheduled_for="2030-01-10T10:00Z")
    client.force_login(people[who])
    # when
    named = client.post(
        f"/committee/meetings/{meeting.pk}/proxy/", {"seat": committee["seat_a"].pk, "proxy": people[who].pk}
    )
    withdrawn = client.post(
        f"/committee/meetings/{meeting.pk}/withdraw-proxy/", {"seat": committee["seat_a"].pk}
    )
    # then: each is refused with the reason on the page, and nothing is recorded
    assert (named.status_code, withdrawn.status_code) == (400, 400)
    assert f"seat holder, {people['manager'].get_full_name()}, names its proxy" in named.content.decode()
    assert "withdraws its proxy" in withdrawn.content.decode()
    assert not MeetingProxy.objects.exists()


def test_the_holder_sees_and_withdraws_the_proxy_on_the_page(client, people, committee):
    # given
    meeting = committee["committee"].meetings.create(scheduled_for="2030-01-10T10:00Z")
    client.force_login(people["manager"])
    client.post(
        f"/committee/meetings/{meeting.pk}/proxy/",
        {"seat": committee["seat_a"].pk, "proxy": people["committee"].pk},
    )
    listed = client.get(f"/committee/meetings/{meeting.pk}/").content.decode()
    # when
    withdrawn = client.post(
        f"/committee/meetings/{meeting.pk}/withdraw-proxy/", {"seat": committee["seat_a"].pk}
    )
    # then
    member, manager = people["committee"].get_full_name(), people["manager"].get_full_name()
    assert f"Department A: {member} votes for {manager}" in listed
    assert "Withdraw Department A's proxy" in listed
    assert withdrawn.status_code == 302
    assert not MeetingProxy.objects.exists()


def test_agents_are_refused_and_accountability_is_scoped(client, people, committee, org):
    # given
    InitiativeFactory(title="Dept A work", departments=[org["dept_a"]])
    InitiativeFactory(title="Dept B work", departments=[org["dept_b"]])
    # then
    client.force_login(people["agent"])
    assert client.get("/committee/").status_code == 403
    assert client.get("/committee/accountability/").status_code == 403
    client.force_login(people["manager"])
    page = client.get("/committee/accountability/").content.decode()
    assert "Dept A work" in page
    assert "Dept B work" not in page
