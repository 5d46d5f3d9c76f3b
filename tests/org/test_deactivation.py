"""Deactivating a person ends their sessions and revokes their tokens at once, whatever the path."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cxloop.core.models import AuditEvent
from cxloop.org.models import ApiToken
from cxloop.org.services import api_token_create, person_deactivate, person_reactivate

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_person_deactivate_ends_sessions_and_revokes_tokens_in_one_go(people):
    # given
    browser = signed_in(people["agent"])
    _, key = api_token_create(created_by=people["agent"], name="script")
    api_token_create(created_by=people["agent"], name="other")
    assert token_client(key).get("/api/v1/cases/").status_code == 200
    # when
    person_deactivate(person=people["agent"], actor=people["admin"], reason="left the company")
    # then
    people["agent"].refresh_from_db()
    assert not people["agent"].is_active
    assert browser.get("/cases/").status_code == 302
    assert token_client(key).get("/api/v1/cases/").status_code == 401
    assert not ApiToken.objects.filter(user=people["agent"], revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(verb="person.deactivated")
    assert event.actor == people["admin"]
    assert event.data == {"has_reason": True, "sessions_ended": 1, "tokens_revoked": 2}


def test_unticking_active_anywhere_ends_access_too(people):
    # given: signed in, with a token
    browser = signed_in(people["lead"])
    _, key = api_token_create(created_by=people["lead"], name="script")
    # when: deactivated by a plain save (the Django admin, a shell, another app)
    people["lead"].is_active = False
    people["lead"].save()
    # then
    assert browser.get("/cases/").status_code == 302
    assert token_client(key).get("/api/v1/cases/").status_code == 401
    assert ApiToken.objects.get(user=people["lead"]).revoked_at is not None
    event = AuditEvent.objects.get(verb="person.deactivated")
    assert event.data["via"] == "signal"
    assert event.data["sessions_ended"] == 1


def test_unticking_active_in_the_django_admin_ends_access(client, people):
    # given
    browser = signed_in(people["agent_b"])
    client.force_login(people["admin"])
    user = people["agent_b"]
    # when: the admin's change form, without "Active"
    response = client.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    assert browser.get("/cases/").status_code == 302
    assert AuditEvent.objects.get(verb="person.deactivated").actor == people["admin"]


def test_other_saves_of_a_person_end_nothing(people):
    browser = signed_in(people["agent"])
    people["agent"].first_name = "Renamed"
    people["agent"].save()
    assert browser.get("/cases/").status_code == 200
    assert not AuditEvent.objects.filter(verb="person.deactivated").exists()


def test_the_person_page_deactivates_after_a_reason_and_a_confirmation(client, people):
    # given
    browser = signed_in(people["agent"])
    client.force_login(people["admin"])
    url = f"/people/{people['agent'].pk}/deactivate/"
    # when: no reason, no confirmation
    refused = client.post(url, {})
    # then
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert browser.get("/cases/").status_code == 200
    # when
    done = client.post(url, {"deactivate-reason": "left", "deactivate-confirm": "on"})
    # then
    assert done.status_code == 302
    people["agent"].refresh_from_db()
    assert not people["agent"].is_active
    assert browser.get("/cases/").status_code == 302
    assert "Deactivated" in client.get(f"/people/{people['agent'].pk}/").content.decode()


def test_an_admin_cannot_deactivate_themselves(client, people):
    client.force_login(people["admin"])
    response = client.post(
        f"/people/{people['admin'].pk}/deactivate/", {"deactivate-reason": "oops", "deactivate-confirm": "on"}
    )
    assert response.status_code == 400
    assert "You cannot deactivate yourself." in response.content.decode()
    people["admin"].refresh_from_db()
    assert people["admin"].is_active


def test_only_administrators_deactivate(client, people):
    client.force_login(people["manager"])
    response = client.post(
        f"/people/{people['agent'].pk}/deactivate/", {"deactivate-reason": "x", "deactivate-confirm": "on"}
    )
    assert response.status_code == 403
    people["agent"].refresh_from_db()
    assert people["agent"].is_active


def test_reactivation_lets_the_person_in_but_keeps_old_tokens_revoked(client, people):
    # given
    _, key = api_token_create(created_by=people["agent"], name="script")
    person_deactivate(person=people["agent"], actor=people["admin"], reason="on leave")
    client.force_login(people["admin"])
    # when
    response = client.post(f"/people/{people['agent'].pk}/reactivate/", {"reactivate-confirm": "on"})
    # then
    assert response.status_code == 302
    people["agent"].refresh_from_db()
    assert people["agent"].is_active
    assert signed_in(people["agent"]).get("/cases/").status_code == 200
    assert token_client(key).get("/api/v1/cases/").status_code == 401
    assert AuditEvent.objects.filter(verb="person.reactivated", target_id=str(people["agent"].pk)).exists()


def test_reactivating_an_active_person_changes_nothing(people):
    person_reactivate(person=people["agent"], actor=people["admin"])
    assert not AuditEvent.objects.filter(verb="person.reactivated").exists()
