"""A session left alone ends: the next click after the idle limit asks the person to sign in again,
and so does the first click after the absolute limit however busy they were."""

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"


def _signed_in(page, live_server) -> bool:
    page.goto(f"{live_server.url}/cases/")
    return "/login/" not in page.url


def test_an_idle_session_ends_and_the_next_click_asks_to_sign_in(people, login, live_server, settings):
    # given: an agent signed in, with a short idle limit
    settings.CXLOOP_SESSION_IDLE_SECONDS = 3
    page = login("agent-a1", PASSWORD)
    assert _signed_in(page, live_server)
    # when: nothing happens for longer than the limit
    time.sleep(4)
    page.goto(f"{live_server.url}/cases/")
    # then: the case queue is not shown; the sign-in page is, and it leads back to the queue
    expect(page).to_have_url(re.compile(r"/login/\?next=/cases/"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    login("agent-a1", PASSWORD)
    assert _signed_in(page, live_server)


def test_a_busy_session_still_ends_at_the_absolute_limit(people, login, live_server, settings):
    # given: a long idle limit and a short absolute one; the last-seen time may move on every click
    settings.CXLOOP_SESSION_IDLE_SECONDS = 600
    settings.CXLOOP_SESSION_MAX_SECONDS = 4
    page = login("agent-a1", PASSWORD)
    # when: the agent keeps working past the absolute limit
    deadline = time.monotonic() + 6
    while _signed_in(page, live_server) and time.monotonic() < deadline:
        time.sleep(0.5)
    # then: they were asked to sign in again, and not before the limit
    assert "/login/" in page.url
    assert time.monotonic() - (deadline - 6) >= 3.5
