"""Sessions end after 30 idle minutes and 12 hours after sign-in; signed-in answers are never stored."""

import pytest
from django.test import override_settings

from cxloop.org.sessions import LOGIN_AT, SEEN_AT

pytestmark = pytest.mark.django_db


def _age(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = session[key] - ago
    session.save()


def test_a_session_idle_for_longer_than_allowed_ends(client, people):
    # given
    client.force_login(people["agent"])
    assert client.get("/cases/").status_code == 200
    _age(client, **{SEEN_AT: 31 * 60})
    # when
    response = client.get("/cases/")
    # then
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_an_active_session_ends_at_its_absolute_lifetime(client, people):
    # given: signed in 12 hours and a minute ago, seen a moment ago
    client.force_login(people["agent"])
    _age(client, **{LOGIN_AT: 12 * 60 * 60 + 60})
    # when
    response = client.get("/cases/")
    # then
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 302


def test_a_session_within_its_limits_goes_on_and_is_not_rewritten_on_every_click(client, people):
    client.force_login(people["agent"])
    _age(client, **{SEEN_AT: 29 * 60})
    assert client.get("/cases/").status_code == 200
    seen = client.session[SEEN_AT]
    assert client.get("/cases/").status_code == 200
    assert client.session[SEEN_AT] == seen  # touched once, not again within the minute


@override_settings(CXLOOP_SESSION_IDLE_SECONDS=60, CXLOOP_SESSION_MAX_SECONDS=120)
def test_the_limits_come_from_the_settings(client, people):
    client.force_login(people["agent"])
    _age(client, **{SEEN_AT: 61})
    assert client.get("/cases/").status_code == 302


def test_what_a_signed_in_person_is_shown_is_never_stored(client, people):
    from rest_framework.test import APIClient

    client.force_login(people["agent"])
    page = client.get("/cases/")
    api = APIClient()
    api.force_authenticate(people["agent"])
    answer = api.get("/api/v1/feedback/")
    assert "no-store" in page["Cache-Control"]
    assert "no-store" in answer["Cache-Control"]
