"""POST /api/v1/survey-invitations/ and its reads: who may invite for which survey, one result per
item, idempotency per transaction (also for concurrent calls), and a constant number of queries."""

import json
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cxloop.org.services import api_token_create
from feedback.models import Customer, SurveyInvitation
from feedback.surveys.invitations import survey_invitations_create
from feedback.surveys.items import EMPLOYEES_BY_TEAM, INTERNAL_ONLY
from tests.factories import (
    CustomerFactory,
    InviteInvitationFactory,
    InviteSurveyFactory,
    InviteSurveyTextFactory,
    SourceFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/survey-invitations/"


@pytest.fixture
def survey(org):
    touchpoint = TouchpointFactory(slug="checkout", owning_team=org["team_a1"])
    survey = InviteSurveyFactory(
        slug="after-purchase", source=SourceFactory(slug="nps-email"), touchpoint=touchpoint
    )
    InviteSurveyTextFactory(survey=survey, language="en")
    return survey


def _token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def integration(people, survey):
    token, key = api_token_create(created_by=people["admin"], name="shop", integration=True)
    survey.source.integration_tokens.add(token)
    return _token_client(key)


def _post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def _item(n: int, **extra) -> dict:
    return {
        "customer": {"external_id": f"c-{n}", "email": f"c{n}@example.test"},
        "transaction_id": f"o-{n}",
        **extra,
    }


def test_anonymous_callers_are_refused():
    assert _post(APIClient(), {"survey": "after-purchase", **_item(1)}).status_code == 401


def test_a_token_bound_to_another_source_may_not_invite(people, survey):
    # given
    token, key = api_token_create(created_by=people["admin"], name="crm", integration=True)
    SourceFactory(slug="crm").integration_tokens.add(token)
    # when
    response = _post(_token_client(key), {"survey": "after-purchase", "invitations": [_item(1)]})
    # then
    assert response.status_code == 403
    assert "may not invite for source" in response.json()["detail"]
    assert not SurveyInvitation.objects.exists()


def test_a_person_may_not_invite_for_a_survey_tool_source(people, survey):
    client = APIClient()
    client.force_authenticate(people["agent"])
    assert _post(client, {"survey": "after-purchase", **_item(1)}).status_code == 403


def test_one_invitation_is_scheduled_then_a_duplicate(integration, org):
    # when
    first = _post(integration, {"survey": "after-purchase", **_item(1)})
    again = _post(integration, {"survey": "after-purchase", **_item(1)})
    # then
    assert first.status_code == 201
    assert first.json()["status"] == "scheduled"
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert again.json()["invitation_id"] == first.json()["invitation_id"]
    invitation = SurveyInvitation.objects.get()
    assert invitation.team == org["team_a1"]  # the touchpoint's team
    assert invitation.customer.email == "c1@example.test"


def test_bad_items_are_named_and_good_ones_kept(integration):
    # given
    items = [
        _item(1),
        {"customer": {"external_id": "c-2", "email": "not-an-email"}, "transaction_id": "o-2"},
        {"customer_id": True},
        _item(4, touchpoint="nowhere"),
        _item(5, customer_id=3),
        "text",
    ]
    # when
    response = _post(integration, {"survey": "after-purchase", "invitations": items})
    # then
    assert response.status_code == 207
    body = response.json()
    assert [row["status"] for row in body] == ["scheduled", "error", "error", "error", "error", "error"]
    assert body[1]["errors"] == {"customer": {"email": ["is not a valid email address."]}}
    assert body[2]["errors"] == {"customer_id": [INTERNAL_ONLY["customer_id"]]}
    assert body[3]["errors"] == {"touchpoint": ['unknown touchpoint "nowhere".']}
    assert body[4]["errors"] == {"customer_id": [INTERNAL_ONLY["customer_id"]]}
    assert body[5]["errors"] == {"non_field_errors": ["each item must be a JSON object."]}
    assert SurveyInvitation.objects.count() == 1


def test_a_suppressed_item_says_why(integration):
    CustomerFactory(external_id="c-1", do_not_contact=True)
    response = _post(integration, {"survey": "after-purchase", "invitations": [_item(1)]})
    assert response.status_code == 201
    row = response.json()[0]
    assert (row["status"], row["reason"]) == ("suppressed", "do_not_contact")
    assert row["reason_label"] == "The customer asked not to be contacted"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"survey": "after-purchase", "invitations": [_item(n) for n in range(1001)]}, "invitations"),
        ({"survey": "after-purchase", "invitations": []}, "invitations"),
        ({"survey": 7, **_item(1)}, "survey"),
    ],
)
def test_a_refused_request_names_its_reason(integration, body, field):
    response = _post(integration, body)
    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_survey_is_not_found(integration):
    response = _post(integration, {"survey": "nope", **_item(1)})
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_a_batch_takes_a_constant_number_of_queries(integration, django_assert_max_num_queries):
    # given: half the customers known, half new
    for n in range(0, 1000, 2):
        CustomerFactory(external_id=f"c-{n}", email=f"c{n}@example.test")
    body = {"survey": "after-purchase", "invitations": [_item(n) for n in range(1000)]}
    # when
    with django_assert_max_num_queries(20):
        response = _post(integration, body)
    # then
    assert response.status_code == 201
    assert SurveyInvitation.objects.filter(status="scheduled").count() == 1000


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_for_one_transaction_settle_on_one_invitation(org):
    # given
    survey = InviteSurveyFactory(slug="concurrent")
    barrier = threading.Barrier(2)
    answers = []

    def send():
        barrier.wait()
        try:
            answers.append(survey_invitations_create(survey=survey, items=[_item(1)], trigger="api")[0])
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(a.status for a in answers) == ["duplicate", "scheduled"]
    assert len({a.invitation_id for a in answers}) == 1
    assert SurveyInvitation.objects.count() == 1
    assert Customer.objects.count() == 1


def test_an_invitation_is_read_by_its_integration_and_not_by_another_team(integration, people):
    # given
    created = _post(integration, {"survey": "after-purchase", **_item(1)}).json()
    url = f"{URL}{created['invitation_id']}/"
    agent_b = APIClient()
    agent_b.force_authenticate(people["agent_b"])
    agent_a = APIClient()
    agent_a.force_authenticate(people["agent"])
    # when
    own = integration.get(url)
    # then
    assert own.status_code == 200
    assert (own.json()["status"], own.json()["status_label"]) == ("scheduled", "Scheduled")
    assert agent_a.get(url).status_code == 200  # the touchpoint's team is theirs
    assert agent_b.get(url).status_code == 404


def test_the_surveys_a_caller_may_invite_for(integration, people, survey):
    InviteSurveyFactory(slug="elsewhere")
    agent = APIClient()
    agent.force_authenticate(people["agent"])
    assert [s["slug"] for s in integration.get("/api/v1/surveys/").json()] == ["after-purchase"]
    assert agent.get("/api/v1/surveys/").json() == []
    assert integration.get("/api/v1/surveys/").json()[0]["languages"] == ["en"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/feedback/survey/",
        "/admin/feedback/survey/add/",
        "/admin/feedback/surveyinvitation/?status__exact=suppressed&suppressed_reason__exact=do_not_contact",
    ],
)
def test_the_admin_shows_surveys_and_invitations_read_only(admin_client, survey, url):
    # given
    survey_invitations_create(survey=survey, items=[_item(1)], trigger="api")
    # when
    response = admin_client.get(url)
    # then
    assert response.status_code == 200
    invitation = SurveyInvitation.objects.get()
    assert admin_client.get(f"/admin/feedback/surveyinvitation/{invitation.pk}/change/").status_code == 200
    assert admin_client.get("/admin/feedback/surveyinvitation/add/").status_code == 403


# --- ids of people and cases are cxloop's own: never taken from a caller ---


@pytest.mark.parametrize("field", ["customer_id", "employee_id", "case_id"])
def test_an_id_naming_a_person_or_a_case_is_refused_with_its_field(integration, people, field):
    # given: an existing customer, a person and a case-like id the caller might name
    ids = {"customer_id": CustomerFactory().pk, "employee_id": people["agent"].pk, "case_id": 1}
    # when
    single = _post(integration, {"survey": "after-purchase", **_item(1, **{field: ids[field]})})
    batch = _post(integration, {"survey": "after-purchase", "invitations": [_item(2, **{field: ids[field]})]})
    # then
    assert single.status_code == 400
    assert single.json()["errors"] == {field: [INTERNAL_ONLY[field]]}
    assert batch.status_code == 207
    assert batch.json()[0]["errors"] == {field: [INTERNAL_ONLY[field]]}
    assert not SurveyInvitation.objects.exists()


def test_a_team_scoped_person_cannot_reach_another_departments_customer_by_id(people, org):
    # given: a manual survey a department-A manager may invite for, and a customer of department B
    survey = InviteSurveyFactory(slug="manual", source=SourceFactory(slug="notes", kind="store"))
    theirs = CustomerFactory(external_id="b-secret")
    InviteInvitationFactory(customer=theirs, team=org["team_b1"])
    client = APIClient()
    client.force_authenticate(people["manager"])
    # when
    response = _post(client, {"survey": survey.slug, "customer_id": theirs.pk, "team_id": org["team_a1"].pk})
    # then
    assert response.status_code == 400
    assert "customer_id" in response.json()["errors"]
    assert not SurveyInvitation.objects.filter(survey=survey).exists()
    assert "b-secret" not in response.content.decode()


def test_an_employee_survey_cannot_be_sent_through_the_api(people, org):
    # given: an employee survey whose source the integration speaks for
    token, key = api_token_create(created_by=people["admin"], name="hr", integration=True)
    survey = InviteSurveyFactory(slug="pulse", audience="employees", source=SourceFactory(kind="employee"))
    survey.source.integration_tokens.add(token)
    # when
    by_id = _post(_token_client(key), {"survey": "pulse", "employee_id": people["agent"].pk})
    by_object = _post(_token_client(key), {"survey": "pulse", **_item(1)})
    # then
    assert (by_id.status_code, by_object.status_code) == (400, 400)
    assert by_id.json()["errors"]["survey"] == [EMPLOYEES_BY_TEAM]
    assert by_id.json()["errors"]["employee_id"] == [INTERNAL_ONLY["employee_id"]]
    assert by_object.json()["errors"] == {"survey": [EMPLOYEES_BY_TEAM]}
    assert not SurveyInvitation.objects.exists()


def test_cxloop_itself_still_names_customers_and_cases_by_id(survey):
    customer = CustomerFactory(email="own@example.test")
    (result,) = survey_invitations_create(
        survey=survey,
        items=[{"customer_id": customer.pk, "case_id": 7, "transaction_id": "x"}],
        trigger="rule",
    )
    assert result.status == "scheduled"
    assert SurveyInvitation.objects.get().case_id == 7
