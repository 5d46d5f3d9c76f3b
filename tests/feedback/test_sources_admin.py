"""Sources and webhook mappings inside the product (/settings/sources/): admins only, the mapping
as fields with errors naming the path, a test delivery through the real mapping and validation that
stores nothing, and a log row for every signed delivery (pruned after 30 days)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.core.models import AuditEvent
from feedback.models import Customer, Feedback, Source, WebhookDeadLetter, WebhookDelivery
from feedback.tasks import retention_apply as retention_apply_task
from tests.factories import FeedbackFactory, SourceFactory, TouchpointFactory

from .webhook_helpers import STANDARD_MAPPING, STANDARD_SECRET, body_of, standard_headers, standard_payload

pytestmark = pytest.mark.django_db

LIST = "/settings/sources/"


@pytest.fixture
def source(db):
    return SourceFactory(
        slug="survey-tool",
        name="Survey tool",
        signing_secret=STANDARD_SECRET,
        field_mapping=STANDARD_MAPPING,
    )


def page_form(source: Source, **changes) -> dict:
    """What the source page posts when nothing is touched, with `changes`."""
    form = {
        "name": source.name,
        "kind": source.kind,
        "active": "on",
        "adapter": "standard",
        "timezone": "UTC",
        "default_scale": "nps",
        "path_external_id": "$.data.response_id",
        "path_score": "$.data.answers.nps",
        "path_comment": "$.data.text",
        "path_occurred_at": "$.timestamp",
        "path_customer_email": "$.data.email",
        "advanced": json.dumps({"fields": {"metadata.topic": "$.data.questions[0].value"}}),
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def deliver(client, payload: dict):
    body = body_of(payload)
    headers = standard_headers(body, STANDARD_SECRET)
    return client.post("/hooks/survey-tool/", data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("role", ["agent", "lead", "manager", "committee"])
def test_only_admins_reach_sources(client, people, source, role):
    # given
    client.force_login(people[role])
    # when
    responses = [
        client.get(LIST),
        client.get(f"{LIST}{source.pk}/"),
        client.post(f"{LIST}{source.pk}/", page_form(source, name="Renamed")),
    ]
    # then
    assert [response.status_code for response in responses] == [403, 403, 403]
    assert Source.objects.get().name == "Survey tool"


def test_the_page_shows_the_mapping_as_fields(client, people, source):
    # given
    client.force_login(people["admin"])
    # when
    response = client.get(f"{LIST}{source.pk}/")
    # then
    form = response.context["form"]
    assert form["adapter"].value() == "standard"
    assert form["path_score"].value() == "$.data.answers.nps"
    assert form["default_scale"].value() == "nps"
    assert json.loads(form["advanced"].value()) == {"fields": {"metadata.topic": "$.data.questions[0].value"}}
    assert STANDARD_SECRET not in response.content.decode()


def test_saving_the_form_gives_the_same_mapping_with_a_default_touchpoint_and_is_audited(
    client, people, source
):
    # given
    TouchpointFactory(slug="checkout", name="Checkout")
    client.force_login(people["admin"])
    # when
    response = client.post(f"{LIST}{source.pk}/", page_form(source, default_touchpoint="checkout"))
    # then
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.field_mapping == {
        **STANDARD_MAPPING,
        "defaults": {"scale": "nps", "touchpoint": "checkout"},
    }
    event = AuditEvent.objects.get(verb="source.changed")
    assert event.data == {"fields": ["field_mapping"]}


def test_a_new_secret_keeps_the_old_one_as_previous_and_the_audit_names_no_secret(client, people, source):
    # given
    client.force_login(people["admin"])
    new_secret = "whsec_" + "bmV3LWtleS1mb3ItdGVzdHMtb25seS0wMDAwMDAwMA=="
    # when
    client.post(f"{LIST}{source.pk}/", page_form(source, new_secret=new_secret))
    # then
    source.refresh_from_db()
    assert (source.signing_secret, source.previous_signing_secret) == (new_secret, STANDARD_SECRET)
    event = AuditEvent.objects.get(verb="source.changed")
    assert new_secret not in json.dumps(event.data)
    assert STANDARD_SECRET not in json.dumps(event.data)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"path_score": "$.data[*].nps"}, "path_score", "$.data[*].nps"),
        ({"path_comment": "data.text"}, "path_comment", "data.text"),
        ({"items": "$.events"}, "items", "$.events"),
        ({"advanced": '{"fields": {"nonsense": "$.x"}'}, "advanced", "line 1, column"),
        ({"advanced": '{"fields": {"nonsense": "$.x"}}'}, "advanced", 'unknown target "nonsense"'),
        ({"advanced": "[1, 2]"}, "advanced", "JSON object"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
    ],
)
def test_a_wrong_mapping_gets_an_error_that_names_the_path_and_is_not_saved(
    client, people, source, changes, field, words
):
    # given
    client.force_login(people["admin"])
    # when
    response = client.post(f"{LIST}{source.pk}/", page_form(source, **changes))
    # then
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert words in " ".join(errors[field])
    source.refresh_from_db()
    assert source.field_mapping == STANDARD_MAPPING
    assert not AuditEvent.objects.filter(verb="source.changed").exists()


def test_a_test_delivery_shows_what_the_mapping_made_and_stores_nothing(client, people, source):
    # given
    TouchpointFactory(slug="checkout", name="Checkout")
    client.force_login(people["admin"])
    body = json.dumps(standard_payload(text="The checkout kept failing."))
    # when: the form's unsaved default touchpoint is used
    response = client.post(
        f"{LIST}{source.pk}/",
        {**page_form(source, default_touchpoint="checkout"), "test": "1", "body": body},
    )
    # then
    assert response.status_code == 200
    (item,) = response.context["test"].items
    values = dict(item.values)
    assert (item.outcome, item.external_id) == ("create", "R-1")
    assert (values["Score"], values["Touchpoint"], values["Customer email"]) == (
        10,
        "Checkout",
        "lee@example.test",
    )
    assert values["Comment"] == "The checkout kept failing."
    assert "Nothing was stored." in response.content.decode()
    assert not Feedback.objects.exists()
    assert not Customer.objects.exists()
    assert not WebhookDeadLetter.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert Source.objects.get().field_mapping == STANDARD_MAPPING


def test_a_test_delivery_names_what_would_be_refused(client, people, source):
    # given: a score off the scale, an unknown touchpoint and no id
    client.force_login(people["admin"])
    refused = standard_payload(answers={"nps": 14}, response_id="R-2")
    unmapped = {"type": "survey.response.completed", "data": {"email": "x@example.test"}}
    # when
    first = client.post(
        f"{LIST}{source.pk}/",
        {
            **page_form(source, advanced='{"defaults": {"touchpoint": "nowhere"}}'),
            "test": "1",
            "body": json.dumps(refused),
        },
    )
    second = client.post(
        f"{LIST}{source.pk}/", {**page_form(source), "test": "1", "body": json.dumps(unmapped)}
    )
    # then
    errors = dict(first.context["test"].items[0].errors)
    assert first.context["test"].items[0].outcome == "refused"
    assert "nowhere" in errors["touchpoint"]
    assert set(dict(second.context["test"].items[0].errors)) >= {"score", "comment"}
    assert not Feedback.objects.exists()
    assert not WebhookDeadLetter.objects.exists()


def test_a_test_delivery_from_an_example_and_an_unreadable_body(client, people, source):
    # given
    client.force_login(people["admin"])
    # when
    example = client.post(f"{LIST}{source.pk}/", {**page_form(source), "test": "1", "sample": "standard"})
    broken = client.post(f"{LIST}{source.pk}/", {**page_form(source), "test": "1", "body": "{not json"})
    empty = client.post(f"{LIST}{source.pk}/", {**page_form(source), "test": "1", "body": ""})
    # then
    assert example.context["test"].items[0].external_id == "R-1001"
    assert broken.context["test"].error == "The body is not valid JSON."
    assert empty.status_code == 400
    assert "body" in empty.context["test_form"].errors
    assert not Feedback.objects.exists()


def test_an_existing_item_is_shown_as_an_update(client, people, source):
    # given
    FeedbackFactory(source=source, external_id="R-1")
    client.force_login(people["admin"])
    # when
    response = client.post(
        f"{LIST}{source.pk}/", {**page_form(source), "test": "1", "body": json.dumps(standard_payload())}
    )
    # then
    assert response.context["test"].items[0].outcome == "existing"
    assert Feedback.objects.count() == 1


def test_a_real_delivery_leaves_a_log_row_with_counts_and_no_payload(client, people, source):
    # given
    deliver(client, standard_payload(text="Lovely staff, call me on 07700 900123"))
    deliver(client, standard_payload(text="Lovely staff, call me on 07700 900123"))
    deliver(client, standard_payload(answers={"nps": 14}, response_id="R-9"))
    # when
    client.force_login(people["admin"])
    page = client.get(f"{LIST}{source.pk}/").content.decode()
    # then
    rows = list(
        WebhookDelivery.objects.order_by("pk").values_list(
            "status", "http_status", "created", "duplicates", "errors"
        )
    )
    assert rows == [("stored", 201, 1, 0, 0), ("duplicate", 200, 0, 1, 0), ("refused", 400, 0, 0, 1)]
    assert WebhookDelivery.objects.order_by("pk").last().refused == ["score"]
    assert "refused score" in page
    assert "07700" not in page
    assert "Lovely staff" not in page
    assert "Already stored" in page
    assert "Refused" in page


def test_an_unsigned_delivery_leaves_no_log_row(client, source):
    # when
    client.post("/hooks/survey-tool/", data=body_of(standard_payload()), content_type="application/json")
    # then
    assert not WebhookDelivery.objects.exists()


def test_the_log_keeps_thirty_days(source):
    # given
    old = WebhookDelivery.objects.create(source=source, status="stored", http_status=201, created=1)
    WebhookDelivery.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=31))
    recent = WebhookDelivery.objects.create(source=source, status="stored", http_status=201, created=1)
    # when: the nightly job (retention, by beat) runs
    retention_apply_task()
    # then
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_list_shows_sources_with_their_sender_and_deliveries(client, people, source):
    # given
    SourceFactory(name="Shop floor", kind=Source.Kind.STORE)
    deliver(client, standard_payload())
    client.force_login(people["admin"])
    # when
    page = client.get(LIST).content.decode()
    # then
    assert "Survey tool" in page
    assert "Standard Webhooks" in page
    assert "1 delivery" in page
    assert "Shop floor" in page
    assert "No webhooks" in page


def test_the_log_says_in_words_what_the_mapping_found_nothing_for(client, people, source):
    # given: a delivery with neither a score nor a comment
    deliver(client, {"type": "survey.response.completed", "data": {"response_id": "R-5"}})
    client.force_login(people["admin"])
    # when
    page = client.get(f"{LIST}{source.pk}/").content.decode()
    # then
    assert WebhookDelivery.objects.get().missing == ["comment", "score"]
    assert "nothing found for comment, score" in page
    assert "non_field_errors" not in page
