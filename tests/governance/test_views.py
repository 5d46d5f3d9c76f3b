"""Committee pages: scheduling, the meeting with its agenda and votes, accountability."""

import pytest

from governance.models import Decision, Meeting
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


def test_schedule_open_decision_and_vote_to_quorum(client, people, committee):
    # given
    initiative = InitiativeFactory(title="Courier slots", owner=people["manager"])
    client.force_login(people["committee"])
    # when
    scheduled = client.post("/committee/schedule/", {"scheduled_for": "2030-01-10T10:00"})
    meeting = Meeting.objects.get()
    agenda = client.get(f"/committee/meetings/{meeting.pk}/").content.decode()
    client.post(f"/committee/meetings/{meeting.pk}/decide/", {"initiative": initiative.pk, "rationale": "Go"})
    decision = Decision.objects.get()
    for seat in (committee["seat_a"], committee["seat_b"]):
        client.post(
            f"/committee/meetings/{meeting.pk}/vote/",
            {"decision": decision.pk, "seat": seat.pk, "choice": "approved"},
        )
    # then
    decision.refresh_from_db()
    initiative.refresh_from_db()
    assert scheduled.status_code == 302
    assert "Courier slots" in agenda
    assert decision.outcome == "approved"
    assert initiative.stage == Stage.APPROVED


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
    assert own_seat.status_code == 302
    assert chair.status_code == 403
    assert list(decision.votes.values_list("seat", flat=True)) == [committee["seat_a"].pk]


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
