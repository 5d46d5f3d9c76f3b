"""Single sign-on in a real browser against a real OpenID provider on loopback (tests/identity/provider):
the mapped role and team, a change of groups, and a person removed at the provider."""

import re

import pytest
import requests
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cxloop.identity.models import GroupMapping
from cxloop.identity.tasks import sso_accounts_recheck
from cxloop.org.models import Membership, Role
from cxloop.org.services import api_token_create
from tests.factories import DepartmentFactory, TeamFactory
from tests.identity.provider.fixture import oidc_provider, sso  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "idp-pw-for-tests"


@pytest.fixture
def idp(sso, live_server):  # noqa: F811
    sso.allow_redirect(f"{live_server.url}/accounts/oidc/sso/login/callback/")
    return sso


@pytest.fixture
def mapping(transactional_db):
    team = TeamFactory(name="Returns desk", slug="returns-desk", department=DepartmentFactory(slug="ops"))
    GroupMapping.objects.create(group="cx-returns-agents", role=Role.AGENT, team=team)
    GroupMapping.objects.create(group="cx-steering", role=Role.COMMITTEE)
    return team


def sign_on(page, live_server, username: str, *, signed_in_at_provider: bool = False) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("button", name="Sign in with Test IdP").click()
    if signed_in_at_provider:
        # The provider remembers her: it sends her straight back, as single sign-on does.
        page.wait_for_load_state()
        return
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()
    page.wait_for_load_state()


def test_sign_on_maps_groups_to_role_and_team_and_removal_ends_everything(
    page, browser, live_server, idp, mapping
):
    # given: a person at the provider in the returns agents' group
    idp.add_user("sso-rita", PASSWORD, ["cx-returns-agents"])
    # when: she signs on for the first time
    sign_on(page, live_server, "sso-rita")
    # then: her account exists, as an agent of the returns desk, on the agent's landing page
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My team")).to_be_visible()
    person = get_user_model().objects.get(username="sso-rita")
    assert set(Membership.objects.filter(user=person).values_list("role", "team")) == {
        (Role.AGENT, mapping.pk)
    }

    # when: she moves to the steering committee at the provider, and signs on again
    idp.set_groups("sso-rita", ["cx-steering"])
    page.get_by_role("button", name="Log out").click()
    sign_on(page, live_server, "sso-rita", signed_in_at_provider=True)
    # then: a committee member now (the provider's sign-on is trusted with the second factor)
    expect(page).to_have_url(re.compile(r"/dashboards/$"))
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation")
    ).to_be_visible()
    assert set(Membership.objects.filter(user=person).values_list("role", "team")) == {(Role.COMMITTEE, None)}

    # given: a second browser signed in as her, and an API token of hers
    other = browser.new_context()
    second = other.new_page()
    sign_on(second, live_server, "sso-rita")
    expect(second).to_have_url(re.compile(r"/dashboards/$"))
    _, key = api_token_create(created_by=person, name="her script")
    assert _api(live_server, key).status_code == 200

    # when: she is removed at the provider
    idp.remove_user("sso-rita")
    stranger = browser.new_context()
    third = stranger.new_page()
    sign_on(third, live_server, "sso-rita")
    # then: the provider refuses her at the next sign-on
    expect(third.get_by_role("alert")).to_contain_text("did not match")

    # when: the periodic re-check runs
    result = sso_accounts_recheck()
    # then: she is deactivated; both browsers are signed out, and her token no longer works
    assert result["deactivated"] == 1
    for browser_page in (page, second):
        browser_page.goto(f"{live_server.url}/cases/")
        expect(browser_page).to_have_url(re.compile(r"/login/"))
    assert _api(live_server, key).status_code in (401, 403)
    other.close()
    stranger.close()


def _api(live_server, key: str) -> requests.Response:
    return requests.get(
        f"{live_server.url}/api/v1/cases/", headers={"Authorization": f"Token {key}"}, timeout=10
    )
