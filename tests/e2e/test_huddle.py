"""A huddle in a real browser: the lead runs it from its summary, the manager reviews it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from innerloop.huddles.services import huddle_prepare
from innerloop.models.huddles import Huddle, HuddleStatus, Obstacle
from tests.factories import FeedbackFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def this_weeks_huddle(org, people):
    team = org["team_a1"]
    now = timezone.now()
    huddle = Huddle.objects.create(
        team=team,
        scheduled_at=now - timedelta(hours=1),
        period_start=now - timedelta(days=7, hours=1),
        period_end=now - timedelta(hours=1),
    )
    first_name = people["agent"].first_name
    FeedbackFactory(
        team=team, score=10, comment=f"{first_name} was brilliant", occurred_at=now - timedelta(days=2)
    )
    FeedbackFactory(team=team, score=1, comment="Nobody called me back", occurred_at=now - timedelta(days=2))
    huddle_prepare(huddle_id=huddle.pk)
    return huddle


def test_lead_runs_the_huddle_and_the_manager_reviews_it(this_weeks_huddle, people, login, live_server, page):
    lead, agent = people["lead"], people["agent"]
    # given: the lead opens this week's huddle from the navigation
    login(lead.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Huddles", exact=True).click()
    page.get_by_role("link", name=re.compile("Open this week.s huddle")).click()
    # then the summary is there: the shout-out naming the agent and the learning moment
    expect(page.get_by_role("heading", name=re.compile("^Summary"))).to_be_visible()
    expect(page.get_by_text(f"{agent.first_name} was brilliant")).to_be_visible()
    expect(page.get_by_text("Nobody called me back")).to_be_visible()

    # when the lead records attendees and notes
    record = page.get_by_role("form", name="Record the meeting")
    record.get_by_label(lead.get_full_name()).check()
    record.get_by_label(agent.get_full_name()).check()
    record.get_by_label("Notes").fill("Talked about call-backs.")
    record.get_by_role("button", name="Record the huddle").click()
    expect(page.get_by_text("Huddle recorded.")).to_be_visible()
    # and a commitment
    commitment = page.get_by_role("form", name="Add a commitment")
    commitment.get_by_label("Commitment").fill("Call back every detractor within a day")
    commitment.get_by_label("Owner").select_option(label=agent.get_full_name())
    commitment.get_by_label("Due on").fill((timezone.localdate() + timedelta(days=7)).isoformat())
    commitment.get_by_role("button", name="Add the commitment").click()
    expect(page.get_by_text("Commitment added.")).to_be_visible()
    # and an obstacle, escalated
    obstacle = page.get_by_role("form", name="Raise an obstacle")
    obstacle.get_by_label("Obstacle the team cannot fix alone").fill(
        "Refund limit is too low to fix it on the call"
    )
    obstacle.get_by_label("Escalate it now").check()
    obstacle.get_by_role("button", name="Add the obstacle").click()
    expect(page.get_by_text("Obstacle recorded.")).to_be_visible()
    expect(page.get_by_text("escalated", exact=True)).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # then the manager sees it on the review page
    login(people["manager"].username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review", exact=True).click()
    card = page.get_by_role("region", name=re.compile("^Team A1"))
    expect(card.get_by_text("held", exact=True)).to_be_visible()
    expect(card.get_by_text("Refund limit is too low to fix it on the call")).to_be_visible()
    # and marks it reviewed with a comment
    card.get_by_label("Comment for Team A1").fill("Let us raise the refund limit at the committee.")
    card.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_text("Team A1: huddle marked reviewed.")).to_be_visible()
    expect(
        page.get_by_role("region", name=re.compile("^Team A1")).get_by_text(re.compile("^Reviewed by"))
    ).to_be_visible()
    # and it is all stored
    this_weeks_huddle.refresh_from_db()
    assert this_weeks_huddle.status == HuddleStatus.HELD
    assert set(this_weeks_huddle.attendees.all()) == {lead, agent}
    assert this_weeks_huddle.reviewed_by == people["manager"]
    assert Obstacle.objects.get().escalated_by == lead
    assert page.dialogs == []


def test_lead_changes_when_the_team_meets(org, people, login, live_server, page):
    # given
    login(people["lead"].username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Huddles", exact=True).click()
    # when: the lead opens the team's cadence and moves it
    page.get_by_text(re.compile("Team A1 meets on Mondays at 09:30")).click()
    form = page.get_by_role("form", name="When Team A1 meets")
    form.get_by_label("Day").select_option(label="Thursday")
    form.get_by_label("Time").fill("14:00")
    form.get_by_label("Every how many weeks").fill("2")
    form.get_by_role("button", name="Save").click()
    # then
    expect(page.get_by_text("Saved: Team A1: Thursday at 14:00, every 2 weeks.")).to_be_visible()
    cadence = page.get_by_text(re.compile("Team A1 meets on Thursdays at 14:00 .*, every 2 weeks"))
    expect(cadence).to_be_visible()
    assert page.dialogs == []
