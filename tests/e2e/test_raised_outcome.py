"""An agent who raised an obstacle sees it dismissed with the reason (#18, item 3), on a phone.

The agent's obstacle was escalated by the team lead in the huddle and picked up as a signal; a
committee member dismisses it on the signal's page, saying why; the agent signs in on a phone, finds
the notification under the bell, and reads "Dismissed" with the reason on "What happened to what I
raised". Both pages fit 390 px and axe-core finds nothing serious or critical.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.outerloop.outcome_world import escalated_obstacle

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"
PHONE = {"width": 390, "height": 844}
REASON = "Refunds up to 200 EUR are allowed on the call from 1 March"


def test_agent_reads_that_the_obstacle_was_dismissed_and_why(org, people, login, live_server, page):
    # given: the agent's obstacle, escalated by the lead, is a signal on the committee's board
    _, signal = escalated_obstacle(
        team=org["team_a1"], raiser=people["agent"], lead=people["lead"], text="Refund limit too low"
    )
    # when a committee member dismisses it on its page, saying why
    login(people["committee"].username, PASSWORD)
    page.goto(f"{live_server.url}/signals/{signal.pk}/")
    page.get_by_text("Dismiss", exact=True).click()
    page.get_by_label("Why dismiss it").fill(REASON)
    page.get_by_role("button", name="Dismiss signal").click()
    expect(page.get_by_role("heading", name="Signals", exact=True)).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # then the agent, on a phone, has a notification with the reason
    page.set_viewport_size(PHONE)
    login(people["agent"].username, PASSWORD)
    expect(page.get_by_role("link", name="Notifications: 1 unread")).to_be_visible()
    page.get_by_role("link", name="Notifications: 1 unread").click()
    notification = page.get_by_role(
        "link", name=re.compile(r"^Dismissed: Obstacle \(Team A1\): Refund limit too low")
    )
    expect(notification).to_be_visible()
    expect(page.get_by_text(REASON)).to_be_visible()
    assert horizontal_overflow(page) == 0
    assert axe_violations(page) == []
    # and reads on "What happened to what I raised" that it was dismissed, and why
    notification.click()
    expect(page.get_by_role("heading", name="What happened to what I raised")).to_be_visible()
    item = page.get_by_role("listitem").filter(has_text="Refund limit too low")
    expect(item.get_by_text("Dismissed", exact=True)).to_be_visible()
    expect(item.get_by_text(REASON)).to_be_visible()
    assert horizontal_overflow(page) == 0
    assert axe_violations(page) == []
    # and the page is in the menu too
    page.locator("details.menu > summary").click()
    expect(page.get_by_role("link", name="What I raised")).to_be_visible()
    assert page.dialogs == []
