import pytest
from rest_framework.test import APIClient

from tests.factories import CategoryFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people):
    client = APIClient()
    client.force_authenticate(people["agent"])
    return client


def test_list_is_scoped_and_filterable(api, org):
    mine = CaseFactory(team=org["team_a1"], priority="high")
    CaseFactory(team=org["team_a1"], priority="low")
    theirs = CaseFactory(team=org["team_b1"])
    by_priority = api.get("/api/v1/cases/", {"priority": "high"}).json()
    by_feedback = api.get("/api/v1/cases/", {"feedback": mine.feedback_id}).json()
    other = api.get("/api/v1/cases/", {"feedback": theirs.feedback_id}).json()
    assert [row["id"] for row in by_priority["results"]] == [mine.pk]
    assert [row["id"] for row in by_feedback["results"]] == [mine.pk]
    assert other["results"] == []
    assert api.get(f"/api/v1/cases/{theirs.pk}/").status_code == 404


def test_bad_filter_is_a_400_naming_it(api):
    response = api.get("/api/v1/cases/", {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.parametrize("value", ["bogus", "yes"])
def test_overdue_is_true_or_false_and_nothing_else(api, org, value):
    from datetime import timedelta

    from django.utils import timezone

    late = CaseFactory(team=org["team_a1"], due_at=timezone.now() - timedelta(hours=1))
    CaseFactory(team=org["team_a1"], due_at=timezone.now() + timedelta(hours=1))
    assert [row["id"] for row in api.get("/api/v1/cases/", {"overdue": "true"}).json()["results"]] == [
        late.pk
    ]
    assert len(api.get("/api/v1/cases/", {"overdue": "false"}).json()["results"]) == 1
    refused = api.get("/api/v1/cases/", {"overdue": value})
    assert refused.status_code == 400
    assert refused.json() == {"overdue": ["Choose true or false."]}


def test_claim_contact_resolve_reopen(api, org):
    case = CaseFactory(team=org["team_a1"])
    CategoryFactory(slug="late")
    claimed = api.post("/api/v1/cases/claim-next/").json()
    contacted = api.post(
        f"/api/v1/cases/{case.pk}/log-contact/",
        {"channel": "phone", "outcome": "reached", "version": claimed["version"]},
    ).json()
    resolved = api.post(
        f"/api/v1/cases/{case.pk}/resolve/",
        {"root_cause": "late", "resolution_note": "Refunded"},
        format="json",
    ).json()
    reopened = api.post(f"/api/v1/cases/{case.pk}/reopen/", {"reason": "Customer called again"}).json()
    assert claimed["id"] == case.pk
    assert contacted["first_contacted_at"] is not None
    assert resolved["status"] == "resolved"
    assert reopened["status"] == "reopened"
    assert reopened["assignee"] == "agent-a1"  # a reopened case goes back to whoever had it
    assert api.post("/api/v1/cases/claim-next/").status_code == 204


def test_a_stale_version_is_a_409_and_bad_input_a_400(api, org):
    case = CaseFactory(team=org["team_a1"], version=5)
    stale = api.post(
        f"/api/v1/cases/{case.pk}/log-contact/", {"channel": "phone", "outcome": "reached", "version": 4}
    )
    bad = api.post(f"/api/v1/cases/{case.pk}/log-contact/", {"channel": "pigeon", "outcome": "reached"})
    assert stale.status_code == 409
    assert stale.json()["version"] == ["stale"]
    assert bad.status_code == 400
    assert "channel" in bad.json()


def test_wait_on_the_customer_note_resume_resolve_and_close(api, org):
    # given
    case = CaseFactory(team=org["team_a1"])
    CategoryFactory(slug="late")
    claimed = api.post("/api/v1/cases/claim-next/").json()
    # when
    waiting = api.post(
        f"/api/v1/cases/{case.pk}/status/",
        {
            "to_status": "waiting_on_customer",
            "note": "Asked for the order number",
            "version": claimed["version"],
        },
    ).json()
    noted = api.post(f"/api/v1/cases/{case.pk}/note/", {"text": "Customer on holiday until Monday"})
    resumed = api.post(f"/api/v1/cases/{case.pk}/status/", {"to_status": "in_progress"}).json()
    api.post(f"/api/v1/cases/{case.pk}/resolve/", {"root_cause": "late", "resolution_note": "Refunded"})
    closed = api.post(f"/api/v1/cases/{case.pk}/close/", {}).json()
    # then
    assert waiting["status"] == "waiting_on_customer"
    assert waiting["paused_at"] is not None
    assert noted.status_code == 200
    assert resumed["status"] == "in_progress"
    assert resumed["paused_at"] is None
    assert closed["status"] == "closed"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds.count("note") == 1
    assert kinds.count("status_changed") >= 4


def test_bad_transitions_are_a_409_and_bad_input_a_400_naming_the_field(api, org):
    case = CaseFactory(team=org["team_a1"])
    other = CaseFactory(team=org["team_b1"])
    not_resolved = api.post(f"/api/v1/cases/{case.pk}/close/", {})
    no_such_status = api.post(f"/api/v1/cases/{case.pk}/status/", {"to_status": "closed"})
    empty_note = api.post(f"/api/v1/cases/{case.pk}/note/", {"text": ""})
    assert (not_resolved.status_code, not_resolved.json()["status"]) == (409, ["not resolved"])
    assert (no_such_status.status_code, "to_status" in no_such_status.json()) == (400, True)
    assert (empty_note.status_code, "text" in empty_note.json()) == (400, True)
    for action in ("status", "close", "note"):
        assert api.post(f"/api/v1/cases/{other.pk}/{action}/", {"text": "x"}).status_code == 404
