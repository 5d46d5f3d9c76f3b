"""Webhooks at /hooks/<source-slug>/: verified before anything is stored, stored exactly once."""

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from feedback.models import Customer, Feedback
from tests.factories import SourceFactory, TouchpointFactory

from .webhook_helpers import (
    DELIGHTED_SAMPLE,
    OTHER_STANDARD_SECRET,
    SIGNERS,
    STANDARD_MAPPING,
    STANDARD_SECRET,
    body_of,
    delighted_payload,
    standard_payload,
    typeform_payload,
    zendesk_payload,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


@dataclass
class Vendor:
    name: str
    secret: str
    previous_secret: str
    forged_secret: str
    payload: dict
    field_mapping: dict

    def sign(self, body: bytes, secret: str | None = None) -> dict:
        return SIGNERS[self.name](body, self.secret if secret is None else secret)


VENDORS = {
    "typeform": Vendor(
        "typeform", "tf-current", "tf-previous", "tf-forged", typeform_payload(), {"adapter": "typeform"}
    ),
    "delighted": Vendor(
        "delighted", "dl-current", "dl-previous", "dl-forged", delighted_payload(), {"adapter": "delighted"}
    ),
    "zendesk": Vendor(
        "zendesk", "zd-current", "zd-previous", "zd-forged", zendesk_payload(), {"adapter": "zendesk"}
    ),
    "standard": Vendor(
        "standard",
        STANDARD_SECRET,
        OTHER_STANDARD_SECRET,
        "whsec_" + "Zm9yZ2VkLWtleS1mb3ItdGVzdHMtb25seS0wMDAwMA==",
        standard_payload(),
        STANDARD_MAPPING,
    ),
}


@pytest.fixture(params=sorted(VENDORS))
def vendor(request) -> Vendor:
    return VENDORS[request.param]


def source_for(vendor: Vendor, **overrides):
    fields = {
        "slug": f"{vendor.name}-hook",
        "signing_secret": vendor.secret,
        "previous_signing_secret": vendor.previous_secret,
        "field_mapping": vendor.field_mapping,
    }
    return SourceFactory(**{**fields, **overrides})


def deliver(client, slug: str, body: bytes, headers: dict | None = None):
    return client.post(f"/hooks/{slug}/", data=body, content_type="application/json", headers=headers or {})


def signed(client, vendor: Vendor, payload: dict, slug: str | None = None):
    body = body_of(payload)
    return deliver(client, slug or f"{vendor.name}-hook", body, vendor.sign(body))


# Every adapter: signatures, replays, rotation, sources


def test_signed_delivery_is_stored_once_without_login(client, vendor):
    # given
    source_for(vendor)
    # when
    response = signed(client, vendor, vendor.payload)
    # then
    assert response.status_code == 201
    assert response.json()["status"] == "created"
    assert Feedback.objects.get().pk == response.json()["id"]


def test_replay_is_a_duplicate(client, vendor):
    # given
    source_for(vendor)
    body = body_of(vendor.payload)
    headers = vendor.sign(body)
    first = deliver(client, f"{vendor.name}-hook", body, headers)
    # when
    replay = deliver(client, f"{vendor.name}-hook", body, headers)
    # then
    assert replay.status_code == 200
    assert replay.json() == {**first.json(), "status": "duplicate"}
    assert Feedback.objects.count() == 1


def test_forged_signature_is_401_and_stores_nothing(client, vendor):
    # given
    source_for(vendor)
    body = body_of(vendor.payload)
    # when
    response = deliver(client, f"{vendor.name}-hook", body, vendor.sign(body, vendor.forged_secret))
    # then
    assert response.status_code == 401
    assert Feedback.objects.count() == 0
    assert Customer.objects.count() == 0


def test_tampered_body_is_401(client, vendor):
    # given
    source_for(vendor)
    headers = vendor.sign(body_of(vendor.payload))
    tampered = body_of(vendor.payload).replace(b"}", b' , "x": 1}', 1)
    # when
    response = deliver(client, f"{vendor.name}-hook", tampered, headers)
    # then
    assert response.status_code == 401
    assert Feedback.objects.count() == 0


def test_unsigned_delivery_is_401(client, vendor):
    # given
    source_for(vendor)
    # when
    response = deliver(client, f"{vendor.name}-hook", body_of(vendor.payload))
    # then
    assert response.status_code == 401
    assert Feedback.objects.count() == 0


def test_previous_secret_still_verifies_during_rotation(client, vendor):
    # given
    source_for(vendor)
    body = body_of(vendor.payload)
    # when
    response = deliver(client, f"{vendor.name}-hook", body, vendor.sign(body, vendor.previous_secret))
    # then
    assert response.status_code == 201


def test_source_without_a_secret_refuses_every_delivery(client, vendor):
    # given
    source_for(vendor, signing_secret="", previous_signing_secret="")
    body = body_of(vendor.payload)
    # when
    response = deliver(client, f"{vendor.name}-hook", body, vendor.sign(body, ""))
    # then
    assert response.status_code == 401
    assert Feedback.objects.count() == 0


def test_inactive_source_is_404(client, vendor):
    # given
    source_for(vendor, active=False)
    # when
    response = signed(client, vendor, vendor.payload)
    # then
    assert response.status_code == 404
    assert Feedback.objects.count() == 0


def test_unknown_source_is_404(client, vendor):
    # when
    response = signed(client, vendor, vendor.payload, slug="no-such-source")
    # then
    assert response.status_code == 404


def test_body_over_the_limit_is_413(client, vendor, settings):
    # given
    settings.CXLOOP_API_MAX_BODY_BYTES = 200
    source_for(vendor)
    payload = copy.deepcopy(vendor.payload)
    payload["padding"] = "x" * 300
    # when
    response = signed(client, vendor, payload)
    # then
    assert response.status_code == 413
    assert Feedback.objects.count() == 0


def test_signed_body_that_is_not_json_is_400(client, vendor):
    # given
    source_for(vendor)
    body = b"{not json"
    # when
    response = deliver(client, f"{vendor.name}-hook", body, vendor.sign(body))
    # then
    assert response.status_code == 400
    assert Feedback.objects.count() == 0


def test_get_is_not_allowed(client):
    # given
    source_for(VENDORS["typeform"])
    # when
    response = client.get("/hooks/typeform-hook/")
    # then
    assert response.status_code == 405


def test_unknown_adapter_is_404(client):
    # given
    vendor = VENDORS["typeform"]
    source_for(vendor, field_mapping={"adapter": "surveymonkey"})
    # when
    response = signed(client, vendor, vendor.payload)
    # then
    assert response.status_code == 404


# Typeform


def test_typeform_response_is_mapped(client):
    # given
    vendor = VENDORS["typeform"]
    source_for(vendor)
    # when
    response = signed(client, vendor, vendor.payload)
    # then
    assert response.status_code == 201
    feedback = Feedback.objects.select_related("customer").get()
    assert (feedback.external_id, feedback.scale, feedback.score) == ("tok-1", "nps", 3)
    assert feedback.comment == "The delivery was two days late."
    assert feedback.occurred_at == datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    assert (feedback.customer.external_id, feedback.customer.email) == ("C-100", "ana@example.test")
    assert feedback.customer.name == "Ana Lopez"
    assert feedback.metadata == {"form_id": "Fm1"}


def test_typeform_opinion_scale_uses_the_configured_scale(client):
    # given
    vendor = VENDORS["typeform"]
    source_for(vendor, field_mapping={"adapter": "typeform", "scale": "csat"})
    answers = [{"type": "number", "number": 4, "field": {"id": "s", "type": "opinion_scale", "ref": "sat"}}]
    # when
    response = signed(client, vendor, typeform_payload(answers=answers))
    # then
    assert response.status_code == 201
    assert Feedback.objects.values_list("scale", "score", "comment").get() == ("csat", 4, "")


def test_typeform_event_that_is_not_a_response_is_ignored(client):
    # given
    vendor = VENDORS["typeform"]
    source_for(vendor)
    # when
    response = signed(client, vendor, {"event_id": "01PING", "event_type": "ping"})
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert Feedback.objects.count() == 0


def test_typeform_score_off_the_scale_is_400_with_the_field_named(client):
    # given
    vendor = VENDORS["typeform"]
    source_for(vendor, field_mapping={"adapter": "typeform", "scale": "csat"})
    answers = [{"type": "number", "number": 7, "field": {"id": "s", "type": "opinion_scale"}}]
    # when
    response = signed(client, vendor, typeform_payload(answers=answers))
    # then
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert "score" in response.json()["errors"]
    assert Feedback.objects.count() == 0


# Delighted


def test_delighted_created_then_updated_is_one_row_with_the_comment(client):
    # given
    vendor = VENDORS["delighted"]
    source_for(vendor)
    created = signed(client, vendor, delighted_payload())
    # when
    updated = signed(client, vendor, delighted_payload("survey_response.updated", comment="Too slow."))
    # then
    assert (created.status_code, updated.status_code) == (201, 200)
    assert updated.json()["status"] == "updated"
    assert updated.json()["id"] == created.json()["id"]
    feedback = Feedback.objects.select_related("customer").get()
    assert (feedback.external_id, feedback.scale, feedback.score) == ("8001", "nps", 6)
    assert feedback.comment == "Too slow."
    assert feedback.occurred_at == datetime.fromtimestamp(1767225660, tz=UTC)
    assert (feedback.customer.email, feedback.customer.name) == ("sam@example.test", "Sam Roe")


def test_delighted_customer_id_comes_from_the_configured_person_property(client):
    # given
    vendor = VENDORS["delighted"]
    source_for(vendor, field_mapping={"adapter": "delighted", "customer_id_property": "Customer ID"})
    # when
    response = signed(client, vendor, delighted_payload())
    # then
    assert response.status_code == 201
    assert Customer.objects.values_list("external_id", "email").get() == ("C-200", "sam@example.test")


def test_delighted_late_created_event_keeps_the_comment(client):
    # given
    vendor = VENDORS["delighted"]
    source_for(vendor)
    signed(client, vendor, delighted_payload("survey_response.updated", comment="Too slow."))
    # when
    late = signed(client, vendor, delighted_payload())
    # then
    assert late.json()["status"] == "duplicate"
    assert Feedback.objects.get().comment == "Too slow."


@pytest.mark.parametrize(("survey_type", "score"), [("nps", 0), ("csat", 5), ("ces", 7)])
def test_delighted_survey_types_map_to_our_scales(client, survey_type, score):
    # given
    vendor = VENDORS["delighted"]
    source_for(vendor)
    # when
    response = signed(client, vendor, delighted_payload(survey_type=survey_type, score=score))
    # then
    assert response.status_code == 201
    assert Feedback.objects.values_list("scale", "score").get() == (survey_type, score)


def test_delighted_unmapped_survey_type_is_400(client):
    # given
    vendor = VENDORS["delighted"]
    source_for(vendor)
    # when
    response = signed(client, vendor, delighted_payload(survey_type="smileys", score=2))
    # then
    assert response.status_code == 400
    assert "scale" in response.json()["errors"]
    assert Feedback.objects.count() == 0


def test_delighted_survey_type_configured_without_a_scale_keeps_the_verbatim(client):
    # given
    vendor = VENDORS["delighted"]
    source_for(vendor, field_mapping={"adapter": "delighted", "survey_types": {"ces": None}})
    # when
    response = signed(client, vendor, delighted_payload(survey_type="ces", score=5, comment="Easy enough."))
    # then
    assert response.status_code == 201
    assert Feedback.objects.values_list("scale", "score", "comment").get() == (None, None, "Easy enough.")


def test_delighted_unsubscribe_is_ignored(client):
    # given
    vendor = VENDORS["delighted"]
    source_for(vendor)
    # when
    response = signed(client, vendor, {"event_type": "unsubscribe.created", "event_data": {}})
    # then
    assert response.json()["status"] == "ignored"
    assert Feedback.objects.count() == 0


needs_sample = pytest.mark.skipif(
    not DELIGHTED_SAMPLE.exists(),
    reason=f"real Delighted sample not found at {DELIGHTED_SAMPLE}; set CXLOOP_SHARED_DATA to ../shared/data",
)


@needs_sample
def test_real_delighted_sample_updates_the_row_its_created_event_made(client):
    # given
    vendor = VENDORS["delighted"]
    source_for(vendor)
    raw = DELIGHTED_SAMPLE.read_bytes()
    sample = json.loads(raw)
    created_event = copy.deepcopy(sample)
    created_event["event_type"] = "survey_response.created"
    created_event["event_data"]["comment"] = None
    created = signed(client, vendor, created_event)
    # when
    updated = deliver(client, "delighted-hook", raw, vendor.sign(raw))
    # then
    response = sample["event_data"]
    assert (created.status_code, updated.status_code) == (201, 200)
    assert updated.json()["status"] == "updated"
    feedback = Feedback.objects.select_related("customer").get()
    assert feedback.external_id == response["id"]
    assert (feedback.scale, feedback.score) == (response["survey_type"], response["score"])
    assert feedback.comment == response["comment"]
    assert feedback.occurred_at == datetime.fromtimestamp(response["created_at"], tz=UTC)
    assert feedback.customer.email == response["person"]["email"]
    assert feedback.customer.name == response["person"]["name"]


# Zendesk


def test_zendesk_bad_rating_is_csat_1_keyed_by_ticket(client):
    # given
    vendor = VENDORS["zendesk"]
    source_for(vendor)
    # when
    response = signed(client, vendor, zendesk_payload())
    # then
    assert response.status_code == 201
    feedback = Feedback.objects.select_related("customer").get()
    assert (feedback.external_id, feedback.scale, feedback.score) == ("ticket-4512", "csat", 1)
    assert feedback.comment == "Nobody called me back."
    assert feedback.occurred_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert (feedback.customer.email, feedback.customer.name) == ("kim@example.test", "Kim Park")
    assert feedback.metadata == {"ticket_id": "4512", "zendesk_requester_id": "9001"}


def test_zendesk_changed_rating_updates_the_same_row(client):
    # given
    vendor = VENDORS["zendesk"]
    source_for(vendor)
    signed(client, vendor, zendesk_payload())
    # when
    response = signed(client, vendor, zendesk_payload(rating="Good, I'm satisfied", comment="Sorted now."))
    # then
    assert response.json()["status"] == "updated"
    assert Feedback.objects.values_list("score", "comment").get() == (5, "Sorted now.")


def test_zendesk_satisfaction_rating_object_uses_the_rating_id(client):
    # given
    vendor = VENDORS["zendesk"]
    source_for(vendor, field_mapping={"adapter": "zendesk", "ratings": {"good": 4}})
    rating = {"id": 35436, "ticket_id": 4512, "score": "good_with_comment", "comment": "Quick.", "reason": ""}
    # when
    response = signed(
        client, vendor, {"satisfaction_rating": {**rating, "created_at": "2026-03-03T08:00:00Z"}}
    )
    # then
    assert response.status_code == 201
    assert Feedback.objects.values_list("external_id", "score", "comment").get() == ("35436", 4, "Quick.")


@pytest.mark.parametrize(
    "payload",
    [zendesk_payload(rating="offered", comment=""), {"type": "zen:event-type:user.created", "detail": {}}],
    ids=["not-rated-yet", "event-subscription"],
)
def test_zendesk_deliveries_without_a_rating_are_ignored(client, payload):
    # given
    vendor = VENDORS["zendesk"]
    source_for(vendor)
    # when
    response = signed(client, vendor, payload)
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert Feedback.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "age", "expected"),
    [
        ("zendesk", timedelta(minutes=4), 201),
        ("zendesk", timedelta(minutes=6), 401),
        ("zendesk", -timedelta(minutes=6), 401),
        ("standard", timedelta(minutes=4), 201),
        ("standard", timedelta(minutes=6), 401),
        ("standard", -timedelta(minutes=6), 401),
    ],
    ids=[
        "zendesk-fresh",
        "zendesk-stale",
        "zendesk-future",
        "standard-fresh",
        "standard-stale",
        "standard-future",
    ],
)
def test_signed_timestamp_must_be_within_five_minutes(client, name, age, expected):
    # given
    vendor = VENDORS[name]
    source_for(vendor)
    body = body_of(vendor.payload)
    headers = SIGNERS[name](body, vendor.secret, at=NOW - age)
    # when
    with freeze_time(NOW):
        response = deliver(client, f"{name}-hook", body, headers)
    # then
    assert response.status_code == expected
    assert Feedback.objects.count() == (1 if expected == 201 else 0)


# Standard Webhooks


def test_standard_webhook_is_mapped_through_the_json_paths(client):
    # given
    vendor = VENDORS["standard"]
    source_for(vendor)
    # when
    response = signed(client, vendor, vendor.payload)
    # then
    assert response.status_code == 201
    feedback = Feedback.objects.select_related("customer").get()
    assert (feedback.external_id, feedback.scale, feedback.score) == ("R-1", "nps", 10)
    assert feedback.comment == "Setup took five minutes."
    assert feedback.occurred_at == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert feedback.customer.email == "lee@example.test"
    assert feedback.metadata == {"topic": "Onboarding"}


def test_standard_webhook_without_an_external_id_uses_the_webhook_id(client):
    # given
    vendor = VENDORS["standard"]
    source_for(vendor)
    payload = standard_payload(response_id=None)
    body = body_of(payload)
    headers = SIGNERS["standard"](body, vendor.secret, msg_id="msg_2Abc")
    # when
    first = deliver(client, "standard-hook", body, headers)
    retry = deliver(client, "standard-hook", body, headers)
    # then
    assert first.json()["external_id"] == "msg_2Abc"
    assert retry.json()["status"] == "duplicate"


def test_standard_webhook_accepts_any_of_several_signatures(client):
    # given
    vendor = VENDORS["standard"]
    source_for(vendor)
    body = body_of(vendor.payload)
    headers = vendor.sign(body)
    headers["webhook-signature"] = f"v1,bm90LXRoaXMtb25l v1a,c29tZXRoaW5n {headers['webhook-signature']}"
    # when
    response = deliver(client, "standard-hook", body, headers)
    # then
    assert response.status_code == 201


def test_standard_defaults_fill_what_the_payload_lacks(client):
    # given
    vendor = VENDORS["standard"]
    TouchpointFactory(slug="checkout")
    mapping = {**STANDARD_MAPPING, "defaults": {"scale": "nps", "touchpoint": "checkout"}}
    source_for(vendor, field_mapping=mapping)
    # when
    response = signed(client, vendor, vendor.payload)
    # then
    assert response.status_code == 201
    assert Feedback.objects.get().touchpoint.slug == "checkout"


def test_standard_event_types_filter_ignores_other_events(client):
    # given
    vendor = VENDORS["standard"]
    source_for(vendor, field_mapping={**STANDARD_MAPPING, "event_types": ["survey.response.completed"]})
    # when
    response = signed(client, vendor, {**vendor.payload, "type": "survey.sent"})
    # then
    assert response.json()["status"] == "ignored"
    assert Feedback.objects.count() == 0


@pytest.mark.parametrize(
    ("field_mapping", "payload", "error_key"),
    [
        (STANDARD_MAPPING, standard_payload(answers={"nps": 12}), "score"),
        (STANDARD_MAPPING, standard_payload(email="not-an-email"), "customer"),
        ({"adapter": "standard"}, standard_payload(), "field_mapping"),
        ({"adapter": "standard", "fields": {"score": "data.nps"}}, standard_payload(), "field_mapping"),
        ({"adapter": "standard", "fields": {"colour": "$.data.text"}}, standard_payload(), "field_mapping"),
    ],
    ids=["score-off-scale", "bad-email", "no-fields", "bad-path", "unknown-target"],
)
def test_standard_payload_that_cannot_be_stored_is_400_with_the_errors(
    client, field_mapping, payload, error_key
):
    # given
    vendor = VENDORS["standard"]
    source_for(vendor, field_mapping=field_mapping)
    # when
    response = signed(client, vendor, payload)
    # then
    assert response.status_code == 400
    assert error_key in response.json()["errors"]
    assert Feedback.objects.count() == 0
    assert Customer.objects.count() == 0
