"""API tokens: scopes enforced per request, an expiry, rotation, and when each was last used."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django.utils.formats import date_format
from freezegun import freeze_time
from rest_framework.test import APIClient

from cxloop.core.exceptions import ApplicationError
from cxloop.core.models import AuditEvent
from cxloop.org.models import ApiToken
from cxloop.org.services import api_token_create, api_token_revoke, api_token_rotate

pytestmark = pytest.mark.django_db


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def token_for(user, *scopes: str, **kwargs):
    return api_token_create(created_by=user, name="t", scopes=scopes, **kwargs)


# --- scopes -----------------------------------------------------------------------------------------


def test_a_read_token_reads_but_cannot_act_on_cases(people):
    _, key = token_for(people["agent"], "read")
    client = client_with(key)
    assert client.get("/api/v1/cases/").status_code == 200
    assert client.get("/api/v1/feedback/").status_code == 200
    response = client.post("/api/v1/cases/claim-next/")
    assert response.status_code == 403
    assert response.json()["detail"] == "This token lacks the 'cases' scope."


def test_a_cases_token_acts_on_cases(people):
    _, key = token_for(people["agent"], "cases")
    client = client_with(key)
    assert client.post("/api/v1/cases/claim-next/").status_code in (200, 204)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 403
    assert response.json()["detail"] == "This token lacks the 'read' scope."


def test_metrics_need_the_metrics_scope(people):
    _, reader = token_for(people["manager"], "read")
    _, analyst = token_for(people["manager"], "metrics")
    for url in ("/api/v1/metrics/nps/", "/api/v1/metrics/loop-closure/"):
        refused = client_with(reader).get(url)
        assert refused.status_code == 403
        assert refused.json()["detail"] == "This token lacks the 'metrics' scope."
        assert client_with(analyst).get(url).status_code == 200


def test_sending_feedback_needs_the_ingest_scope(people):
    _, reader = token_for(people["agent"], "read")
    _, sender = token_for(people["agent"], "ingest")
    refused = client_with(reader).post("/api/v1/feedback/", {"source": "nowhere"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This token lacks the 'ingest' scope."
    # an ingest token gets past the scope check: the body is judged next (an unknown source)
    assert (
        client_with(sender).post("/api/v1/feedback/", {"source": "nowhere"}, format="json").status_code == 400
    )
    assert client_with(sender).get("/api/v1/feedback/").status_code == 403


def test_writes_elsewhere_in_the_loop_need_the_cases_scope(people):
    _, key = token_for(people["manager"], "read")
    response = client_with(key).post("/api/v1/signals/1/dismiss/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This token lacks the 'cases' scope."


def test_sessions_are_not_limited_by_scopes(client, people):
    client.force_login(people["manager"])
    assert client.get("/api/v1/metrics/nps/").status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200


def test_an_integration_token_only_sends_feedback(people):
    token, key = api_token_create(created_by=people["admin"], name="sync", integration=True)
    assert token.scopes == ["ingest"]
    response = client_with(key).get("/api/v1/feedback/")
    assert response.status_code == 403
    assert client_with(key).get("/api/v1/metrics/nps/").status_code == 403


def test_unknown_or_no_scopes_are_refused(people):
    with pytest.raises(ApplicationError, match="Unknown scope"):
        token_for(people["agent"], "admin")
    with pytest.raises(ApplicationError, match="at least one scope"):
        token_for(people["agent"])
    with pytest.raises(ApplicationError):
        api_token_create(created_by=people["agent"], name="t", scopes=[])


def test_without_named_scopes_a_personal_token_holds_all_four(people):
    token, _ = api_token_create(created_by=people["agent"], name="t")
    assert token.scopes == ["ingest", "read", "cases", "metrics"]


# --- expiry -----------------------------------------------------------------------------------------


def test_a_token_expires_after_90_days_by_default(people):
    with freeze_time("2026-01-01 12:00:00") as clock:
        token, key = token_for(people["agent"], "read")
        assert token.expires_at == timezone.now() + timedelta(days=90)
        clock.tick(timedelta(days=89, hours=23))
        assert client_with(key).get("/api/v1/cases/").status_code == 200
        clock.tick(timedelta(hours=2))
        response = client_with(key).get("/api/v1/cases/")
        assert response.status_code == 401
        assert response.json()["detail"] == "Token expired."
        client_with(key).get("/api/v1/cases/")
    # the expired key in use is audited, once (not on every request)
    assert AuditEvent.objects.filter(verb="api_token.expired_used", target_id=str(token.pk)).count() == 1


def test_the_creator_may_pick_a_shorter_life_but_not_a_longer_one(people):
    token, _ = token_for(people["agent"], "read", expires_in_days=7)
    assert token.expires_at - token.created_at < timedelta(days=7, seconds=5)
    with pytest.raises(ApplicationError, match="between 1 and 90 days"):
        token_for(people["agent"], "read", expires_in_days=91)


@override_settings(CXLOOP_API_TOKEN_DAYS=30)
def test_the_default_life_comes_from_the_settings(people):
    token, _ = token_for(people["agent"], "read")
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


# --- rotation ---------------------------------------------------------------------------------------


def test_rotation_gives_a_new_key_and_the_old_one_stops_at_once(people):
    # given
    token, old_key = token_for(people["agent"], "read", expires_in_days=10)
    # when
    with freeze_time(timezone.now() + timedelta(days=5)):
        rotated, new_key = api_token_rotate(token=token, actor=people["agent"])
        # then: same record, same scopes, a fresh life of the same length
        assert rotated.pk == token.pk
        assert rotated.scopes == ["read"]
        assert rotated.expires_at == timezone.now() + timedelta(days=10)
        assert client_with(old_key).get("/api/v1/cases/").status_code == 401
        assert client_with(new_key).get("/api/v1/cases/").status_code == 200
    assert AuditEvent.objects.filter(verb="api_token.rotated", target_id=str(token.pk)).exists()


@override_settings(CXLOOP_API_TOKEN_ROTATION_GRACE_SECONDS=300)
def test_with_a_grace_the_old_key_works_a_little_longer(people):
    token, old_key = token_for(people["agent"], "read")
    with freeze_time() as clock:
        _, new_key = api_token_rotate(token=token, actor=people["agent"])
        assert client_with(old_key).get("/api/v1/cases/").status_code == 200
        assert client_with(new_key).get("/api/v1/cases/").status_code == 200
        clock.tick(301)
        assert client_with(old_key).get("/api/v1/cases/").status_code == 401


@override_settings(CXLOOP_API_TOKEN_ROTATION_GRACE_SECONDS=300)
def test_revoking_ends_the_grace_of_a_replaced_key_too(people):
    token, old_key = token_for(people["agent"], "read")
    api_token_rotate(token=token, actor=people["agent"])
    api_token_revoke(token=token, actor=people["agent"])
    assert client_with(old_key).get("/api/v1/cases/").status_code == 401


def test_a_revoked_token_cannot_be_rotated(people):
    token, _ = token_for(people["agent"], "read")
    api_token_revoke(token=token, actor=people["agent"])
    with pytest.raises(ApplicationError, match="revoked"):
        api_token_rotate(token=token, actor=people["agent"])


# --- the tokens page --------------------------------------------------------------------------------


def test_the_tokens_page_shows_scopes_expiry_and_last_use(client, people):
    used, key = token_for(people["lead"], "read", "metrics")
    api_token_create(created_by=people["lead"], name="idle", scopes=["cases"])
    client_with(key).get("/api/v1/cases/")
    used.refresh_from_db()
    client.force_login(people["lead"])
    page = client.get("/settings/api-tokens/").content.decode()
    assert "Read, Metrics" in page
    # in the reader's locale's short format
    assert date_format(used.expires_at, "SHORT_DATETIME_FORMAT") in page
    assert date_format(used.last_used_at, "SHORT_DATETIME_FORMAT") in page
    assert "never used" in page


def test_the_page_creates_a_token_with_chosen_scopes_and_life(client, people):
    client.force_login(people["agent"])
    response = client.post(
        "/settings/api-tokens/", {"name": "report", "scopes": ["read", "cases"], "expires_in_days": "30"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="report")
    assert token.scopes == ["read", "cases"]
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "x"}, "Pick at least one scope."),
        ({"name": "x", "scopes": ["read"], "expires_in_days": "365"}, "less than or equal to 90"),
        ({"name": "x", "scopes": ["root"]}, "Select a valid choice"),
    ],
)
def test_the_page_refuses_bad_input_with_a_reason(client, people, data, error):
    client.force_login(people["agent"])
    response = client.post("/settings/api-tokens/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not ApiToken.objects.exists()


def test_rotating_on_the_page_shows_the_new_key_once(client, people):
    token, old_key = token_for(people["lead"], "read")
    client.force_login(people["lead"])
    response = client.post(f"/settings/api-tokens/{token.pk}/rotate/", {f"rotate-{token.pk}-confirm": "on"})
    new_key = response.context["new_key"]
    assert response.status_code == 200
    assert new_key.startswith("cxl_")
    assert new_key in response.content.decode()
    assert new_key not in client.get("/settings/api-tokens/").content.decode()
    assert client_with(new_key).get("/api/v1/cases/").status_code == 200
    assert client_with(old_key).get("/api/v1/cases/").status_code == 401


def test_nobody_rotates_someone_elses_token(client, people):
    token, key = token_for(people["lead"], "read")
    client.force_login(people["agent"])
    confirmed = {f"rotate-{token.pk}-confirm": "on"}
    assert client.post(f"/settings/api-tokens/{token.pk}/rotate/", confirmed).status_code == 404
    assert client_with(key).get("/api/v1/cases/").status_code == 200
