"""A committee member sets up a pilot with suggested controls, approves the initiative with a forecast,
and later reads the impact review: the pilot against its controls with its interval, and the result
against the forecast."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cxloop.org.models import Role
from outerloop.models import Stage
from outerloop.services.initiatives import initiative_transition
from tests.e2e.axe import axe_violations
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory
from tests.governance.factories import CommitteeFactory, CommitteeSeatFactory
from tests.outerloop.factories import InitiativeFactory
from tests.outerloop.pilot_data import scores

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"
TITLE = "Faster returns at the counter"


@pytest.fixture
def scene(org):
    """Three seats (two carry a decision); a proposed initiative; baseline feedback on three teams."""
    manager = UserFactory(username="maria", first_name="Maria", last_name="Costa")
    MembershipFactory(user=manager, role=Role.MANAGER, team=None, department=org["dept_a"])
    chair = UserFactory(username="chair", first_name="Chris", last_name="Chair")
    MembershipFactory(user=chair, role=Role.COMMITTEE, team=None, department=org["dept_b"])
    member = UserFactory(username="member", first_name="Mel", last_name="Member")
    MembershipFactory(user=member, role=Role.COMMITTEE, team=None, department=None)
    committee = CommitteeFactory()
    CommitteeSeatFactory(committee=committee, department=org["dept_a"], holder=manager)
    CommitteeSeatFactory(committee=committee, department=org["dept_b"], holder=chair)
    CommitteeSeatFactory(
        committee=committee, department=DepartmentFactory(slug="dept-c", name="Department C"), holder=member
    )
    initiative = InitiativeFactory(title=TITLE, owner=manager, departments=[org["dept_a"]])
    # baseline: A1 (the pilot) and A2 alike, NPS 10 on 500 each; B1 unlike (NPS -70)
    when = timezone.now() - timedelta(days=45)
    scores(team=org["team_a1"], when=when, promoters=200, passives=150, detractors=150)
    scores(team=org["team_a2"], when=when, promoters=200, passives=150, detractors=150)
    scores(team=org["team_b1"], when=when, promoters=50, passives=50, detractors=400)
    return {"initiative": initiative}


def _clean(page) -> None:
    assert axe_violations(page) == []


def test_committee_member_pilots_approves_with_a_forecast_and_reads_the_impact_review(
    scene, org, login, live_server
):
    initiative = scene["initiative"]
    today = timezone.localdate()
    # given: the chair sets up a pilot of the customer test on team A1, on a baseline of last month
    page = login("chair", PASSWORD)
    page.goto(f"{live_server.url}/initiatives/{initiative.pk}/")
    page.get_by_text("Set up a pilot").click()
    page.get_by_label("Stage it pilots").select_option("customer_test")
    page.get_by_label("Pilot on").select_option("team")
    page.get_by_label("Pilot teams or stores").select_option(str(org["team_a1"].pk))
    page.get_by_label("Baseline from").fill((today - timedelta(days=60)).isoformat())
    page.get_by_label("Baseline to (inclusive)").fill((today - timedelta(days=31)).isoformat())
    page.get_by_role("button", name="Set up pilot").click()
    expect(page.get_by_text("Pilot set up: now choose its controls.")).to_be_visible()
    # when: the suggestions list the alike team first, with the reason, and the chair picks it
    controls = page.get_by_role("form", name="Choose the controls")
    expect(controls.locator(".pl-suggestion").first).to_contain_text("Team A2")
    expect(controls.locator(".pl-suggestion").first).to_contain_text(
        "500 responses in the baseline against 500 per pilot unit; NPS +10 against the pilot's +10"
    )
    _clean(page)
    controls.get_by_label("Team A2").check()
    controls.get_by_role("button", name="Use these controls").click()
    expect(page.get_by_text("Controls chosen.")).to_be_visible()

    # and puts the initiative to the vote with a forecast of +5 NPS points, and votes
    page.goto(f"{live_server.url}/committee/")
    page.get_by_label("Date and time").fill(
        (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Schedule").click()
    meeting = page.url
    page.get_by_label("Initiative").select_option(label=TITLE)
    page.get_by_label("Rationale").fill("Returns drive a quarter of our detractors.")
    page.get_by_label("Forecast: metric").select_option("nps")
    page.get_by_label("Forecast: expected change").fill("5")
    page.get_by_label("Forecast: by").fill((today + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Open decision").click()
    _clean(page)
    vote = page.get_by_role("form", name=f"Vote on {TITLE}")
    vote.get_by_label("Seat").select_option(label="Department B (your seat)")
    vote.locator("select[name=choice]").select_option("approved")
    vote.get_by_role("button", name="Record vote").click()
    page.context.clear_cookies()
    # and a second seat carries it: approved, the forecast recorded
    page = login("member", PASSWORD)
    page.goto(meeting)
    vote = page.get_by_role("form", name=f"Vote on {TITLE}")
    vote.get_by_label("Seat").select_option(label="Department C (your seat)")
    vote.locator("select[name=choice]").select_option("approved")
    vote.get_by_role("button", name="Record vote").click()
    expect(page.get_by_text("Quorum reached: approve.")).to_be_visible()
    page.context.clear_cookies()

    # when: the owner reaches the customer test, the chair starts the pilot
    for stage in (Stage.DESIGN, Stage.PRE_TEST, Stage.DEVELOP, Stage.CUSTOMER_TEST):
        initiative_transition(initiative=initiative, to_stage=stage, actor=initiative.owner)
    page = login("chair", PASSWORD)
    page.goto(f"{live_server.url}/initiatives/{initiative.pk}/")
    expect(page.locator("#forecast")).to_contain_text("Forecast recorded at approval: 5.0 NPS by")
    page.get_by_role("button", name="Start the pilot").click()
    expect(page.get_by_text("Pilot started.")).to_be_visible()
    # and the pilot runs: its NPS rises from 10 to 40, the controls' from 10 to 20 (a season)
    when = timezone.now()
    scores(team=org["team_a1"], when=when, promoters=300, passives=100, detractors=100)
    scores(team=org["team_a2"], when=when, promoters=225, passives=150, detractors=125)
    page.get_by_role("button", name="Review the pilot's impact now").click()

    # then: the review says the pilot's own effect, 20 points (5.7 to 34.3), is real, and met the forecast
    did = page.locator(".pl-did")
    expect(did).to_contain_text("20.0 points (95 % interval 5.7 to 34.3)")
    expect(did).to_contain_text("The effect is real")
    expect(did).to_contain_text(
        "Pilot NPS 10.0 (n 500) → 40.0 (n 500); controls 10.0 (n 500) → 20.0 (n 500)."
    )
    result = page.locator(".pl-forecast-result")
    expect(result).to_contain_text("Met")
    expect(result).to_contain_text(
        "forecast 5.0 NPS, measured 20.0 (95 % interval 5.7 to 34.3), 4.00 of the forecast."
    )
    _clean(page)
    # and the committee page counts it in the track record of its forecasts
    page.goto(f"{live_server.url}/committee/")
    record = page.get_by_role("region", name="How our forecasts came true")
    expect(record).to_contain_text("Met 1 · missed 0 · too uncertain to say 0 · not reviewed yet 0.")
    expect(record.get_by_role("row", name=re.compile(TITLE))).to_contain_text("Met")
    _clean(page)
