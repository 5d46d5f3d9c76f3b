"""The audit log people read: the administrators' page, its CSV export and the API; who may read
it, its filters, its pages, and what it costs."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from cxloop.core.models import AuditEvent, audit
from cxloop.org.services import api_token_create
from tests.factories import CustomerFactory, FeedbackFactory
from tests.innerloop.factories import CaseFactory

pytestmark = pytest.mark.django_db

PAGE = "/settings/audit/"
CSV = "/settings/audit/export.csv"
API = "/api/v1/audit-events/"


@pytest.fixture
def rows(org, people):
    """A case viewed, a customer viewed, a rule changed; each by someone else."""
    customer = CustomerFactory(external_id="CRM-42")
    case = CaseFactory(team=org["team_a1"], feedback=FeedbackFactory(customer=customer, score=2))
    return {
        "customer": customer,
        "case": case,
        "case_viewed": audit(actor=people["agent"], verb="case.viewed", target=case),
        "customer_viewed": audit(actor=people["lead"], verb="customer.viewed", target=customer),
        "other": audit(actor=people["admin"], verb="custom.thing", target=people["lead"], fields=["a", "b"]),
    }


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- Who may read it --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "lead", "manager", "committee"])
def test_only_administrators_read_the_log(client, people, rows, who):
    # given
    client.force_login(people[who])
    api = APIClient()
    api.force_authenticate(people[who])
    # then
    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403
    assert api.get(API).status_code == 403
    assert not AuditEvent.objects.filter(verb="audit.exported").exists()


def test_a_token_that_is_not_an_administrators_reads_nothing(people, rows):
    # given: an agent's personal token, and an integration's
    _, personal = api_token_create(created_by=people["agent"], name="scripts")
    _, integration = api_token_create(created_by=people["admin"], name="sync", integration=True)
    # then
    for key in (personal, integration):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get(API).status_code == 403
    assert APIClient().get(API).status_code in (401, 403)


def test_an_administrators_token_reads_the_log(people, rows):
    _, key = api_token_create(created_by=people["admin"], name="siem")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(API).status_code == 200


# --- The page ---------------------------------------------------------------------------------


def test_the_page_shows_who_did_what_to_which_object_newest_first(client, people, rows):
    # given
    client.force_login(people["admin"])
    # when
    response = client.get(PAGE)
    # then
    assert response.status_code == 200
    listed = [row["event"].pk for row in response.context["rows"]]
    assert listed == sorted(listed, reverse=True)
    page = response.content.decode()
    case_url = reverse("innerloop:case", args=[rows["case"].pk])
    assert f'<a href="{case_url}">case {rows["case"].pk}</a>' in page
    assert "Viewed a case" in page
    assert "Viewed a customer" in page
    assert "custom.thing" in page  # a verb without a label, as it is
    assert "fields: a, b" in page
    assert reverse("audit:log") in page  # the navigation links the page


def test_the_page_costs_a_few_queries_whatever_the_number_of_rows(
    client, people, rows, django_assert_max_num_queries
):
    # given: a full page of rows
    for _ in range(60):
        audit(actor=people["agent"], verb="case.viewed", target=rows["case"])
    client.force_login(people["admin"])
    # when
    # the session, the person, their roles, the customer's id, the rows, the notification bell; and
    # room for two more that every page may come to need (the sign-in checks)
    with django_assert_max_num_queries(8):
        response = client.get(PAGE, {"customer": "CRM-42"})
    # then
    assert len(response.context["rows"]) == 50


def test_older_rows_are_a_page_further(client, people, rows):
    # given
    for _ in range(55):
        audit(actor=people["agent"], verb="case.viewed", target=rows["case"])
    client.force_login(people["admin"])
    # when
    first = client.get(PAGE, {"verb": "case.viewed"})
    second = client.get(PAGE, {"verb": "case.viewed", "before": first.context["next_before"]})
    # then
    seen = [row["event"].pk for row in first.context["rows"] + second.context["rows"]]
    assert len(seen) == len(set(seen)) == 56
    assert second.context["next_before"] is None
    assert "before=" in first.content.decode()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"person": "agent-a1"}, ["case_viewed"]),
        ({"customer": "CRM-42"}, ["case_viewed", "customer_viewed"]),
        ({"verb": "customer.viewed"}, ["customer_viewed"]),
        ({"target_type": "innerloop.case"}, ["case_viewed"]),
        ({"target_type": "auth.user", "target_id": "LEAD", "verb": "custom.thing"}, ["other"]),
        ({"target_type": "feedback.customer", "target_id": "999999999"}, []),
        ({"person": "nobody"}, []),
    ],
)
def test_the_filters(client, people, rows, filters, expected):
    # given
    client.force_login(people["admin"])
    filters = {key: str(people["lead"].pk) if value == "LEAD" else value for key, value in filters.items()}
    # when
    response = client.get(PAGE, filters)
    # then
    assert response.status_code == 200
    assert {row["event"].pk for row in response.context["rows"]} == {rows[name].pk for name in expected}


def test_a_customer_is_found_by_id_as_well_as_by_external_id(client, people, rows):
    client.force_login(people["admin"])
    by_id = client.get(PAGE, {"customer": str(rows["customer"].pk)})
    assert {row["event"].verb for row in by_id.context["rows"]} == {"case.viewed", "customer.viewed"}


def test_the_date_range_includes_both_days(client, people, rows):
    # given: a row from three days ago
    with freeze_time(timezone.now() - timedelta(days=3)):
        old = audit(actor=people["agent"], verb="case.viewed", target=rows["case"])
    day = (timezone.now() - timedelta(days=3)).date()
    client.force_login(people["admin"])
    # when
    that_day = client.get(PAGE, {"from": day.isoformat(), "to": day.isoformat()})
    since = client.get(PAGE, {"from": (day + timedelta(days=1)).isoformat()})
    # then
    assert [row["event"].pk for row in that_day.context["rows"]] == [old.pk]
    assert old.pk not in {row["event"].pk for row in since.context["rows"]}


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"target_id": "12"}, "target_type"),
        ({"target_type": "no.such"}, "target_type"),
        ({"person": "x" * 151}, "person"),
    ],
)
def test_bad_filters_are_form_errors_and_api_400s_naming_the_field(client, people, rows, filters, field):
    # given
    client.force_login(people["admin"])
    api = APIClient()
    api.force_authenticate(people["admin"])
    # when
    page = client.get(PAGE, filters)
    listing = api.get(API, filters)
    export = client.get(CSV, filters)
    # then
    assert page.status_code == listing.status_code == export.status_code == 400
    assert field in page.context["filter_form"].errors
    assert field in listing.json()
    assert not AuditEvent.objects.filter(verb="audit.exported").exists()


def test_a_page_marker_that_is_not_one_is_said_so(client, people, rows):
    client.force_login(people["admin"])
    response = client.get(PAGE, {"before": "abc"})
    assert response.status_code == 400
    assert "Not a page of this log" in response.content.decode()


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_export_holds_the_filtered_rows_and_is_itself_recorded(client, people, rows):
    # given
    audit(actor=people["lead"], verb="=cmd|' /C calc'!A0", target=rows["customer"])
    client.force_login(people["admin"])
    # when
    response = client.get(CSV, {"customer": "CRM-42"})
    table = _csv(response)
    # then
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert table[0][:5] == ["id", "when", "who", "what", "verb"]
    verbs = [line[4] for line in table[1:]]
    assert verbs == ["'=cmd|' /C calc'!A0", "customer.viewed", "case.viewed"]
    exported = AuditEvent.objects.get(verb="audit.exported")
    assert exported.actor == people["admin"]
    # the customer as the ids it named, not as typed
    assert exported.data == {"filters": {"customer": [rows["customer"].pk]}}


# --- API --------------------------------------------------------------------------------------


def test_the_api_lists_rows_a_page_at_a_time_with_the_same_filters(people, rows):
    # given
    api = APIClient()
    api.force_authenticate(people["admin"])
    # when
    response = api.get(API, {"customer": "CRM-42", "limit": 1})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["next"]
    (first,) = body["results"]
    assert first == {
        "id": rows["customer_viewed"].pk,
        "created_at": first["created_at"],
        "actor": "lead-a1",
        "actor_id": people["lead"].pk,
        "verb": "customer.viewed",
        "what": "Viewed a customer",
        "target_type": "feedback.customer",
        "target_id": str(rows["customer"].pk),
        "customer_id": rows["customer"].pk,
        "address": None,
        "data": {},
    }
