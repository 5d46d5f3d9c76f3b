"""Dead letters in the admin (#13, item 7): listed with filters, read-only, personal data masked
for staff without the permission, and retried through the source's mapping once it is fixed."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from feedback.models import Feedback, Source
from feedback.models.webhooks import MAX_BODY_BYTES, WebhookDeadLetter
from tests.factories import SourceFactory, UserFactory

from .webhook_helpers import STANDARD_SECRET, body_of, standard_headers

pytestmark = pytest.mark.django_db

LIST = "/admin/feedback/webhookdeadletter/"
# The first mapping reads the score from the wrong place; the fix reads it from the right one.
BROKEN = {
    "adapter": "standard",
    "items": "$.responses[*]",
    "fields": {"external_id": "$.id", "score": "$.rating"},
    "defaults": {"scale": "csat"},
}
FIXED = {**BROKEN, "fields": {"external_id": "$.id", "score": "$.score", "comment": "$.text"}}


def deliver(client, payload, slug: str = "reviews"):
    body = body_of(payload)
    headers = standard_headers(body, STANDARD_SECRET)
    return client.post(f"/hooks/{slug}/", data=body, content_type="application/json", headers=headers)


def reviews(*items):
    return {"responses": list(items)}


@pytest.fixture
def source():
    return SourceFactory(slug="reviews", name="Reviews", signing_secret=STANDARD_SECRET, field_mapping=BROKEN)


@pytest.fixture
def refused(client, source):
    """A delivery of two reviews the broken mapping cannot store, kept as a dead letter."""
    payload = reviews(
        {"id": "rv-1", "score": 2, "text": "Call me on 07700 900461 or sam@example.org"},
        {"id": "rv-2", "score": 5, "text": "Great."},
    )
    assert deliver(client, payload).status_code == 422
    return WebhookDeadLetter.objects.get()


def staff(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="feedback", codename__in=codenames)
    )
    browser = Client()
    browser.force_login(user)
    return browser


def retry(browser, *letters):
    return browser.post(
        LIST, {"action": "retry", "_selected_action": [letter.pk for letter in letters]}, follow=True
    )


# The list and the record


def test_the_list_shows_the_source_reason_and_verdict_and_filters_by_status_and_source(admin_client, refused):
    # given
    other = SourceFactory(slug="other", name="Other", signing_secret=STANDARD_SECRET, field_mapping=BROKEN)
    deliver(Client(), reviews({"id": "o-1"}), slug="other")
    # when
    page = admin_client.get(LIST).content.decode()
    by_source = admin_client.get(LIST, {"source__id__exact": other.pk}).content.decode()
    resolved = admin_client.get(LIST, {"status__exact": "resolved"}).content.decode()
    # then
    assert "2 of 2 items: missing comment, score" in page
    assert "standard: current secret" in page
    assert "1 of 1 items: missing comment, score" in by_source
    assert "2 of 2 items" not in by_source
    assert "0 webhook dead letters" in resolved


def test_a_dead_letter_is_read_only_and_cannot_be_added(admin_client, refused):
    # when
    record = admin_client.get(f"{LIST}{refused.pk}/change/")
    changed = admin_client.post(f"{LIST}{refused.pk}/change/", {"reason": "edited"})
    added = admin_client.get(f"{LIST}add/")
    # then
    assert record.status_code == 200
    assert 'name="reason"' not in record.content.decode()
    assert changed.status_code == 403
    assert added.status_code == 403
    assert WebhookDeadLetter.objects.get().reason != "edited"


def test_the_body_is_shown_in_clear_only_to_staff_with_the_personal_data_permission(refused):
    # given
    may_see = staff("view_webhookdeadletter", "view_personal_data")
    may_not = staff("view_webhookdeadletter")
    url = f"{LIST}{refused.pk}/change/"
    # when
    clear = may_see.get(url).content.decode()
    masked = may_not.get(url).content.decode()
    # then
    assert "sam@example.org" in clear
    assert "sam@example.org" not in masked
    assert "07700 900461" not in masked
    assert "Great." in masked


def test_people_without_the_view_permission_see_no_dead_letters(refused):
    # given
    browser = staff()
    # then
    assert browser.get(LIST).status_code == 403
    assert browser.get(f"{LIST}{refused.pk}/change/").status_code == 403


# Retry


def test_after_the_mapping_is_fixed_retry_stores_the_items_and_resolves_the_dead_letter(
    admin_client, source, refused
):
    # given
    source.field_mapping = FIXED
    source.save()
    # when
    page = retry(admin_client, refused).content.decode()
    # then
    assert f"Stored, now resolved: #{refused.pk}." in page
    assert sorted(Feedback.objects.values_list("external_id", "score")) == [("rv-1", 2), ("rv-2", 5)]
    refused.refresh_from_db()
    assert (refused.status, refused.retries) == ("resolved", 1)
    assert refused.resolved_at is not None


def test_a_retry_of_a_partly_stored_delivery_answers_duplicates_for_what_was_stored(
    client, admin_client, source
):
    # given: one of two items stored on receipt
    source.field_mapping = {**BROKEN, "fields": {"external_id": "$.id", "score": "$.score"}}
    source.save()
    deliver(client, reviews({"id": "rv-1", "score": 4}, {"id": "rv-2", "text": "No score, text not mapped."}))
    letter = WebhookDeadLetter.objects.get()
    source.field_mapping = FIXED
    source.save()
    # when
    retry(admin_client, letter)
    # then
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["rv-1", "rv-2"]
    assert WebhookDeadLetter.objects.get().status == "resolved"


def test_a_retry_through_a_mapping_still_broken_keeps_it_open_with_the_reason(admin_client, refused):
    # when
    page = retry(admin_client, refused).content.decode()
    # then
    assert f"Still not stored, #{refused.pk}: 2 of 2 items: missing comment, score" in page
    refused.refresh_from_db()
    assert (refused.status, refused.retries) == ("open", 1)
    assert Feedback.objects.count() == 0


def test_a_body_kept_cut_is_not_retried(admin_client, source):
    # given: a delivery over the kept length
    padding = "x" * MAX_BODY_BYTES
    deliver(Client(), {"responses": [{"id": "rv-1", "score": 3}], "padding": padding})
    letter = WebhookDeadLetter.objects.get()
    source.field_mapping = FIXED
    source.save()
    # when
    page = retry(admin_client, letter).content.decode()
    # then
    assert letter.body_truncated
    assert len(bytes(letter.body)) == MAX_BODY_BYTES
    assert "Not retried" in page
    assert Feedback.objects.count() == 0


def test_only_staff_who_may_change_dead_letters_may_retry(source, refused):
    # given
    viewer = staff("view_webhookdeadletter")
    source.field_mapping = FIXED
    source.save()
    # when
    retry(viewer, refused)
    # then
    assert Feedback.objects.count() == 0
    assert WebhookDeadLetter.objects.get().status == "open"


# The source's mapping is checked when it is saved


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            '{"adapter": "standard", "items": "$.events", "fields": {"score": "$.s"}}',
            "an items path holds one [*]",
        ),
        ('{"adapter": "standard", "fields": {"score": "$.s[*]"}}', "points at several values"),
        ('{"adapter": "trustpilot", "timezone": "Mars/Olympus"}', "is not a time zone name"),
        ('{"adapter": "typeform", "items": "$.x[*]"}', "items and parse_json are for the JSON-path adapters"),
        ('{"adapter": "qualtrics", "parse_json": "$.MSG"}', "parse_json is a list"),
    ],
    ids=[
        "items-without-wildcard",
        "field-with-wildcard",
        "unknown-zone",
        "items-on-typeform",
        "parse-json-text",
    ],
)
def test_a_mapping_the_webhook_could_not_apply_is_refused_on_save(admin_client, mapping, message):
    # when
    response = admin_client.post(
        "/admin/feedback/source/add/",
        {"slug": "x", "name": "X", "kind": "survey", "active": "on", "field_mapping": mapping},
    )
    # then
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_secret_that_travels_in_the_url_must_be_long(admin_client):
    # when
    response = admin_client.post(
        "/admin/feedback/source/add/",
        {
            "slug": "tp",
            "name": "TP",
            "kind": "review_site",
            "active": "on",
            "signing_secret": "short",
            "field_mapping": '{"adapter": "trustpilot"}',
        },
    )
    # then
    assert "use at least 24 random characters" in response.content.decode()


def test_a_source_without_webhooks_still_saves_with_an_empty_mapping(admin_client):
    # when
    admin_client.post(
        "/admin/feedback/source/add/",
        {"slug": "calls", "name": "Calls", "kind": "call_centre", "active": "on", "field_mapping": "{}"},
    )
    # then
    assert Source.objects.filter(slug="calls").exists()
