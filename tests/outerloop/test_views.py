"""HTML pages of the outer loop: board, triage, initiative page, scoping."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outerloop.models import DetectionRun, SignalStatus, Stage

from .factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals(org):
    return {
        "a": SignalFactory(title="Late delivery · Receive", department_ids=[org["dept_a"].pk]),
        "b": SignalFactory(title="Checkout error · Buy", department_ids=[org["dept_b"].pk]),
    }


def test_board_is_scoped_to_the_managers_departments(client, people, signals):
    # given
    client.force_login(people["manager"])
    # when
    page = client.get("/signals/").content.decode()
    # then
    assert "Late delivery" in page
    assert "Checkout error" not in page
    assert client.get(f"/signals/{signals['b'].pk}/").status_code == 404


def test_board_says_when_detection_last_ran_and_when_it_was_missed(client, people, signals):
    # given
    client.force_login(people["committee"])
    never = client.get("/signals/").content.decode()
    DetectionRun.objects.create(
        finished_at=timezone.now() - timedelta(hours=30), window_end=timezone.now() - timedelta(hours=30),
        cells=41, created=2, updated=39, team_rises=3, seconds=1.5,
    )  # fmt: skip
    # when
    page = client.get("/signals/").content.decode()
    # then
    assert "Detection has not run yet" in never
    assert "41 root causes tested, 2 new signals, 3 rises in one team" in page
    assert "The nightly run was missed" in page


def test_committee_sees_every_signal_and_agents_are_refused(client, people, signals):
    client.force_login(people["committee"])
    assert "Checkout error" in client.get("/signals/").content.decode()
    client.force_login(people["agent"])
    assert client.get("/signals/").status_code == 403
    assert client.get("/initiatives/").status_code == 403
    assert client.get("/committee/").status_code == 403
    assert client.get("/you-said-we-did/").status_code == 200


def test_dismiss_and_merge_from_the_page(client, people, signals):
    # given
    client.force_login(people["committee"])
    # when
    refused = client.post(f"/signals/{signals['a'].pk}/dismiss/", {"reason": ""})
    merged = client.post(f"/signals/{signals['a'].pk}/merge/", {"into": signals["b"].pk, "confirm": "on"})
    # then
    signals["a"].refresh_from_db()
    assert refused.status_code == 400
    assert merged.status_code == 302
    assert (signals["a"].status, signals["a"].merged_into) == (SignalStatus.MERGED, signals["b"])


def test_promote_then_owner_sees_stage_actions_only_after_decision(client, people, signals, org):
    # given
    client.force_login(people["manager"])
    # when
    response = client.post(
        f"/signals/{signals['a'].pk}/promote/",
        {"title": "Fix slots", "problem": "Couriers miss slots", "owner": people["manager"].pk,
         "departments": [org["dept_a"].pk]},
    )  # fmt: skip
    # then
    initiative = signals["a"].initiatives.get()
    assert response.status_code == 302
    assert response.url == f"/initiatives/{initiative.pk}/"
    page = client.get(response.url).content.decode()
    assert "Waiting for a committee decision" in page
    assert "Move stage" not in page
    refused = client.post(f"/initiatives/{initiative.pk}/stage/", {"to_stage": "approved"})
    assert refused.status_code == 400
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PROPOSED


def test_owner_moves_an_approved_initiative(client, people, org):
    # given
    initiative = InitiativeFactory(owner=people["manager"], stage=Stage.APPROVED, departments=[org["dept_a"]])
    client.force_login(people["manager"])
    # when
    response = client.post(f"/initiatives/{initiative.pk}/stage/", {"to_stage": "design", "note": "kick-off"})
    # then
    initiative.refresh_from_db()
    assert response.status_code == 302
    assert initiative.stage == Stage.DESIGN
    assert "Design" in client.get(f"/initiatives/{initiative.pk}/").content.decode()


def test_manager_cannot_open_another_departments_initiative(client, people, org):
    initiative = InitiativeFactory(departments=[org["dept_b"]])
    client.force_login(people["manager"])
    assert client.get(f"/initiatives/{initiative.pk}/").status_code == 404


def test_you_said_we_did_lists_rolled_out_initiatives(client, people):
    # given
    InitiativeFactory(title="Courier slots", stage=Stage.ROLLED_OUT, rolled_out_at="2026-10-01T10:00Z",
                      what_changed="Two-hour delivery slots")  # fmt: skip
    InitiativeFactory(title="Still designing", stage=Stage.DESIGN)
    client.force_login(people["agent"])
    # when
    page = client.get("/you-said-we-did/").content.decode()
    # then
    assert "Two-hour delivery slots" in page
    assert "Still designing" not in page
