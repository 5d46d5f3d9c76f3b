"""Quick entry by frontline staff and employee feedback, through the same service as the API."""

import uuid

import pytest

from feedback.models import Feedback, Source
from tests.factories import SourceFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store_source(db):
    return SourceFactory(slug="store-notes", name="Store notes", kind=Source.Kind.STORE)


@pytest.fixture
def staff_source(db):
    return SourceFactory(slug="staff-voice", name="Staff voice", kind=Source.Kind.EMPLOYEE)


def test_agent_records_what_a_customer_said(client, people, org, store_source):
    # given
    TouchpointFactory(slug="checkout")
    client.force_login(people["agent"])
    submission = str(uuid.uuid4())
    form = {
        "submission_id": submission,
        "source": "store-notes",
        "comment": "Queue at the till was far too long.",
        "scale": "nps",
        "score": "4",
        "customer_email": "Shopper@Example.test",
        "touchpoint": "checkout",
    }
    # when
    first = client.post("/feedback/new/", form)
    again = client.post("/feedback/new/", form)
    # then
    assert first.status_code == 302
    assert again.status_code == 302
    item = Feedback.objects.get()
    assert (item.source, item.score, item.team) == (store_source, 4, org["team_a1"])
    assert item.customer.email == "shopper@example.test"
    assert item.metadata["entered_by"] == "agent-a1"
    assert item.external_id == f"form-{submission}"


def test_score_off_the_scale_is_a_form_error(client, people, store_source):
    # given
    client.force_login(people["agent"])
    form = {
        "submission_id": str(uuid.uuid4()),
        "source": "store-notes",
        "comment": "ok",
        "scale": "csat",
        "score": "9",
    }
    # when
    response = client.post("/feedback/new/", form)
    # then
    assert response.status_code == 400
    assert "between 1 and 5" in response.content.decode()
    assert not Feedback.objects.exists()


def test_committee_cannot_use_the_frontline_form(client, people, store_source):
    client.force_login(people["committee"])
    assert client.get("/feedback/new/").status_code == 403


def test_staff_raise_an_obstacle(client, people, org, staff_source):
    # given
    client.force_login(people["lead"])
    form = {
        "submission_id": str(uuid.uuid4()),
        "kind": "obstacle",
        "comment": "The label printer jams daily.",
    }
    # when
    response = client.post("/feedback/staff/", form)
    # then
    assert response.status_code == 302
    item = Feedback.objects.get()
    assert (item.source, item.team, item.customer, item.scale) == (staff_source, org["team_a1"], None, None)
    assert item.metadata == {"type": "obstacle", "raised_by": "lead-a1"}


def test_employee_form_says_when_no_source_is_configured(client, people):
    client.force_login(people["agent"])
    response = client.get("/feedback/staff/")
    assert "No employee-feedback source is configured" in response.content.decode()
