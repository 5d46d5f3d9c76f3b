"""The signals, initiatives and decisions API: scoped, with the promote, dismiss and decide actions."""

import pytest
from rest_framework.test import APIClient

from governance.models import Decision
from outerloop.models import SignalStatus, Stage
from tests.governance.factories import CommitteeFactory, CommitteeSeatFactory, MeetingFactory

from .factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def signals(org):
    return {
        "a": SignalFactory(department_ids=[org["dept_a"].pk]),
        "b": SignalFactory(department_ids=[org["dept_b"].pk]),
    }


def test_signal_list_is_scoped_and_agents_get_403(people, signals):
    manager = _client(people["manager"]).get("/api/v1/signals/").json()
    committee = _client(people["committee"]).get("/api/v1/signals/").json()
    assert [row["id"] for row in manager["results"]] == [signals["a"].pk]
    assert {row["id"] for row in committee["results"]} == {signals["a"].pk, signals["b"].pk}
    assert _client(people["agent"]).get("/api/v1/signals/").status_code == 403
    assert _client(people["agent"]).get("/api/v1/initiatives/").status_code == 403
    assert _client(people["agent"]).get("/api/v1/decisions/").status_code == 403
    assert _client(people["manager"]).get(f"/api/v1/signals/{signals['b'].pk}/").status_code == 404


def test_dismiss_and_promote(people, signals, org):
    # given
    api = _client(people["committee"])
    # when
    dismissed = api.post(
        f"/api/v1/signals/{signals['b'].pk}/dismiss/", {"reason": "Known outage"}, format="json"
    )
    promoted = api.post(
        f"/api/v1/signals/{signals['a'].pk}/promote/",
        {
            "title": "Fix slots",
            "problem": "Couriers",
            "owner": people["manager"].username,
            "departments": ["dept-a"],
        },
        format="json",
    )
    again = api.post(f"/api/v1/signals/{signals['b'].pk}/dismiss/", {"reason": "again"}, format="json")
    # then
    assert dismissed.json()["status"] == SignalStatus.DISMISSED
    assert promoted.status_code == 201
    assert promoted.json()["stage"] == Stage.PROPOSED
    assert promoted.json()["departments"] == ["dept-a"]
    assert again.status_code == 409
    assert again.json()["status"] == ["invalid transition"]


def test_initiatives_scoped_and_transition_needs_decision(people, org):
    # given
    mine = InitiativeFactory(owner=people["manager"], departments=[org["dept_a"]])
    theirs = InitiativeFactory(departments=[org["dept_b"]])
    api = _client(people["manager"])
    # when
    listed = api.get("/api/v1/initiatives/").json()
    refused = api.post(f"/api/v1/initiatives/{mine.pk}/transition/", {"stage": "approved"}, format="json")
    # then
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert api.get(f"/api/v1/initiatives/{theirs.pk}/").status_code == 404
    assert (refused.status_code, refused.json()["stage"]) == (409, ["needs a decision"])


def test_decide_through_the_api(people, org):
    # given
    committee = CommitteeFactory()
    seat_a = CommitteeSeatFactory(committee=committee, department=org["dept_a"], holder=people["manager"])
    seat_b = CommitteeSeatFactory(committee=committee, department=org["dept_b"], holder=people["committee"])
    meeting = MeetingFactory(committee=committee)
    initiative = InitiativeFactory(owner=people["manager"], departments=[org["dept_a"]])
    api = _client(people["committee"])
    # when
    opened = api.post(
        "/api/v1/decisions/open/",
        {"meeting": meeting.pk, "initiative": initiative.pk, "rationale": "Top driver"},
        format="json",
    ).json()
    manager_vote = _client(people["manager"]).post(
        f"/api/v1/decisions/{opened['id']}/vote/", {"seat": seat_a.pk, "choice": "approved"}, format="json"
    )
    refused = _client(people["manager"]).post(
        f"/api/v1/decisions/{opened['id']}/vote/", {"seat": seat_b.pk, "choice": "rejected"}, format="json"
    )
    decided = api.post(f"/api/v1/decisions/{opened['id']}/vote/", {"seat": seat_b.pk, "choice": "approved"},
                       format="json").json()  # fmt: skip
    # then
    initiative.refresh_from_db()
    assert manager_vote.status_code == 200
    assert (refused.status_code, refused.json()["seat"]) == (403, ["not yours"])
    assert (decided["status"], decided["outcome"]) == (Decision.Status.DECIDED, "approved")
    assert len(decided["votes"]) == 2
    assert initiative.stage == Stage.APPROVED
    assert _client(people["manager"]).get(f"/api/v1/decisions/{opened['id']}/").status_code == 200
