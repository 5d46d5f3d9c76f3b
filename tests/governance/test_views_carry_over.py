"""The meeting page: holding asks for confirmation, an open vote follows to the next meeting, withdrawal."""

import pytest

from governance import services
from governance.models import Decision, Meeting
from tests.outerloop.factories import InitiativeFactory

from .factories import CommitteeFactory, CommitteeSeatFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting_with_a_vote_open(people, org):
    committee = CommitteeFactory()
    seat_a = CommitteeSeatFactory(committee=committee, department=org["dept_a"], holder=people["manager"])
    CommitteeSeatFactory(committee=committee, department=org["dept_b"], holder=people["committee"])
    meeting = MeetingFactory(committee=committee)
    decision = services.decision_open(
        meeting=meeting, initiative=InitiativeFactory(title="Courier slots", owner=people["manager"]),
        rationale="Go", actor=people["committee"],
    )  # fmt: skip
    services.vote_cast(decision=decision, seat=seat_a, choice="approved", actor=people["manager"])
    return {"committee": committee, "meeting": meeting, "decision": decision}


def test_holding_needs_the_box_ticked(client, people, meeting_with_a_vote_open):
    # given
    meeting = meeting_with_a_vote_open["meeting"]
    client.force_login(people["committee"])
    # when
    unconfirmed = client.post(f"/committee/meetings/{meeting.pk}/hold/", {"notes": "Done"})
    meeting.refresh_from_db()
    still_upcoming = meeting.held_at is None
    confirmed = client.post(f"/committee/meetings/{meeting.pk}/hold/", {"notes": "Done", "confirm": "on"})
    # then
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the meeting is over." in unconfirmed.content.decode()
    assert still_upcoming
    assert confirmed.status_code == 302
    meeting.refresh_from_db()
    assert meeting.held_at is not None


def test_the_open_vote_is_on_the_next_meeting_with_its_votes_and_is_decided_there(
    client, people, meeting_with_a_vote_open
):
    # given: the meeting is held with the vote open; the next one is scheduled afterwards
    meeting, decision = meeting_with_a_vote_open["meeting"], meeting_with_a_vote_open["decision"]
    client.force_login(people["committee"])
    client.post(f"/committee/meetings/{meeting.pk}/hold/", {"confirm": "on"})
    held_page = client.get(f"/committee/meetings/{meeting.pk}/").content.decode()
    client.post("/committee/schedule/", {"scheduled_for": "2031-02-10T10:00"})
    following = Meeting.objects.exclude(pk=meeting.pk).get()
    # when: the next meeting's page, and the second seat's vote there
    page = client.get(f"/committee/meetings/{following.pk}/").content.decode()
    voted = client.post(
        f"/committee/meetings/{following.pk}/vote/",
        {"decision": decision.pk, "seat": decision.meeting.committee.seats.get(holder=people["committee"]).pk,
         "choice": "approved"},
    )  # fmt: skip
    # then
    assert "Still open: it goes on the next meeting" in held_page
    assert "Carried over from the meeting of" in page
    assert "Department A: approve (cast by" in page  # the vote so far
    assert "Record vote" in page
    assert voted.status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.outcome, decision.meeting) == ("decided", "approved", following)


def test_the_committee_withdraws_a_decision_from_the_page(client, people, meeting_with_a_vote_open):
    # given
    meeting, decision = meeting_with_a_vote_open["meeting"], meeting_with_a_vote_open["decision"]
    client.force_login(people["committee"])
    url = f"/committee/meetings/{meeting.pk}/withdraw/"
    # when
    unconfirmed = client.post(url, {"decision": decision.pk, "reason": "Out of date"})
    withdrawn = client.post(url, {"decision": decision.pk, "reason": "Out of date", "confirm": "on"})
    page = client.get(f"/committee/meetings/{meeting.pk}/").content.decode()
    # then
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the withdrawal." in unconfirmed.content.decode()
    assert withdrawn.status_code == 302
    decision.refresh_from_db()
    assert decision.status == Decision.Status.WITHDRAWN
    assert "Courier slots: Withdrawn" in page
    assert "Out of date" in page


def test_a_manager_cannot_withdraw(client, people, meeting_with_a_vote_open):
    meeting, decision = meeting_with_a_vote_open["meeting"], meeting_with_a_vote_open["decision"]
    client.force_login(people["manager"])
    answer = client.post(
        f"/committee/meetings/{meeting.pk}/withdraw/",
        {"decision": decision.pk, "reason": "x", "confirm": "on"},
    )
    assert answer.status_code == 403
    decision.refresh_from_db()
    assert decision.status == Decision.Status.OPEN
