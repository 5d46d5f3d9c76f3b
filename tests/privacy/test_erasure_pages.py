"""The erasure page and command, and the retention page: admins only, a confirmation with the counts
before anything happens, the erasure on a confirmed POST (with CSRF), clear refusals."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from cxloop.core.models import AuditEvent
from feedback.models import Customer, Feedback, RetentionPolicy
from tests.factories import CustomerFactory, FeedbackFactory, SourceFactory

pytestmark = pytest.mark.django_db

ERASE = "/privacy/erase/"
RETENTION = "/privacy/retention/"


@pytest.fixture
def customers():
    """Two customers sharing an email address (a CRM's and a survey tool's), each with a comment."""
    first = CustomerFactory(external_id="crm-1", email="sam@example.test", name="Sam Roe")
    second = CustomerFactory(external_id="email:sam@example.test", email="sam@example.test", name="Sam")
    for customer in (first, second):
        FeedbackFactory(customer=customer, comment="Sam's parcel never came.")
    return [first, second]


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["agent", "lead", "manager", "committee"])
@pytest.mark.parametrize(("method", "url"), [("get", ERASE), ("post", ERASE), ("get", RETENTION)])
def test_only_admins_reach_the_privacy_pages(people, customers, role, method, url):
    # when
    response = getattr(_client(people[role]), method)(url, {"email": "sam@example.test", "confirm": "erase"})
    # then
    assert response.status_code == 403
    assert Customer.objects.filter(email="sam@example.test").count() == 2


def test_the_confirmation_counts_what_will_be_erased_and_changes_nothing(people, customers):
    # when
    response = _client(people["admin"]).post(ERASE, {"email": "Sam@Example.test"})
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 customers have this email address: all of them will be erased" in page
    assert "feedback comments and their metadata</td><td>2</td>" in page
    assert Customer.objects.filter(email="sam@example.test").count() == 2
    assert Feedback.objects.filter(comment="Sam's parcel never came.").count() == 2
    assert not AuditEvent.objects.filter(verb="customer.erased").exists()


def test_a_confirmed_post_erases_and_shows_the_report(people, customers):
    # when
    response = _client(people["admin"]).post(ERASE, {"email": "sam@example.test", "confirm": "erase"})
    # then
    assert response.status_code == 200
    assert "2 customers erased" in response.content.decode()
    assert not Customer.objects.filter(email="sam@example.test").exists()
    assert not Feedback.objects.filter(comment__contains="Sam").exists()
    assert AuditEvent.objects.filter(verb="customer.erased", actor=people["admin"]).count() == 2


def test_the_erasure_needs_the_csrf_token(people, customers):
    # when
    response = _client(people["admin"], enforce_csrf_checks=True).post(
        ERASE, {"external_id": "crm-1", "confirm": "erase"}
    )
    # then
    assert response.status_code == 403
    assert Customer.objects.get(pk=customers[0].pk).erased_at is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"external_id": "nobody"}, "No customer has this external id."),
        ({"email": "nobody@example.test", "confirm": "erase"}, "No customer has this email address."),
        ({}, "Give the customer&#x27;s external id or their email address."),
        ({"external_id": "crm-1", "email": "sam@example.test"}, "not both"),
        ({"email": "not an address"}, "Enter a valid email address."),
    ],
)
def test_bad_requests_are_refused_with_a_reason(people, customers, data, message):
    # when
    response = _client(people["admin"]).post(ERASE, data)
    # then
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(verb="customer.erased").exists()


def test_the_command_dry_runs_then_erases(customers):
    # given
    out = StringIO()
    # when
    call_command("erase_customer", "--external-id", "crm-1", "--dry-run", stdout=out)
    dry_customer = Customer.objects.get(pk=customers[0].pk)
    call_command("erase_customer", "--external-id", "crm-1", stdout=out)
    # then
    assert "Would erase 1 customer(s)" in out.getvalue()
    assert dry_customer.email == "sam@example.test"
    assert "Erased 1 customer(s)" in out.getvalue()
    erased = Customer.objects.get(pk=customers[0].pk)
    assert erased.erased_at is not None
    assert erased.email == ""
    assert Customer.objects.get(pk=customers[1].pk).email == "sam@example.test"
    assert AuditEvent.objects.get(verb="customer.erased").data["via"] == "command"


def test_the_command_names_an_unknown_customer():
    with pytest.raises(CommandError, match=r"No customer has this email address\."):
        call_command("erase_customer", "--email", "nobody@example.test")


def test_the_retention_page_shows_each_policy_with_its_dry_run_count(people):
    # given
    survey, calls = SourceFactory(slug="survey", name="Survey"), SourceFactory(slug="calls", name="Calls")
    FeedbackFactory(source=survey, occurred_at=timezone.now() - timedelta(days=800))
    RetentionPolicy.objects.create(source=survey, comments_anonymise_after_months=24)
    # when
    response = _client(people["admin"]).get(RETENTION)
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "would anonymise 1 comment and 0 cases' personal data now" in page
    assert f"/admin/feedback/retentionpolicy/add/?source={calls.pk}" in page


def test_the_admin_refuses_an_impossible_period(people):
    # given
    survey = SourceFactory(slug="survey")
    # when
    response = _client(people["admin"]).post(
        "/admin/feedback/retentionpolicy/add/",
        {"source": survey.pk, "comments_anonymise_after_months": 0, "case_personal_data_after_months": ""},
    )
    # then
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert not RetentionPolicy.objects.exists()
