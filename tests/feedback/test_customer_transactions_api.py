"""POST/GET /api/v1/customer-transactions/ (#18 item 8): revenue and churn per customer, exactly once,
row by row, only by those who hold customers' value and only for customers they can see."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from cxloop.core.models import AuditEvent
from cxloop.org.services import api_token_create
from feedback.models import CustomerTransaction, Source
from tests.factories import CustomerFactory, CustomerTransactionFactory, FeedbackFactory, SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customer-transactions/"
WHEN = "2026-03-01T10:00:00+01:00"


@pytest.fixture
def crm(db):
    return SourceFactory(slug="crm", kind=Source.Kind.OTHER, customer_authority=True)


@pytest.fixture
def customers(org, crm):
    """C-1 heard from through the CRM (team A1); C-2 only through a survey of team B1."""
    survey = SourceFactory(slug="survey", kind=Source.Kind.SURVEY)
    c1, c2 = CustomerFactory(external_id="C-1"), CustomerFactory(external_id="C-2")
    FeedbackFactory(source=crm, customer=c1, team=org["team_a1"])
    FeedbackFactory(source=survey, customer=c2, team=org["team_b1"])
    return {"c1": c1, "c2": c2}


@pytest.fixture
def crm_client(people, crm):
    token, key = api_token_create(created_by=people["admin"], name="crm sync", integration=True)
    crm.integration_tokens.add(token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def order(external_id="O-1", customer="C-1", amount="120.50", **more):
    return {"customer": customer, "kind": "order", "external_id": external_id, "amount": amount,
            "occurred_at": WHEN, **more}  # fmt: skip


def test_one_order_is_stored_once_and_a_repeat_is_a_duplicate(crm_client, customers):
    # when
    first = post(crm_client, order())
    again = post(crm_client, order())
    # then
    assert first.status_code == 201, first.content
    assert first.json() == {"external_id": "O-1", "status": "created", "id": first.json()["id"], "errors": {}}
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    stored = CustomerTransaction.objects.get()
    assert (stored.customer, stored.amount) == (customers["c1"], Decimal("120.50"))
    assert AuditEvent.objects.filter(verb="customer_transactions.recorded").count() == 1


def test_a_repeat_with_another_amount_corrects_the_stored_row(crm_client, customers):
    # given
    post(crm_client, order())
    # when
    response = post(crm_client, order(amount="99.00"))
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "updated"
    assert CustomerTransaction.objects.get().amount == Decimal("99.00")


def test_an_array_stores_good_rows_and_names_each_bad_field_with_its_reason(crm_client, customers):
    # given
    batch = [
        order("O-1"),
        {"customer": "C-1", "kind": "churn", "external_id": "CH-1", "occurred_at": WHEN},
        order("O-2", amount="-5"),
        {"customer": "C-1", "kind": "churn", "external_id": "CH-2", "amount": "10", "occurred_at": WHEN},
        order("O-3", occurred_at="2026-03-01T10:00:00"),
        order("O-4", customer="nobody"),
        {"customer": "C-1", "kind": "renewal", "external_id": "R-1", "occurred_at": WHEN},
        order("O-1"),
    ]
    # when
    response = post(crm_client, batch)
    # then
    assert response.status_code == 207
    rows = response.json()
    assert [row["status"] for row in rows] == [
        "created", "created", "error", "error", "error", "error", "error", "duplicate",
    ]  # fmt: skip
    assert list(rows[2]["errors"]) == ["amount"]
    assert "greater than or equal to 0" in rows[2]["errors"]["amount"][0]
    assert rows[3]["errors"] == {"amount": ["a churn has no amount: leave it out."]}
    assert "UTC offset" in rows[4]["errors"]["occurred_at"][0]
    assert list(rows[5]["errors"]) == ["customer"]
    assert rows[6]["errors"] == {"amount": ["required for an order, a renewal or a refund."]}
    assert set(CustomerTransaction.objects.values_list("external_id", flat=True)) == {"O-1", "CH-1"}


def test_an_array_of_only_new_rows_is_201_and_a_too_long_one_is_refused(crm_client, customers):
    # when
    created = post(crm_client, [order("O-1"), order("O-2")])
    too_long = post(crm_client, [order(f"X-{i}") for i in range(1001)])
    empty = post(crm_client, [])
    # then
    assert created.status_code == 201
    assert too_long.status_code == empty.status_code == 400
    assert CustomerTransaction.objects.count() == 2


def test_an_external_id_of_another_customers_transaction_is_an_error_not_a_move(crm_client, customers, crm):
    # given
    c3 = CustomerFactory(external_id="C-3")
    FeedbackFactory(source=crm, customer=c3)
    post(crm_client, order("O-1"))
    # when
    response = post(crm_client, order("O-1", customer="C-3"))
    # then
    assert response.status_code == 400
    assert "another customer" in response.json()["errors"]["external_id"][0]
    assert CustomerTransaction.objects.get().customer == customers["c1"]


def test_a_token_records_only_for_customers_seen_through_its_sources(crm_client, customers):
    # when: C-2 exists, but the CRM never sent anything about them
    response = post(crm_client, order("O-9", customer="C-2"))
    # then: the same answer as for an unknown customer, so ids cannot be probed
    assert response.status_code == 400
    unknown = post(crm_client, order("O-8", customer="no-such-customer"))
    assert response.json()["errors"] == unknown.json()["errors"]
    assert not CustomerTransaction.objects.exists()


def test_a_token_of_sources_that_are_not_customer_authorities_is_refused(people, customers):
    # given
    survey = Source.objects.get(slug="survey")
    token, key = api_token_create(created_by=people["admin"], name="survey tool", integration=True)
    survey.integration_tokens.add(token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    # when
    response = post(client, order(customer="C-2"))
    # then
    assert response.status_code == 403
    assert "source of truth" in response.json()["detail"]
    assert not CustomerTransaction.objects.exists()


@pytest.mark.parametrize("role", ["agent", "manager", "committee"])
def test_people_without_the_manage_customers_permission_are_refused(client, people, customers, role):
    # given
    client.force_login(people[role])
    # when
    response = post(client, order())
    # then
    assert response.status_code == 403
    assert not CustomerTransaction.objects.exists()


def test_a_manager_who_manages_customers_records_only_for_customers_of_their_department(
    client, people, customers
):
    # given
    manager = people["manager"]
    manager.user_permissions.add(Permission.objects.get(codename="manage_customers"))
    client.force_login(manager)
    # when
    response = post(client, [order("O-1", customer="C-1"), order("O-2", customer="C-2")])
    # then
    assert response.status_code == 207
    assert [row["status"] for row in response.json()] == ["created", "error"]


def test_an_administrator_records_for_any_known_customer(client, people, customers):
    # given
    client.force_login(people["admin"])
    # when
    response = post(client, [order("O-1", customer="C-1"), order("O-2", customer="C-2")])
    # then
    assert response.status_code == 201


def test_the_list_shows_only_customers_the_reader_can_see(
    client, people, customers, django_assert_max_num_queries
):
    # given
    for index in range(5):
        CustomerTransactionFactory(customer=customers["c1"], external_id=f"A-{index}")
    CustomerTransactionFactory(customer=customers["c2"], external_id="B-1")
    client.force_login(people["agent"])
    # when
    with django_assert_max_num_queries(12):
        mine = client.get(URL)
    client.force_login(people["admin"])
    every = client.get(URL, {"kind": "order"})
    bad = client.get(URL, {"kind": "gift"})
    # then
    assert mine.status_code == 200
    assert {row["customer"] for row in mine.json()["results"]} == {"C-1"}
    assert every.json()["count"] == 6
    assert bad.status_code == 400
    assert "kind" in bad.json()


def test_an_integration_token_may_not_read_the_list(crm_client, customers):
    assert crm_client.get(URL).status_code == 403


def test_the_schema_documents_the_endpoint(client, people):
    # given
    client.force_login(people["admin"])
    # when
    schema = client.get("/api/schema/", {"format": "json"}).json()
    # then
    operations = schema["paths"]["/api/v1/customer-transactions/"]
    assert {"get", "post"} <= set(operations)
    body = schema["components"]["schemas"]["TransactionIngestRequest"]["oneOf"]
    assert body[1]["maxItems"] == 1000
    assert {"customer", "kind", "external_id", "amount", "occurred_at"} <= set(
        schema["components"]["schemas"]["TransactionInputRequest"]["properties"]
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer": "C-\u00001"}, "customer"),
        ({"amount": "1" * 30}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": 12.5}, None),
        ({"occurred_at": "9999-12-31T23:59:59+14:00"}, "occurred_at"),
        ({"external_id": ""}, "external_id"),
        ({"kind": "gift"}, "kind"),
    ],
)
def test_odd_values_are_refused_by_field_never_a_server_error(crm_client, customers, change, field):
    # when
    response = post(crm_client, [order(), {**order("O-2"), **change}, 7])
    # then
    assert response.status_code == 207
    first, second, third = response.json()
    assert first["status"] == "created"
    assert list(second["errors"]) == ([field] if field else [])
    assert third["errors"] == {"non_field_errors": ["each item must be a JSON object."]}


def test_list_filters_with_odd_values_answer_400_not_500(client, people):
    client.force_login(people["admin"])
    for query in ({"customer": "a\u0000b"}, {"occurred_after": "not a time"}):
        assert client.get(URL, query).status_code == 400
