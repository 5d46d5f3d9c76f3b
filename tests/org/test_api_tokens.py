import pytest
from rest_framework.test import APIClient

from cxloop.core.models import AuditEvent
from cxloop.org.models import ApiToken
from cxloop.org.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def client_with(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_personal_token_acts_as_its_owner(people):
    # given
    token, key = api_token_create(created_by=people["agent"], name="my scripts")
    # when
    response = client_with(key).get("/api/v1/sources/")
    # then
    assert response.status_code == 200
    assert token.user == people["agent"]
    assert key not in token.key_hash
    assert AuditEvent.objects.filter(verb="api_token.created", target_id=str(token.pk)).exists()


def test_revoked_and_unknown_tokens_are_refused(people):
    # given
    token, key = api_token_create(created_by=people["agent"], name="old")
    api_token_revoke(token=token, actor=people["agent"])
    # then
    assert client_with(key).get("/api/v1/sources/").status_code == 401
    assert client_with("cxl_not-a-key").get("/api/v1/sources/").status_code == 401


def test_tokens_page_shows_a_new_key_once(client, people):
    # given
    client.force_login(people["lead"])
    # when
    created = client.post("/settings/api-tokens/", {"name": "reporting", "scopes": ["read", "metrics"]})
    listed = client.get("/settings/api-tokens/")
    # then
    token = ApiToken.objects.get(name="reporting")
    assert created.status_code == 200
    assert token.scopes == ["read", "metrics"]
    assert "cxl_" in created.content.decode()
    assert token.key_prefix in listed.content.decode()
    assert created.context["new_key"] not in listed.content.decode()


def test_only_admins_create_integration_tokens(client, people):
    client.force_login(people["agent"])
    response = client.post("/settings/api-tokens/", {"name": "sync", "integration": "on"})
    assert response.status_code == 400
    assert "Only administrators create integration tokens." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_integration_token_acts_as_a_service_user(client, people):
    # given
    client.force_login(people["admin"])
    # when
    client.post("/settings/api-tokens/", {"name": "Typeform sync", "integration": "on", "scopes": ["cases"]})
    # then
    token = ApiToken.objects.get()
    assert token.is_integration
    assert token.scopes == ["ingest"]  # an integration only sends feedback, whatever was ticked
    assert token.user.username == "integration-typeform-sync"
    assert not token.user.has_usable_password()


def test_nobody_revokes_someone_elses_token(client, people):
    # given
    token, _ = api_token_create(created_by=people["lead"], name="lead's")
    client.force_login(people["agent"])
    # when
    response = client.post(f"/settings/api-tokens/{token.pk}/revoke/", {f"revoke-{token.pk}-confirm": "on"})
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
