"""One-way actions ask first, and the server holds to it: a POST without the confirmation is refused
with a form error and changes nothing (the checkbox's `required` only spares the round trip)."""

import pytest
from rest_framework.test import APIClient

from cxloop.org.models import ApiToken
from cxloop.org.services import api_token_create
from governance import services as governance
from innerloop.huddles import services as huddles
from innerloop.models.huddles import HuddleCadence
from outerloop.models import SignalStatus, Stage
from tests.governance.factories import CommitteeFactory, CommitteeSeatFactory, MeetingFactory
from tests.outerloop.factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db


def works(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/cases/").status_code == 200


def test_revoking_a_token_needs_the_box_ticked(client, people):
    token, key = api_token_create(created_by=people["lead"], name="nightly export")
    client.force_login(people["lead"])
    page = client.get("/settings/api-tokens/").content.decode()
    # when
    refused = client.post(f"/settings/api-tokens/{token.pk}/revoke/")
    still_works = works(key)
    confirmed = client.post(f"/settings/api-tokens/{token.pk}/revoke/", {f"revoke-{token.pk}-confirm": "on"})
    # then
    assert f'name="revoke-{token.pk}-confirm" required' in page
    assert refused.status_code == 400
    assert "Tick the box to confirm." in refused.content.decode()
    assert still_works
    assert confirmed.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert not works(key)


def test_rotating_a_token_needs_the_box_ticked(client, people):
    token, key = api_token_create(created_by=people["lead"], name="nightly export")
    client.force_login(people["lead"])
    refused = client.post(f"/settings/api-tokens/{token.pk}/rotate/")
    assert refused.status_code == 400
    assert "Tick the box to confirm." in refused.content.decode()
    assert "new_key" not in refused.context or refused.context["new_key"] is None
    assert works(key)


def test_holding_a_meeting_names_the_votes_that_carry_over(client, people, org):
    # given: a meeting with a vote open
    committee = CommitteeFactory()
    CommitteeSeatFactory(committee=committee, department=org["dept_a"], holder=people["manager"])
    CommitteeSeatFactory(committee=committee, department=org["dept_b"], holder=people["committee"])
    meeting = MeetingFactory(committee=committee)
    client.force_login(people["committee"])
    before = client.get(f"/committee/meetings/{meeting.pk}/").content.decode()
    governance.decision_open(
        meeting=meeting, initiative=InitiativeFactory(title="Courier slots", owner=people["manager"]),
        rationale="Go", actor=people["committee"],
    )  # fmt: skip
    # when
    page = client.get(f"/committee/meetings/{meeting.pk}/").content.decode()
    refused = client.post(f"/committee/meetings/{meeting.pk}/hold/", {"notes": ""})
    # then
    assert "No vote is open: nothing carries over to the next meeting." in before
    hold = page[page.index("Hold the meeting") :]
    assert "carries over to the next meeting" in hold
    assert "Courier slots" in hold[: hold.index("Record as held")]
    assert refused.status_code == 400
    meeting.refresh_from_db()
    assert meeting.held_at is None


def cadence_post(client, team, **fields):
    data = {"weekday": 0, "local_time": "09:30", "every_weeks": 1, **fields}
    return client.post(f"/huddles/cadence/{team.pk}/", {f"cadence-{team.pk}-{k}": v for k, v in data.items()})


def test_switching_huddles_off_needs_the_box_ticked(client, people, org):
    team = org["team_a1"]
    huddles.huddles_plan()
    client.force_login(people["lead"])
    # when: "holds huddles" unticked, without and then with the confirmation
    refused = cadence_post(client, team)
    still_on = HuddleCadence.objects.get(team=team).active
    confirmed = cadence_post(client, team, confirm_off="on")
    # then
    assert refused.status_code == 400
    assert (
        "Tick the box to confirm: the team&#x27;s huddles stop being scheduled." in refused.content.decode()
    )
    assert still_on
    assert confirmed.status_code == 302
    assert not HuddleCadence.objects.get(team=team).active
    # switching them on again asks nothing, and the box is gone while they are off
    page = client.get("/huddles/").content.decode()
    assert f"cadence-{team.pk}-confirm_off" not in page
    assert cadence_post(client, team, active="on").status_code == 302
    assert HuddleCadence.objects.get(team=team).active


def test_merging_a_signal_needs_the_box_ticked(client, people):
    signal, other = SignalFactory(), SignalFactory()
    client.force_login(people["committee"])
    refused = client.post(f"/signals/{signal.pk}/merge/", {"into": other.pk})
    signal.refresh_from_db()
    assert refused.status_code == 400
    assert "Tick the box to confirm the merge." in refused.content.decode()
    assert signal.status == SignalStatus.NEW


def test_deactivating_needs_the_box_ticked_and_is_on_the_person_page(client, people):
    client.force_login(people["admin"])
    page = client.get(f"/people/{people['agent'].pk}/").content.decode()
    refused = client.post(f"/people/{people['agent'].pk}/deactivate/", {"deactivate-reason": "left"})
    people["agent"].refresh_from_db()
    assert "Yes, deactivate this person" in page
    assert refused.status_code == 400
    assert people["agent"].is_active


def test_closing_an_initiative_needs_the_box_ticked(client, people, org):
    initiative = InitiativeFactory(
        stage=Stage.IMPACT_REVIEWED, owner=people["manager"], departments=[org["dept_a"]]
    )
    client.force_login(people["manager"])
    url = f"/initiatives/{initiative.pk}/stage/"
    page = client.get(f"/initiatives/{initiative.pk}/").content.decode()
    refused = client.post(url, {"to_stage": "closed"})
    initiative.refresh_from_db()
    assert "a closed initiative cannot be reopened" in page
    assert refused.status_code == 400
    assert "Tick the box to confirm closing the initiative." in refused.content.decode()
    assert initiative.stage == Stage.IMPACT_REVIEWED
    confirmed = client.post(url, {"to_stage": "closed", "confirm": "on"})
    initiative.refresh_from_db()
    assert confirmed.status_code == 302
    assert initiative.stage == Stage.CLOSED
