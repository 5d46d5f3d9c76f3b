"""Trustpilot, App Store Connect customer reviews and Qualtrics event subscriptions (#13, item 7),
each with the payload shape its documentation gives (values ours) and its own way of proving the
sender: a secret in the URL, Standard Webhooks from the relay, Qualtrics' HMAC form field."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from feedback.intake.webhooks.adapters.trustpilot import PRESET as TRUSTPILOT_PRESET
from feedback.models import Feedback
from feedback.models.webhooks import WebhookDeadLetter
from tests.factories import SourceFactory

from .webhook_helpers import (
    OTHER_STANDARD_SECRET,
    QUALTRICS_KEY,
    SHARED_DATA,
    STANDARD_SECRET,
    TRUSTPILOT_TOKEN,
    appstore_page,
    appstore_review,
    body_of,
    qualtrics_form,
    qualtrics_msg,
    standard_headers,
    trustpilot_event,
    trustpilot_payload,
)

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
NOW = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def vendor_source(adapter: str, *, slug: str, kind: str, secret: str, **mapping):
    return SourceFactory(
        slug=slug, kind=kind, signing_secret=secret, field_mapping={"adapter": adapter, **mapping}
    )


# Trustpilot: several events per delivery, a secret in the URL


@pytest.fixture
def trustpilot():
    return vendor_source("trustpilot", slug="trustpilot", kind="review_site", secret=TRUSTPILOT_TOKEN)


def to_trustpilot(client, payload: dict, token: str | None = TRUSTPILOT_TOKEN):
    query = f"?token={token}" if token is not None else ""
    return client.post(f"/hooks/trustpilot/{query}", data=body_of(payload), content_type="application/json")


def test_a_two_event_trustpilot_delivery_stores_two_reviews(client, trustpilot):
    # given
    payload = trustpilot_payload(
        trustpilot_event("tp-1", 2, "Arrived broken."), trustpilot_event("tp-2", 5, "Lovely staff.")
    )
    # when
    answer = to_trustpilot(client, payload)
    retry = to_trustpilot(client, payload)
    # then
    assert answer.status_code == 201
    assert [(r["external_id"], r["status"]) for r in answer.json()] == [
        ("tp-1", "created"),
        ("tp-2", "created"),
    ]
    assert [r["status"] for r in retry.json()] == ["duplicate", "duplicate"]
    assert sorted(Feedback.objects.values_list("external_id", "scale", "score", "comment")) == [
        ("tp-1", "csat", 2, "Arrived broken."),
        ("tp-2", "csat", 5, "Lovely staff."),
    ]


def test_a_trustpilot_review_keeps_its_time_and_what_identifies_it(client, trustpilot):
    # when
    to_trustpilot(client, trustpilot_payload(trustpilot_event("tp-1", 2, "Arrived broken.")))
    # then
    feedback = Feedback.objects.get()
    assert feedback.occurred_at == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert feedback.customer is None
    assert feedback.metadata == {
        "title": "Parcel",
        "language": "en",
        "reference_id": "order-tp-1",
        "trustpilot_consumer_id": "consumer-tp-1",
        "location_id": "loc-1",
        "verified": True,
    }


def test_an_edited_trustpilot_review_updates_its_row_and_a_deleted_one_is_ignored(client, trustpilot):
    # given
    to_trustpilot(client, trustpilot_payload(trustpilot_event("tp-1", 2, "Arrived broken.")))
    edited = trustpilot_event("tp-1", 4, "Replaced quickly.", event="service-review-updated")
    deleted = trustpilot_event("tp-9", 1, "Gone.", event="service-review-deleted")
    # when
    answer = to_trustpilot(client, trustpilot_payload(edited, deleted))
    # then
    assert answer.status_code == 200
    assert answer.json()[0]["status"] == "updated"
    assert answer.json()[1]["status"] == "ignored"
    assert Feedback.objects.values_list("score", "comment").get() == (4, "Replaced quickly.")


def test_a_trustpilot_event_without_stars_text_or_id_is_refused_and_kept(client, trustpilot):
    # given
    payload = trustpilot_payload(
        trustpilot_event("tp-1", 3, "Fine."),
        trustpilot_event("tp-2", None, None),
        trustpilot_event(None, 4, "No id."),
    )
    # when
    answer = to_trustpilot(client, payload)
    # then
    assert answer.status_code == 207
    assert answer.json()[1]["errors"]["score"] == ["nothing found at $.eventData.stars."]
    assert answer.json()[2]["errors"] == {"external_id": ["nothing found at $.eventData.id."]}
    assert WebhookDeadLetter.objects.get().reason == "2 of 3 items: missing comment, external_id, score"
    assert Feedback.objects.get().external_id == "tp-1"


@pytest.mark.parametrize(
    ("token", "expected"),
    [(TRUSTPILOT_TOKEN, 201), ("tp-forged-token-0000000000000000", 401), ("", 401), (None, 401)],
    ids=["good", "forged", "empty", "missing"],
)
def test_trustpilot_deliveries_need_the_sources_secret_in_the_url(client, trustpilot, token, expected):
    # when
    answer = to_trustpilot(client, trustpilot_payload(trustpilot_event("tp-1", 5, "Great.")), token=token)
    # then
    assert answer.status_code == expected
    assert Feedback.objects.count() == (1 if expected == 201 else 0)
    assert WebhookDeadLetter.objects.count() == 0


def test_a_trustpilot_delivery_with_the_previous_secret_is_stored_and_says_so_when_kept(client):
    # given
    SourceFactory(
        slug="trustpilot",
        signing_secret="tp-new-token-for-tests-only-000000",
        previous_signing_secret=TRUSTPILOT_TOKEN,
        field_mapping={"adapter": "trustpilot"},
    )
    # when
    answer = to_trustpilot(client, trustpilot_payload(trustpilot_event("tp-1", None, None)))
    # then
    assert answer.status_code == 422
    assert WebhookDeadLetter.objects.get().signature == "trustpilot: previous secret"


TRUSTPILOT_SCHEMA = SHARED_DATA / "vendor_schemas" / "airbyte_source_trustpilot_private_reviews.json"
needs_schema = pytest.mark.skipif(
    not TRUSTPILOT_SCHEMA.exists(),
    reason=f"Trustpilot review schema not at {TRUSTPILOT_SCHEMA}; set CXLOOP_SHARED_DATA to ../shared/data",
)


@needs_schema
def test_the_review_fields_the_trustpilot_preset_reads_are_named_by_trustpilots_review_schema():
    # given: the webhook's eventData is a review; the API's review schema names its fields
    schema = json.loads(TRUSTPILOT_SCHEMA.read_text())
    known = set(schema["properties"]) | {
        f"consumer.{key}" for key in schema["properties"]["consumer"]["properties"]
    }
    # webhook-only names: the consumer's name and the location's id are flat in the webhook
    webhook_only = {"locationId", "consumer.name"}
    # when
    read = {
        path.removeprefix("$.eventData.")
        for path in TRUSTPILOT_PRESET["fields"].values()
        if path.startswith("$.eventData.")
    }
    # then
    assert read - webhook_only <= known


# App Store Connect: the API's list of customer reviews, pushed by a relay (Standard Webhooks)


@pytest.fixture
def appstore():
    return vendor_source("appstore", slug="app-store", kind="store", secret=STANDARD_SECRET)


def to_appstore(client, payload: dict, secret: str = STANDARD_SECRET, at: datetime | None = None):
    body = body_of(payload)
    headers = standard_headers(body, secret, at=at, msg_id="page-00000028")
    return client.post("/hooks/app-store/", data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("count", [2, 3])
def test_an_app_store_page_stores_each_review_once(client, appstore, count):
    # given
    page = appstore_page(*(appstore_review(f"0000-{n}", n + 1, f"Review {n}.") for n in range(count)))
    # when
    answer = to_appstore(client, page)
    retry = to_appstore(client, page)
    # then
    assert answer.status_code == 201
    assert [r["status"] for r in retry.json()] == ["duplicate"] * count
    assert Feedback.objects.count() == count


def test_an_app_store_review_is_a_csat_score_with_its_body_title_and_territory(client, appstore):
    # when
    to_appstore(client, appstore_page(appstore_review("0000-1", 1, "Crashes at checkout.")))
    # then
    feedback = Feedback.objects.get()
    assert (feedback.external_id, feedback.scale, feedback.score) == ("0000-1", "csat", 1)
    assert feedback.comment == "Crashes at checkout."
    assert feedback.occurred_at == datetime(2026, 2, 28, 2, 5, tzinfo=UTC)
    assert feedback.metadata == {"title": "Checkout", "territory": "GBR"}


@pytest.mark.parametrize(
    ("secret", "age", "expected"),
    [
        (STANDARD_SECRET, timedelta(minutes=4), 201),
        (OTHER_STANDARD_SECRET, timedelta(0), 401),
        (STANDARD_SECRET, timedelta(minutes=6), 401),
    ],
    ids=["good", "forged", "stale"],
)
def test_app_store_pages_are_signed_by_the_relay(client, appstore, secret, age, expected):
    # when
    with freeze_time(NOW):
        answer = to_appstore(
            client, appstore_page(appstore_review("0000-1", 5, "Nice.")), secret, at=NOW - age
        )
    # then
    assert answer.status_code == expected
    assert Feedback.objects.count() == (1 if expected == 201 else 0)


# Qualtrics: a form with Topic and MSG (JSON text), signed with HMAC over MSG


def qualtrics_source(**mapping):
    return vendor_source("qualtrics", slug="qualtrics", kind="survey", secret=QUALTRICS_KEY, **mapping)


def to_qualtrics(client, body: bytes):
    return client.post("/hooks/qualtrics/", data=body, content_type=FORM)


def test_a_completed_response_event_alone_holds_no_answers_so_it_is_422_and_kept(client):
    # given
    qualtrics_source(timezone="Europe/Berlin")
    # when
    answer = to_qualtrics(client, qualtrics_form(qualtrics_msg()))
    # then
    assert answer.status_code == 422
    assert answer.json()["external_id"] == "R_1abcDEF"
    assert answer.json()["errors"]["score"] == ["the mapping names no path for it."]
    assert Feedback.objects.count() == 0
    letter = WebhookDeadLetter.objects.get()
    assert (letter.reason, letter.content_type, letter.signature) == (
        "missing comment, score",
        FORM,
        "qualtrics: current secret",
    )


def test_a_qualtrics_form_with_answers_in_msg_is_stored_in_the_sources_zone(client):
    # given
    qualtrics_source(
        timezone="Europe/Berlin",
        fields={"score": "$.MSG.NPS", "comment": "$.MSG.Why"},
        defaults={"scale": "nps"},
    )
    body = qualtrics_form(qualtrics_msg(NPS="3", Why="The survey link expired."))
    # when
    answer = to_qualtrics(client, body)
    retry = to_qualtrics(client, body)
    # then
    assert answer.status_code == 201
    assert retry.json()["status"] == "duplicate"
    feedback = Feedback.objects.get()
    assert (feedback.external_id, feedback.scale, feedback.score) == ("R_1abcDEF", "nps", 3)
    assert feedback.comment == "The survey link expired."
    assert feedback.occurred_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert feedback.metadata == {"survey_id": "SV_9xyz", "status": "Complete"}


def test_a_qualtrics_event_of_another_topic_is_ignored(client):
    # given
    qualtrics_source()
    body = qualtrics_form(qualtrics_msg(), topic="acme.surveyengine.partialResponse.SV_9xyz")
    # when
    answer = to_qualtrics(client, body)
    # then
    assert (answer.status_code, answer.json()["status"]) == (200, "ignored")
    assert WebhookDeadLetter.objects.count() == 0


@pytest.mark.parametrize("secret", ["another-shared-key", None], ids=["forged", "unsigned"])
def test_a_qualtrics_form_without_our_hmac_is_401(client, secret):
    # given
    qualtrics_source()
    # when
    answer = to_qualtrics(client, qualtrics_form(qualtrics_msg(), secret=secret))
    # then
    assert answer.status_code == 401
    assert WebhookDeadLetter.objects.count() == 0


def test_a_qualtrics_msg_changed_after_signing_is_401(client):
    # given
    qualtrics_source()
    signed = qualtrics_form(qualtrics_msg())
    tampered = signed.replace(b"R_1abcDEF", b"R_2abcDEF")
    # when
    answer = to_qualtrics(client, tampered)
    # then
    assert answer.status_code == 401
