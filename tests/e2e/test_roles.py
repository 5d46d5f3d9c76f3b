"""Each demo login in a real browser: landing page, navigation, and what an agent may not open."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cxloop.org.models import Membership, Role
from feedback.models import Feedback

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "cxloop-demo"

# username -> (landing path pattern, navigation it must show, navigation it must not show)
ROLES = {
    "agent": (r"/cases/$", ["Cases", "My team", "Feedback"], ["Department", "Organisation", "People"]),
    "lead": (
        r"/cases/$",
        ["Cases", "My team", "Feedback", "Import"],
        ["Department", "Organisation", "People"],
    ),
    "manager": (
        r"/dashboards/$",
        ["Cases", "Department", "Feedback"],
        ["My team", "Organisation", "People"],
    ),
    "committee": (r"/dashboards/$", ["Organisation", "Feedback"], ["My team", "Department", "People"]),
    "admin": (r"/people/$", ["Organisation", "Feedback", "People"], ["My team", "Department"]),
}


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", customers=200, feedback=1500, verbosity=0)


@pytest.mark.parametrize("username", list(ROLES))
def test_demo_login_lands_on_role_page_with_its_navigation(demo, login, live_server, username):
    # given
    landing, shown, hidden = ROLES[username]
    # when
    page = login(username, DEMO_PASSWORD)
    # then
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + landing))
    nav = page.get_by_role("navigation", name="Main")
    for label in shown:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    for label in hidden:
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)


def test_agent_is_refused_manager_committee_and_other_team_pages(demo, login, live_server):
    # given
    agent_team = Membership.objects.get(user__username="agent", role=Role.AGENT).team
    manager_department = Membership.objects.get(user__username="manager", role=Role.MANAGER).department
    other_feedback = Feedback.objects.exclude(team=agent_team).exclude(team=None).first()
    page = login("agent", DEMO_PASSWORD)
    # then: manager and committee pages are forbidden
    for path in (f"/departments/{manager_department.slug}/", "/organisation/", "/people/"):
        response = page.goto(live_server.url + path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    # and another team's objects do not exist for the agent
    for path in (f"/teams/{other_feedback.team.slug}/", f"/feedback/{other_feedback.pk}/"):
        response = page.goto(live_server.url + path)
        assert response.status == 404, path
    # and the agent's own team and its feedback open
    own = Feedback.objects.filter(team=agent_team).first()
    assert page.goto(f"{live_server.url}/feedback/{own.pk}/").status == 200
    assert page.dialogs == []


def test_logout_returns_to_login(demo, login, live_server):
    page = login("agent", DEMO_PASSWORD)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto(live_server.url + "/feedback/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
