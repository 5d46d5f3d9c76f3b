"""An administrator invites a person at a desk (1440 by 900); the person accepts on a phone (390 by
844) and lands signed in with the role. Every page passes axe-core (nothing serious or critical)
and none scrolls sideways.

Set CXLOOP_SCREENSHOTS to a directory to keep a screenshot of each page (invite-*.png).
"""

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from cxloop.org.models import Membership, Role
from tests.e2e.axe import axe_violations, horizontal_overflow

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-only"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("CXLOOP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"invite-{name}.png"), full_page=True)


def _check(page, where: str, problems: list[str]) -> None:
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"{where}: {overflow} px wider than the window")
    problems.extend(f"{where}: {violation}" for violation in axe_violations(page))
    _screenshot(page, where)


@pytest.fixture(autouse=True)
def _loopback_not_paused():
    """The browser comes from 127.0.0.1, like every test client of the suite: links refused earlier
    in the same run (the authorization matrix tries them) must not pause this address."""
    import time

    from django.conf import settings
    from django.core.cache import cache

    from cxloop.org.people_views import THROTTLE_KIND

    bucket = int(time.time() // settings.CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS)
    cache.delete_many(
        [f"throttle:lock:{THROTTLE_KIND}:127.0.0.1"]
        + [f"throttle:{THROTTLE_KIND}:127.0.0.1:{b}" for b in (bucket - 1, bucket, bucket + 1)]
    )


def test_admin_invites_at_a_desk_and_the_person_accepts_on_a_phone(browser, live_server, people, org):
    problems: list[str] = []
    # given: the admin at a desk
    desk = browser.new_context(viewport=DESKTOP)
    admin = desk.new_page()
    admin.goto(f"{live_server.url}/login/")
    admin.get_by_label("Username").fill(people["admin"].username)
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    expect(admin).to_have_url(re.compile(r"/people/$"))
    # when: they invite an agent of team A1
    admin.get_by_role("link", name="Invite a person").click()
    _check(admin, "desktop-form", problems)
    admin.get_by_label("Full name").fill("Inês Duarte")
    admin.get_by_label("Email address").fill("ines@example.org")
    admin.get_by_label("Role").select_option(label="Agent")
    admin.get_by_label("Team").select_option(label="Team A1 (Department A)")
    admin.get_by_role("button", name="Send the invitation").click()
    # then: the people page lists the open invitation
    expect(admin).to_have_url(re.compile(r"/people/$"))
    expect(admin.get_by_text("Invitation sent to ines@example.org.")).to_be_visible()
    pending = admin.locator(".invitation")
    expect(pending).to_contain_text("Inês Duarte")
    expect(pending).to_contain_text("Team A1")
    admin.get_by_text("Withdraw…").click()
    _check(admin, "desktop-people", problems)
    # and the people and person pages fit a phone, their folded forms open
    admin_phone = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, storage_state=desk.storage_state()
    )
    desk.close()
    page = admin_phone.new_page()
    page.goto(f"{live_server.url}/people/")
    page.get_by_text("Withdraw…").click()
    _check(page, "phone-people", problems)
    page.goto(f"{live_server.url}/people/{people['agent'].pk}/")
    page.get_by_text("Change role, team or department").click()
    page.get_by_text("Take this role away…").click()
    _check(page, "phone-person", problems)
    admin_phone.close()

    # when: the person opens the emailed link on a phone
    assert len(mail.outbox) == 1
    link = re.search(r"(/invitation/[^/\s]+/)", mail.outbox[0].body).group(1)
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(live_server.url + link)
    expect(page.get_by_role("heading", name="Join cxloop")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("ines")
    _check(page, "phone-accept", problems)
    # a weak password is refused with the reason, on the phone too
    page.get_by_label(re.compile(r"^Password:?$")).fill("123")
    page.get_by_label("The same password again").fill("123")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("This password is too short.", exact=False)).to_be_visible()
    _check(page, "phone-accept-refused", problems)
    page.get_by_label(re.compile(r"^Password:?$")).fill("orchard-lantern-5521")
    page.get_by_label("The same password again").fill("orchard-lantern-5521")
    page.get_by_role("button", name="Create my account").click()
    # then: signed in, on an agent's landing page
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_text("Welcome to cxloop. You are signed in.")).to_be_visible()
    membership = Membership.objects.get(user__username="ines")
    assert (membership.role, membership.team) == (Role.AGENT, org["team_a1"])
    assert horizontal_overflow(page) == 0
    # and the link works no more
    response = page.goto(live_server.url + link)
    assert response is not None
    assert response.status == 410
    expect(page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
    _check(page, "phone-used", problems)
    phone.close()
    assert problems == [], "\n".join(problems)
