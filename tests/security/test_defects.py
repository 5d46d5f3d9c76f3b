"""#12 defects 5, 7 and 8, each through HTTP only, so they ran unchanged against the code before
the fixes (where each of them failed)."""

import base64
import hashlib
import hmac
import json

import pytest
from django.test import Client

from cxloop.org.models import Membership
from cxloop.org.services import api_token_create
from tests.factories import SourceFactory
from tests.feedback.webhook_helpers import STANDARD_SECRET, body_of, standard_payload
from tests.outerloop.factories import SignalFactory

pytestmark = pytest.mark.django_db


# --- 5: server errors on bad input ------------------------------------------------------------


@pytest.mark.parametrize("page", ["1" + "0" * 29, "-1", "0", "abc", "99999999999"])
def test_a_queue_page_no_queue_has_is_a_bad_request(client, people, page):
    client.force_login(people["agent"])
    assert client.get("/cases/", {"page": page}).status_code == 400


@pytest.mark.parametrize(
    ("parameter", "value"), [("offset", "1" + "0" * 29), ("offset", "-5"), ("limit", "abc"), ("limit", "0")]
)
def test_an_api_page_no_table_has_is_a_bad_request_naming_the_parameter(client, people, parameter, value):
    # A limit above 1,000 is documented to give 1,000 rows, so only a limit that is no number is wrong.
    client.force_login(people["agent"])
    response = client.get("/api/v1/cases/", {parameter: value})
    assert response.status_code == 400
    assert parameter in response.json()


def test_a_signed_standard_webhook_with_a_timestamp_no_calendar_holds_is_refused(client):
    # given: signed correctly, with webhook-timestamp 999999999999 (the year 33658)
    SourceFactory(slug="hooked", signing_secret=STANDARD_SECRET, field_mapping={
        "adapter": "standard", "fields": {"external_id": "$.data.response_id"}})  # fmt: skip
    body = body_of(standard_payload())
    timestamp = "999999999999"
    key = base64.b64decode(STANDARD_SECRET.removeprefix("whsec_"))
    signature = base64.b64encode(
        hmac.new(key, f"msg_1.{timestamp}.".encode() + body, hashlib.sha256).digest()
    )
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": timestamp,
        "webhook-signature": f"v1,{signature.decode()}",
    }
    # when
    response = client.post("/hooks/hooked/", data=body, content_type="application/json", headers=headers)
    # then
    assert response.status_code == 401


# --- 7: integration tokens --------------------------------------------------------------------


@pytest.fixture
def integration(people):
    token, key = api_token_create(created_by=people["admin"], name="Survey tool", integration=True)
    return token, Client(headers={"Authorization": f"Token {key}"})


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_an_integration_token_cannot_read_the_schema_or_the_docs(integration, people, url):
    # given
    _, client = integration
    person = Client()
    person.force_login(people["agent"])
    # then
    assert client.get(url).status_code == 403
    assert person.get(url).status_code == 200


def test_an_integrations_service_user_holds_no_role_and_is_offered_in_no_picker(integration, client, people):
    # given
    token, _ = integration
    signal = SignalFactory()
    client.force_login(people["admin"])
    # then: not among the people, nor among those who can own an initiative
    assert not Membership.objects.filter(user=token.user).exists()
    assert token.user.username not in client.get("/people/").content.decode()
    assert token.user.username not in client.get(f"/signals/{signal.pk}/").content.decode()
    promote = client.post(
        f"/api/v1/signals/{signal.pk}/promote/",
        data=json.dumps({"title": "Fix it", "problem": "It breaks.", "owner": token.user.username}),
        content_type="application/json",
    )
    assert promote.status_code == 400
    assert "owner" in promote.json()


# --- 8: the API's body limit ------------------------------------------------------------------


def test_the_api_takes_the_16_mib_the_readme_promises_and_answers_json_413_above(client, people):
    # given: 350 items with long comments (3.2 MB, over Django's 2.5 MiB form limit), then 18 MB
    SourceFactory(slug="notes", kind="store")
    client.force_login(people["admin"])
    items = [{"source": "notes", "external_id": f"n-{i}", "comment": "a" * 9_000} for i in range(350)]
    too_big = json.dumps(items) + " " * 15_000_000
    # when
    taken = client.post("/api/v1/feedback/", data=json.dumps(items), content_type="application/json")
    refused = client.post("/api/v1/feedback/", data=too_big, content_type="application/json")
    # then
    assert taken.status_code == 201
    assert refused.status_code == 413
    assert refused["Content-Type"] == "application/json"
    assert "larger than the limit of 16,777,216 bytes" in refused.json()["detail"]
