"""A committee member's second factor in a real browser: forced enrolment of an authenticator app, its
recovery codes, then signing in with a code and with a recovery code (which works once)."""

import re
import time

import pytest
from playwright.sync_api import expect

from cxloop.core.models import AuditEvent
from cxloop.org.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.identity.totp import totp

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-only"


@pytest.fixture
def member(transactional_db, settings):
    settings.CXLOOP_MFA_REQUIRED_ROLES = ["admin", "committee"]
    person = UserFactory(username="carla")
    MembershipFactory(user=person, role=Role.COMMITTEE, team=None, department=None)
    return person


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def enter_code(page, code: str) -> None:
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_committee_member_enrols_totp_then_signs_in_with_a_code_and_a_recovery_code(
    member, login, live_server
):
    # when: she signs in with her password
    page = login("carla", PASSWORD)
    # then: she is sent to enrol, and cannot go anywhere else
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    expect(page.get_by_text("Your role needs a second factor")).to_be_visible()
    page.goto(f"{live_server.url}/dashboards/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))

    # when: she activates an authenticator app with the secret the page shows
    page.get_by_role("link", name="Activate").first.click()
    # (changing one's second factor asks for the password again, however recent the sign-in)
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp(secret))
    page.get_by_role("button", name="Activate").click()
    # then: recovery codes are shown
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    page.goto(f"{live_server.url}/dashboards/")
    expect(page).to_have_url(re.compile(r"/dashboards/$"))

    # when: she signs in again, the code is asked for after the password
    log_out(page)
    login("carla", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    # (the next period's code: the one just used to enrol may not be used twice)
    enter_code(page, totp(secret, at=time.time() + 30))
    expect(page).to_have_url(re.compile(r"/dashboards/$"))

    # when: she signs in with a recovery code
    log_out(page)
    login("carla", PASSWORD)
    enter_code(page, codes[0])
    expect(page).to_have_url(re.compile(r"/dashboards/$"))

    # when: she tries the same recovery code again
    log_out(page)
    login("carla", PASSWORD)
    enter_code(page, codes[0])
    # then: refused
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    verbs = set(AuditEvent.objects.filter(target_id=str(member.pk)).values_list("verb", flat=True))
    assert {
        "mfa.enrolled",
        "mfa.recovery_codes_generated",
        "mfa.used",
        "mfa.recovery_code_used",
        "mfa.failed",
    } <= verbs


def test_committee_member_enrols_a_security_key_and_signs_in_with_it(member, login, live_server):
    # given: a security key, Chromium's virtual authenticator (CDP WebAuthn domain)
    page = login("carla", PASSWORD)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    # when: she adds it at enrolment
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Desk key")
    page.get_by_role("button", name="Add").click()
    # then: enrolled (recovery codes come with the first factor), and free to go
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    page.goto(f"{live_server.url}/dashboards/")
    expect(page).to_have_url(re.compile(r"/dashboards/$"))

    # when: she signs in again and uses the key
    log_out(page)
    login("carla", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_role("button", name="Use a security key").click()
    # then
    expect(page).to_have_url(re.compile(r"/dashboards/$"))
    assert AuditEvent.objects.filter(
        verb="mfa.used", data__kind="webauthn", target_id=str(member.pk)
    ).exists()
