"""The mapping language (#13, item 7): an items path, `$$` envelope fields, form bodies, times
without an offset, and the refusal of items that hold neither a score nor a comment.

Every delivery here is signed the Standard Webhooks way (webhook_helpers, written independently of
the code under test), so that only the mapping differs from test to test.
"""

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from feedback.models import Feedback
from feedback.models.webhooks import WebhookDeadLetter
from tests.factories import SourceFactory

from .webhook_helpers import STANDARD_SECRET, body_of, standard_headers

pytestmark = pytest.mark.django_db

BATCH_MAPPING = {
    "adapter": "standard",
    "items": "$.responses[*]",
    "fields": {
        "external_id": "$.id",
        "score": "$.nps",
        "comment": "$.text",
        "occurred_at": "$.at",
        "metadata.campaign": "$$.campaign",
    },
    "defaults": {"scale": "nps"},
}


def response(response_id: str | None, nps: int | None = 9, text: str | None = "Quick and easy.") -> dict:
    return {"id": response_id, "nps": nps, "text": text, "at": "2026-03-04T12:00:00+00:00"}


def batch(*responses: dict) -> dict:
    return {"campaign": "spring", "responses": list(responses)}


def post(client, payload, *, slug: str = "batch-hook", msg_id: str = "msg_1", content_type=None):
    body = payload if isinstance(payload, bytes) else body_of(payload)
    return client.post(
        f"/hooks/{slug}/",
        data=body,
        content_type=content_type or "application/json",
        headers=standard_headers(body, STANDARD_SECRET, msg_id=msg_id),
    )


@pytest.fixture
def source():
    return SourceFactory(slug="batch-hook", signing_secret=STANDARD_SECRET, field_mapping=BATCH_MAPPING)


# Items: each its own feedback, its own result, once


@pytest.mark.parametrize("count", [2, 3])
def test_each_item_is_stored_with_its_own_result_and_a_retry_is_duplicates(client, source, count):
    # given
    payload = batch(*(response(f"r-{n}") for n in range(count)))
    # when
    first = post(client, payload)
    retry = post(client, payload)
    # then
    assert first.status_code == 201
    assert [result["status"] for result in first.json()] == ["created"] * count
    assert [result["external_id"] for result in first.json()] == [f"r-{n}" for n in range(count)]
    assert retry.status_code == 200
    assert [result["status"] for result in retry.json()] == ["duplicate"] * count
    assert [result["id"] for result in retry.json()] == [result["id"] for result in first.json()]
    assert Feedback.objects.count() == count


def test_an_envelope_path_gives_every_item_the_deliverys_value(client, source):
    # when
    post(client, batch(response("r-1"), response("r-2")))
    # then
    assert list(Feedback.objects.values_list("metadata", flat=True)) == [{"campaign": "spring"}] * 2


def test_a_mix_stores_the_good_items_and_keeps_the_unmappable_one_as_a_dead_letter(client, source):
    # given: the middle response says nothing
    payload = batch(response("r-1"), response("r-2", nps=None, text="  "), response("r-3", nps=3))
    # when
    answer = post(client, payload)
    # then
    assert answer.status_code == 207
    first, empty, third = answer.json()
    assert (first["status"], third["status"]) == ("created", "created")
    assert empty["status"] == "error"
    assert empty["external_id"] == "r-2"
    assert set(empty["errors"]) == {"score", "comment"}
    assert "nothing found at $.nps." in empty["errors"]["score"]
    letter = WebhookDeadLetter.objects.get()
    assert empty["dead_letter"] == letter.pk
    assert letter.reason == "1 of 3 items: missing comment, score"
    assert letter.errors == [
        {"item": 1, "external_id": "r-2", "errors": empty["errors"], "unmapped": True},
    ]
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["r-1", "r-3"]


def test_a_delivery_with_nothing_to_store_is_422_and_a_dead_letter_with_no_feedback_row(client, source):
    # given
    payload = batch(response("r-1", nps=None, text=None), response("r-2", nps=None, text=""))
    # when
    answer = post(client, payload)
    # then
    assert answer.status_code == 422
    assert [result["status"] for result in answer.json()] == ["error", "error"]
    assert Feedback.objects.count() == 0
    letter = WebhookDeadLetter.objects.get()
    assert (letter.status, letter.signature, letter.deliveries) == ("open", "standard: current secret", 1)
    assert letter.reason == "2 of 2 items: missing comment, score"
    assert bytes(letter.body) == body_of(payload)


def test_the_same_refused_delivery_again_counts_on_its_dead_letter(client, source):
    # given
    payload = batch(response("r-1", nps=None, text=None))
    post(client, payload)
    # when
    again = post(client, payload)
    # then
    assert again.status_code == 422
    assert WebhookDeadLetter.objects.get().deliveries == 2


def test_a_contract_error_in_one_item_is_kept_and_the_rest_stored(client, source):
    # when
    answer = post(client, batch(response("r-1"), response("r-2", nps=12)))
    # then
    assert answer.status_code == 207
    assert answer.json()[1]["status"] == "error"
    assert "score" in answer.json()[1]["errors"]
    assert WebhookDeadLetter.objects.get().reason == "1 of 2 items: refused score"
    assert Feedback.objects.get().external_id == "r-1"


def test_created_with_duplicates_is_207(client, source):
    # given
    post(client, batch(response("r-1")))
    # when
    answer = post(client, batch(response("r-1"), response("r-2")))
    # then
    assert answer.status_code == 207
    assert [result["status"] for result in answer.json()] == ["duplicate", "created"]


def test_an_empty_list_stores_nothing_and_keeps_nothing(client, source):
    # when
    answer = post(client, batch())
    # then
    assert (answer.status_code, answer.json()) == (200, [])
    assert WebhookDeadLetter.objects.count() == 0


def test_a_delivery_without_the_list_is_422_naming_the_items_path(client, source):
    # when
    answer = post(client, {"campaign": "spring", "answers": [response("r-1")]})
    # then
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"items": ["the delivery has no list at $.responses[*]."]}
    assert WebhookDeadLetter.objects.get().reason == "missing items"


def test_items_without_an_id_take_the_webhook_id_and_their_position(client):
    # given
    mapping = {**BATCH_MAPPING, "fields": {"score": "$.nps", "comment": "$.text"}}
    SourceFactory(slug="batch-hook", signing_secret=STANDARD_SECRET, field_mapping=mapping)
    payload = batch(response(None), response(None, nps=2))
    # when
    first = post(client, payload, msg_id="msg_2Xy")
    retry = post(client, payload, msg_id="msg_2Xy")
    # then
    assert [result["external_id"] for result in first.json()] == ["msg_2Xy:1", "msg_2Xy:2"]
    assert [result["status"] for result in retry.json()] == ["duplicate", "duplicate"]


def test_a_top_level_array_is_mapped_with_an_items_path_and_refused_without_one(client):
    # given
    mapping = {**BATCH_MAPPING, "items": "$[*]"}
    SourceFactory(slug="array-hook", signing_secret=STANDARD_SECRET, field_mapping=mapping)
    SourceFactory(
        slug="object-hook",
        signing_secret=STANDARD_SECRET,
        field_mapping={key: value for key, value in mapping.items() if key != "items"},
    )
    payload = [response("r-1"), response("r-2")]
    # when
    mapped = post(client, payload, slug="array-hook")
    refused = post(client, payload, slug="object-hook")
    # then
    assert mapped.status_code == 201
    assert refused.status_code == 400
    assert "items" in refused.json()["errors"]["non_field_errors"][0]
    assert WebhookDeadLetter.objects.get().source.slug == "object-hook"


# One item per delivery (no items path): the answer is one result, as before


def test_one_delivery_that_maps_to_nothing_is_422_and_a_dead_letter_with_no_feedback_row(client):
    # given
    SourceFactory(
        slug="one-hook",
        signing_secret=STANDARD_SECRET,
        field_mapping={"adapter": "standard", "fields": {"external_id": "$.id", "score": "$.score"}},
    )
    # when
    answer = post(client, {"id": "x-1", "comment": "not mapped"}, slug="one-hook")
    # then
    assert answer.status_code == 422
    assert answer.json()["status"] == "error"
    assert answer.json()["errors"]["score"] == ["nothing found at $.score."]
    assert answer.json()["errors"]["comment"][0] == "the mapping names no path for it."
    assert answer.json()["dead_letter"] == WebhookDeadLetter.objects.get().pk
    assert Feedback.objects.count() == 0


# Times without an offset, and form bodies


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ({"timezone": "America/New_York"}, datetime(2026, 3, 2, 15, 15, tzinfo=UTC)),
        ({}, datetime(2026, 3, 2, 10, 15, tzinfo=UTC)),
        ({"timezone": "Europe/Berlin"}, datetime(2026, 3, 2, 9, 15, tzinfo=UTC)),
    ],
    ids=["new-york", "default-utc", "berlin"],
)
def test_a_time_without_an_offset_is_read_in_the_sources_zone(client, zone, expected):
    # given
    mapping = {**BATCH_MAPPING, **zone}
    SourceFactory(slug="batch-hook", signing_secret=STANDARD_SECRET, field_mapping=mapping)
    # when
    answer = post(client, batch({**response("r-1"), "at": "2026-03-02 10:15:00"}))
    # then
    assert answer.status_code == 201
    assert Feedback.objects.get().occurred_at == expected


def test_a_time_with_an_offset_keeps_it(client):
    # given
    SourceFactory(
        slug="batch-hook",
        signing_secret=STANDARD_SECRET,
        field_mapping={**BATCH_MAPPING, "timezone": "Asia/Tokyo"},
    )
    # when
    post(client, batch({**response("r-1"), "at": "2026-03-02T10:15:00+01:00"}))
    # then
    assert Feedback.objects.get().occurred_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def test_a_form_body_is_mapped_and_a_score_sent_as_text_is_a_number(client):
    # given
    mapping = {
        "adapter": "standard",
        "fields": {
            "external_id": "$.response",
            "score": "$.score",
            "comment": "$.why",
            "metadata.tags": "$.tag",
        },
        "defaults": {"scale": "csat"},
    }
    SourceFactory(slug="form-hook", signing_secret=STANDARD_SECRET, field_mapping=mapping)
    body = urlencode(
        [("response", "f-1"), ("score", "4"), ("why", "Fine & quick"), ("tag", "a"), ("tag", "b")]
    )
    # when
    answer = post(client, body.encode(), slug="form-hook", content_type="application/x-www-form-urlencoded")
    # then
    assert answer.status_code == 201
    feedback = Feedback.objects.get()
    assert (feedback.scale, feedback.score, feedback.comment) == ("csat", 4, "Fine & quick")
    assert feedback.metadata == {"tags": ["a", "b"]}


def test_a_field_holding_json_text_is_read_into_with_parse_json(client):
    # given
    mapping = {
        "adapter": "standard",
        "parse_json": ["$.payload"],
        "fields": {"external_id": "$.payload.id", "score": "$.payload.nps"},
        "defaults": {"scale": "nps"},
    }
    SourceFactory(slug="json-text-hook", signing_secret=STANDARD_SECRET, field_mapping=mapping)
    # when
    answer = post(client, {"payload": '{"id": "j-1", "nps": 7}'}, slug="json-text-hook")
    broken = post(client, {"payload": "{not json"}, slug="json-text-hook")
    # then
    assert answer.status_code == 201
    assert Feedback.objects.values_list("external_id", "score").get() == ("j-1", 7)
    assert broken.status_code == 400
    assert broken.json()["errors"] == {"parse_json": ["$.payload does not hold JSON text."]}
