"""The webhook pages: administrators only; create, change, disable, enable, a new secret shown once,
a test event, and the delivery log with "retry now"."""

import pytest
from django.urls import reverse

from cxloop.core.models import AuditEvent
from cxloop.outbound.models import Endpoint, OutboundDelivery
from tests.factories import OutboundEndpointFactory, SourceFactory, outbound_endpoint_with_deliveries

from .receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, people):
    client.force_login(people["admin"])
    return client


@pytest.mark.parametrize("role", ["agent", "lead", "manager", "committee"])
def test_only_administrators_see_the_pages(client, people, role):
    endpoint = OutboundEndpointFactory()
    client.force_login(people[role])
    for url in (
        reverse("outbound:list"),
        reverse("outbound:create"),
        reverse("outbound:detail", args=[endpoint.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("outbound:action", args=[endpoint.pk, "disable"])).status_code == 403


def test_the_list_and_the_log_take_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    for _ in range(5):
        outbound_endpoint_with_deliveries()
    detail = outbound_endpoint_with_deliveries()[0]
    with django_assert_max_num_queries(12):
        page = admin_client.get(reverse("outbound:list"))
    assert page.status_code == 200
    assert page.content.decode().count("Data warehouse") == 6
    with django_assert_max_num_queries(12):
        log = admin_client.get(detail)
    html = log.content.decode()
    assert "Gave up after retries" in html
    assert "HTTP 503" in html
    assert "Retry now" in html


def test_an_administrator_adds_a_webhook_and_sees_its_secret_once(admin_client, people):
    source = SourceFactory(name="Post-purchase survey")
    form = admin_client.get(reverse("outbound:create")).content.decode()
    assert "Post-purchase survey" in form
    assert "Case opened" in form
    response = admin_client.post(
        reverse("outbound:create"),
        {"name": "Warehouse", "url": "https://warehouse.example.com/hooks", "format": "standard",
         "event_types": ["feedback.received", "case.opened"], "max_score": "6", "scales": ["nps"],
         "sources": [str(source.pk)], "owner": str(people["admin"].pk)},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = Endpoint.objects.get(name="Warehouse")
    assert endpoint.feedback_filter == {"max_score": 6, "scales": ["nps"], "sources": [source.pk]}
    first = admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret in first
    second = admin_client.get(response["Location"]).content.decode()
    assert endpoint.secret not in second
    assert f"whsec_…{endpoint.secret[-4:]}" in second
    assert AuditEvent.objects.filter(verb="webhook.created").exists()


def test_a_bad_form_names_its_fields(admin_client):
    response = admin_client.post(reverse("outbound:create"), {"name": "", "url": "not a url", "format": "x"})
    assert response.status_code == 400
    form = response.context["form"]
    assert {"name", "url", "format", "event_types"} <= set(form.errors)


def test_production_refuses_a_private_address_when_saving(admin_client, settings):
    settings.CXLOOP_OUTBOUND_ALLOW_PRIVATE = False
    response = admin_client.post(
        reverse("outbound:create"),
        {
            "name": "Inside",
            "url": "http://10.0.0.5/hook",
            "format": "standard",
            "event_types": ["case.opened"],
        },
    )
    assert response.status_code == 400
    assert "url" in response.context["form"].errors


def test_a_chat_webhooks_address_is_masked_and_kept_when_left_empty(admin_client):
    endpoint = OutboundEndpointFactory(
        format="slack", url="https://hooks.slack.com/services/T0/B0/SECRETXYZ1"
    )
    page = admin_client.get(reverse("outbound:detail", args=[endpoint.pk])).content.decode()
    assert "SECRETXYZ1" not in page
    assert "https://hooks.slack.com/…XYZ1" in page
    response = admin_client.post(
        reverse("outbound:edit", args=[endpoint.pk]),
        {"name": "Alerts", "url": "", "format": "slack", "event_types": ["case.escalated"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.url) == ("Alerts", "https://hooks.slack.com/services/T0/B0/SECRETXYZ1")
    assert "SECRETXYZ1" not in admin_client.get(reverse("outbound:edit", args=[endpoint.pk])).content.decode()


def test_disable_enable_and_a_new_secret(admin_client):
    endpoint = OutboundEndpointFactory()
    old = endpoint.secret
    admin_client.post(reverse("outbound:action", args=[endpoint.pk, "disable"]))
    endpoint.refresh_from_db()
    assert not endpoint.active
    admin_client.post(reverse("outbound:action", args=[endpoint.pk, "enable"]))
    admin_client.post(reverse("outbound:action", args=[endpoint.pk, "rotate-secret"]))
    endpoint.refresh_from_db()
    assert endpoint.active
    assert endpoint.secret != old
    page = admin_client.get(reverse("outbound:detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in page
    assert admin_client.post(reverse("outbound:action", args=[endpoint.pk, "nonsense"])).status_code == 404


def test_a_test_event_is_sent_and_its_answer_shown(admin_client):
    with Receiver() as receiver:
        endpoint = OutboundEndpointFactory(url=receiver.url, event_types=["decision.taken"])
        receiver.secret = endpoint.secret
        response = admin_client.post(reverse("outbound:action", args=[endpoint.pk, "test"]), follow=True)
    assert "Test event delivered (answer 200)" in response.content.decode()
    assert receiver.received[0].verified


def test_retry_now_sends_a_delivery_that_gave_up_again(admin_client, django_capture_on_commit_callbacks):
    endpoint = OutboundEndpointFactory()
    outbound_endpoint_with_deliveries()
    gave_up = OutboundDelivery.objects.filter(state="gave_up").first()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(reverse("outbound:retry", args=[gave_up.endpoint_id, gave_up.pk]))
    assert response.status_code == 302
    gave_up.refresh_from_db()
    assert gave_up.state == "pending"
    assert len(callbacks) == 1
    # a delivery of another endpoint is not found through this one
    assert admin_client.post(reverse("outbound:retry", args=[endpoint.pk, gave_up.pk])).status_code == 404
