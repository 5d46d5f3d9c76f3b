"""Guessing the second factor's code after the password: allauth's limit per person, and the sign-in
throttle's lock of the username (cxloop.org.throttle), which holds even against the right code."""

import uuid

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import override_settings
from django.urls import reverse
from freezegun import freeze_time

from cxloop.core.models import AuditEvent
from cxloop.org.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.identity.totp import totp

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"
LIMITS = {
    "CXLOOP_LOGIN_FAILURES_PER_ADDRESS": 20,
    "CXLOOP_LOGIN_FAILURES_PER_USERNAME": 10,
    "CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "CXLOOP_LOGIN_COOLDOWN_SECONDS": 15 * 60,
    "CXLOOP_MFA_REQUIRED_ROLES": ["admin", "committee"],
}


@pytest.fixture
def member(org):
    """A committee member enrolled with TOTP, under a name no other test used (the throttle's counters
    live in Redis across tests)."""
    user = UserFactory(username=f"committee-{uuid.uuid4().hex[:8]}")
    MembershipFactory(user=user, role=Role.COMMITTEE, team=None, department=org["dept_b"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return user, secret


def _wrong(secret: str) -> str:
    return "000000" if totp(secret) != "000000" else "111111"


def _password(client, user, *, address: str):
    return client.post(reverse("login"), {"login": user.username, "password": PASSWORD}, REMOTE_ADDR=address)


def _code(client, code: str, *, address: str):
    return client.post(reverse("mfa_authenticate"), {"code": code}, REMOTE_ADDR=address)


@override_settings(**LIMITS)
def test_sixty_wrong_codes_and_then_even_the_right_one_is_refused_until_later(client, member):
    user, secret = member
    address = f"192.0.2.{uuid.uuid4().int % 250}"
    with freeze_time() as clock:
        assert _password(client, user, address=address)["Location"] == reverse("mfa_authenticate")
        # when: sixty wrong codes in a row, then the right one
        answers = [_code(client, _wrong(secret), address=address) for _ in range(60)]
        right = _code(client, totp(secret), address=address)
        # then: refused, and not signed in
        assert {answer.status_code for answer in answers} == {200}
        assert right.status_code == 200
        assert "Too many failed" in right.text or "too many" in right.text.lower()
        assert client.get("/feedback/").status_code == 302
        # only the codes actually checked were failures (allauth refused the rest unchecked)
        assert AuditEvent.objects.filter(verb="mfa.failed", target_id=str(user.pk)).count() == 5
        # when: five minutes later, the right code
        clock.tick(301)
        later = _code(client, totp(secret), address=address)
        # then
        assert later.status_code == 302
        assert client.get("/feedback/").status_code == 200


@override_settings(**{**LIMITS, "CXLOOP_LOGIN_FAILURES_PER_USERNAME": 3})
def test_wrong_codes_lock_the_username_like_wrong_passwords(client, member):
    user, secret = member
    with freeze_time() as clock:
        # given: the password, then wrong codes past the per-username limit
        _password(client, user, address="192.0.2.10")
        for _ in range(3):
            _code(client, _wrong(secret), address="192.0.2.10")
        # when: the right code; the password again, from another address
        right = _code(client, totp(secret), address="192.0.2.10")
        again = _password(client.__class__(), user, address="198.51.100.20")
        # then: both refused while the username is locked
        assert right.status_code == 200
        assert "Sign-in is paused" in right.text
        assert client.get("/feedback/").status_code == 302
        assert again.status_code == 429
        # when: the cooldown has passed
        clock.tick(16 * 60)
        fresh = client.__class__()
        _password(fresh, user, address="192.0.2.10")
        signed_in = _code(fresh, totp(secret), address="192.0.2.10")
        # then
        assert signed_in.status_code == 302
        assert fresh.get("/feedback/").status_code == 200
