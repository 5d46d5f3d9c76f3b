"""POST /api/v1/feedback/ as DESIGN.md section 5 specifies it."""

import json

import pytest
from rest_framework.test import APIClient

from feedback.models import Customer, Feedback
from tests.factories import SourceFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/feedback/"


@pytest.fixture
def api(people):
    client = APIClient()
    client.force_authenticate(people["admin"])
    return client


@pytest.fixture
def survey(db):
    return SourceFactory(slug="nps-survey", name="NPS survey")


def item(**overrides):
    body = {
        "source": "nps-survey",
        "external_id": "r-1",
        "scale": "nps",
        "score": 3,
        "comment": "The parcel arrived late and nobody called me back.",
        "occurred_at": "2026-11-01T09:30:00+01:00",
        "customer": {
            "external_id": "c-1",
            "name": "Ada Lovelace",
            "email": "Ada@Example.test",
            "annual_value": "12000",
        },
        "metadata": {"survey": "post-delivery"},
    }
    body.update(overrides)
    return body


def post(api, body, **extra):
    return api.post(URL, data=json.dumps(body), content_type="application/json", **extra)


def test_single_item_is_created_with_its_customer(api, survey):
    # when
    response = post(api, item())
    # then
    assert response.status_code == 201
    assert response.json()["status"] == "created"
    feedback = Feedback.objects.get(pk=response.json()["id"])
    assert (feedback.source, feedback.external_id, feedback.score) == (survey, "r-1", 3)
    assert feedback.customer.email == "ada@example.test"
    assert feedback.customer.value_tier == Customer.ValueTier.TOP
    assert feedback.occurred_at.isoformat() == "2026-11-01T08:30:00+00:00"


def test_repeat_is_a_duplicate_and_a_later_comment_is_an_update(api, survey):
    # given
    first = post(api, item(comment=""))
    # when
    again = post(api, item(comment=""))
    later = post(api, item(comment="Now with a comment"))
    # then
    assert again.status_code == 200
    assert again.json() == {**first.json(), "status": "duplicate"}
    assert later.json()["status"] == "updated"
    assert later.json()["id"] == first.json()["id"]
    assert Feedback.objects.count() == 1
    assert Feedback.objects.get().comment == "Now with a comment"


def test_array_answers_per_row_in_order_and_keeps_good_rows(api, survey):
    # given
    body = [
        item(external_id="a"),
        item(external_id="b", score=11),
        item(external_id="c"),
        item(external_id="a"),
    ]
    # when
    response = post(api, body)
    # then
    assert response.status_code == 207
    assert [(r["external_id"], r["status"]) for r in response.json()] == [
        ("a", "created"),
        ("b", "error"),
        ("c", "created"),
        ("a", "duplicate"),
    ]
    assert response.json()[1]["errors"] == {"score": ["must be between 0 and 10 on the nps scale."]}
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["a", "c"]


def test_array_of_new_rows_is_201(api, survey):
    response = post(api, [item(external_id=str(n)) for n in range(5)])
    assert response.status_code == 201
    assert {r["status"] for r in response.json()} == {"created"}


def test_more_than_1000_items_is_refused_whole(api, survey):
    response = post(api, [item(external_id=str(n)) for n in range(1001)])
    assert response.status_code == 400
    assert Feedback.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"score": 11}, "score"),
        ({"score": -1}, "score"),
        ({"score": True}, "score"),
        ({"score": "٩"}, "score"),
        ({"score": "9"}, "score"),
        ({"score": 9.5}, "score"),
        ({"scale": "csat", "score": 0}, "score"),
        ({"scale": "stars"}, "scale"),
        ({"scale": None, "score": 5}, "scale"),
        ({"comment": "bad \x00 byte"}, "comment"),
        ({"comment": "x" * 10_001}, "comment"),
        ({"external_id": "nul\x00"}, "external_id"),
        ({"touchpoint": "no-such-touchpoint"}, "touchpoint"),
        ({"journey_stage": "nowhere"}, "journey_stage"),
        ({"team": "no-team"}, "team"),
        ({"source": "unknown-source"}, "source"),
        ({"occurred_at": "2026-11-01T09:30:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00+00:00"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T00:00:00+00:00"}, "occurred_at"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"metadata": {"k": "v\x00"}}, "metadata"),
        ({"customer": {"name": "No id"}}, "customer"),
        ({"customer": {"external_id": "c", "annual_value": "-5"}}, "customer"),
    ],
)
def test_bad_item_is_a_400_naming_the_field_and_stores_nothing(api, survey, overrides, field):
    # when
    response = post(api, item(**overrides))
    # then
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert field in response.json()["errors"]
    assert Feedback.objects.count() == 0


def test_missing_required_keys_are_named(api, survey):
    response = post(api, {"comment": "no source, no id"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"source", "external_id"}


def test_inactive_source_is_refused(api):
    SourceFactory(slug="old-survey", active=False)
    response = post(api, item(source="old-survey"))
    assert response.status_code == 400
    assert "source" in response.json()["errors"]


def test_known_touchpoint_is_linked(api, survey):
    TouchpointFactory(slug="delivery")
    response = post(api, item(touchpoint="delivery"))
    assert response.status_code == 201
    assert Feedback.objects.get().touchpoint.slug == "delivery"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"source": "nps-survey", ', "application/json"),
        ('{"source": "nps-survey", "external_id": "x", "scale": "nps", "score": NaN}', "application/json"),
        ("[" * 10_000 + "]" * 10_000, "application/json"),
        ("source=nps-survey&external_id=x", "text/plain"),
        ("source=nps-survey&external_id=x", "application/x-www-form-urlencoded"),
        ('"just a string"', "application/json"),
        ('{"source": "nps-survey", "external_id": "x", "metadata": {"n": 1e400}}', "application/json"),
    ],
    ids=["malformed", "nan", "deep-nesting", "text-plain", "form", "scalar", "beyond-a-double"],
)
def test_unusable_body_is_400_and_stores_nothing(api, survey, body, content_type):
    response = api.post(URL, data=body, content_type=content_type)
    assert response.status_code == 400
    assert Feedback.objects.count() == 0


def test_an_integer_beyond_64_bits_in_the_metadata_is_kept_and_listed(api, survey):
    # given: JSON numbers have no size limit, and metadata is kept as sent
    big = 2**80
    # when
    created = post(api, item(metadata={"order": big}))
    listed = api.get(URL)
    # then
    assert created.status_code == 201
    assert listed.status_code == 200
    assert listed.json()["results"][0]["metadata"] == {"order": big}


def test_body_over_the_limit_is_413(api, survey, settings):
    settings.CXLOOP_API_MAX_BODY_BYTES = 1000
    response = post(api, item(comment="x" * 2000))
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]


def test_anonymous_caller_is_refused(survey):
    response = APIClient().post(URL, data=json.dumps(item()), content_type="application/json")
    assert response.status_code in (401, 403)
    assert Feedback.objects.count() == 0


def test_token_authentication(people, survey):
    from cxloop.org.services import api_token_create

    token, key = api_token_create(created_by=people["admin"], name="survey sync", integration=True)
    survey.integration_tokens.add(token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert post(client, item()).status_code == 201
    # an ingest-only token cannot read
    assert client.get(URL).status_code == 403


def test_sources_are_listed(api, survey):
    SourceFactory(slug="call-notes", name="Call notes", kind="call_centre")
    response = api.get("/api/v1/sources/")
    assert response.status_code == 200
    assert {
        "slug": "call-notes",
        "kind": "call_centre",
        "name": "Call notes",
        "active": True,
    } in response.json()
