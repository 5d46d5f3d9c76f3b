"""Password spraying and distributed guessing are refused for a cooldown, even with the right password."""

import itertools
import re
import uuid

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from freezegun import freeze_time
from rest_framework.test import APIClient

from cxloop.org.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"
LIMITS = {
    "CXLOOP_LOGIN_FAILURES_PER_ADDRESS": 4,
    "CXLOOP_LOGIN_FAILURES_PER_USERNAME": 3,
    "CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "CXLOOP_LOGIN_COOLDOWN_SECONDS": 15 * 60,
}
_octets = itertools.count(1)


def new_address() -> str:
    """An address no other test used (the counters live in Redis across tests)."""
    return f"10.{uuid.uuid4().int % 250}.{next(_octets) % 250}.{uuid.uuid4().int % 250}"


def attempt(username: str, password: str, *, address: str):
    request = RequestFactory().post("/login/", REMOTE_ADDR=address)
    return authenticate(request, username=username, password=password)


@pytest.fixture
def person(db):
    return UserFactory(username=f"person-{uuid.uuid4().hex[:8]}")


@override_settings(**LIMITS)
def test_many_usernames_from_one_address_lock_that_address(person):
    # given: wrong passwords for four different usernames from one address
    sprayer = new_address()
    for n in range(4):
        assert attempt(f"someone-{uuid.uuid4().hex[:6]}-{n}", "Winter2026!", address=sprayer) is None
    # when: the right password of a real person, from that address
    refused = attempt(person.username, PASSWORD, address=sprayer)
    # then: refused there, still fine from elsewhere
    assert refused is None
    assert attempt(person.username, PASSWORD, address=new_address()) == person


@override_settings(**LIMITS)
def test_the_same_username_again_from_one_address_is_not_spraying(person):
    address = new_address()
    for _ in range(2):
        attempt("typo-user", "wrong", address=address)
    assert attempt(person.username, PASSWORD, address=address) == person


@override_settings(**LIMITS)
def test_one_username_from_many_addresses_locks_that_username(person):
    # given: three failures for the person, each from another address
    for _ in range(3):
        assert attempt(person.username, "guess", address=new_address()) is None
    # when: the right password, from a fresh address
    refused = attempt(person.username, PASSWORD, address=new_address())
    # then
    assert refused is None
    other = UserFactory(username=f"other-{uuid.uuid4().hex[:8]}")
    assert attempt(other.username, PASSWORD, address=new_address()) == other


@override_settings(**LIMITS)
def test_the_username_is_matched_whatever_its_case(person):
    for _ in range(3):
        attempt(person.username.upper(), "guess", address=new_address())
    assert attempt(person.username, PASSWORD, address=new_address()) is None


@override_settings(**LIMITS)
def test_an_unknown_username_is_locked_exactly_like_a_known_one(person):
    """A refusal tells nothing about whether the username exists."""
    ghost = f"nobody-{uuid.uuid4().hex[:8]}"
    for name in (ghost, person.username):
        for _ in range(3):
            attempt(name, "guess", address=new_address())
    client = Client(REMOTE_ADDR=new_address())
    answers = [
        client.post(reverse("login"), {"login": name, "username": name, "password": "x"})
        for name in (ghost, person.username)
    ]
    assert [answer.status_code for answer in answers] == [429, 429]
    pages = [re.sub(r"csrf[^\"]*\": \"[^\"]+\"|value=\"[^\"]+\"", "", a.content.decode()) for a in answers]
    assert pages[0] == pages[1]


@override_settings(**LIMITS)
def test_the_lock_ends_after_the_cooldown(person):
    with freeze_time() as clock:
        for _ in range(3):
            attempt(person.username, "guess", address=new_address())
        assert attempt(person.username, PASSWORD, address=new_address()) is None
        clock.tick(14 * 60)
        assert attempt(person.username, PASSWORD, address=new_address()) is None
        clock.tick(2 * 60)
        assert attempt(person.username, PASSWORD, address=new_address()) == person


@override_settings(**LIMITS)
def test_refused_attempts_do_not_extend_the_lock(person):
    with freeze_time() as clock:
        for _ in range(3):
            attempt(person.username, "guess", address=new_address())
        clock.tick(10 * 60)
        for _ in range(5):
            attempt(person.username, "guess", address=new_address())  # refused, not counted
        clock.tick(6 * 60)
        # the window has slid on too: the first failures no longer count
        clock.tick(15 * 60)
        assert attempt(person.username, PASSWORD, address=new_address()) == person


@override_settings(**LIMITS)
def test_the_login_page_answers_a_refusal_with_429_and_a_clear_message(person):
    sprayer = new_address()
    for n in range(4):
        attempt(f"spray-{uuid.uuid4().hex[:6]}-{n}", "wrong", address=sprayer)
    client = Client(REMOTE_ADDR=sprayer)
    response = client.post(
        reverse("login"), {"login": person.username, "username": person.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- API keys -------------------------------------------------------------------------------------


@override_settings(CXLOOP_API_TOKEN_FAILURES_PER_ADDRESS=3)
def test_guessing_api_keys_from_one_address_is_refused(people):
    # given
    _, key = api_token_create(created_by=people["agent"], name="script")
    guesser = new_address()
    for n in range(3):
        response = APIClient(REMOTE_ADDR=guesser).get(
            "/api/v1/cases/", HTTP_AUTHORIZATION=f"Token cxl_guess{n}"
        )
        assert response.status_code == 401
    # when: even a real key, from that address
    refused = APIClient(REMOTE_ADDR=guesser).get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    # then
    assert refused.status_code == 429
    assert "Too many unknown API keys" in refused.json()["detail"]
    elsewhere = APIClient(REMOTE_ADDR=new_address()).get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert elsewhere.status_code == 200


@override_settings(**LIMITS)
def test_failures_through_the_login_page_are_counted(person):
    """Whatever the sign-in view, its failures reach the counters (Django's user_login_failed)."""
    for _ in range(3):
        Client(REMOTE_ADDR=new_address()).post(
            reverse("login"), {"login": person.username, "username": person.username, "password": "guess"}
        )
    assert attempt(person.username, PASSWORD, address=new_address()) is None


@override_settings(CXLOOP_API_TOKEN_FAILURES_PER_ADDRESS=3)
def test_a_client_still_sending_a_revoked_or_replaced_key_locks_nobody_out(people):
    from cxloop.org.services import api_token_revoke, api_token_rotate

    revoked, revoked_key = api_token_create(created_by=people["agent"], name="old")
    api_token_revoke(token=revoked, actor=people["agent"])
    rotated, replaced_key = api_token_create(created_by=people["agent"], name="rotated")
    _, current_key = api_token_rotate(token=rotated, actor=people["agent"])
    address = new_address()
    for key in [revoked_key, replaced_key] * 3:
        assert (
            APIClient(REMOTE_ADDR=address)
            .get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
            .status_code
            == 401
        )
    assert (
        APIClient(REMOTE_ADDR=address)
        .get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {current_key}")
        .status_code
        == 200
    )
