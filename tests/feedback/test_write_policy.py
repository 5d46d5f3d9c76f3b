"""Who may write what (#12, defects 1 and 2): through the API, the forms and webhooks, nobody changes
another team's feedback or a customer's details they do not own.

These tests speak HTTP only, so they ran unchanged against the code before the write policy
(where each of them failed).
"""

import json
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from cxloop.core.models import AuditEvent
from cxloop.org.models import ApiToken
from cxloop.org.services import api_token_create
from feedback.models import Customer, Feedback, Source
from innerloop.models import Case
from tests.factories import CustomerFactory, FeedbackFactory, SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/feedback/"


@pytest.fixture
def store(db):
    return SourceFactory(slug="store-notes", name="Store notes", kind=Source.Kind.STORE)


@pytest.fixture
def survey(db):
    return SourceFactory(slug="nps-survey", name="NPS survey", kind=Source.Kind.SURVEY)


@pytest.fixture
def rich_customer(db):
    return CustomerFactory(
        external_id="C-77", name="Grace Hopper", email="grace@example.test", segment="business",
        annual_value=Decimal("25000.00"), value_tier="top",
    )  # fmt: skip


@pytest.fixture
def theirs(org, store, rich_customer):
    """Feedback of department B's team, stored earlier."""
    return FeedbackFactory(
        source=store, external_id="form-b-1", team=org["team_b1"], customer=rich_customer,
        scale="nps", score=9, comment="Lovely service in Leeds.",
    )  # fmt: skip


def _token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _agent_token(people) -> APIClient:
    _, key = api_token_create(created_by=people["agent"], name="my script")
    return _token_client(key)


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def _snapshot(feedback: Feedback) -> tuple:
    feedback.refresh_from_db()
    return feedback.score, feedback.comment, feedback.team_id, feedback.customer_id, feedback.processed_at


# --- defect 1: another team's feedback --------------------------------------------------------


def test_a_personal_token_cannot_update_another_departments_feedback(people, org, theirs):
    # given
    before = _snapshot(theirs)
    client = _agent_token(people)
    attack = {"source": "store-notes", "external_id": "form-b-1", "scale": "nps", "score": 0, "comment": "x"}
    # when: as it is, and claiming the agent's own team
    plain = post(client, attack)
    moved = post(client, {**attack, "team": "team-a1"})
    # then
    for response in (plain, moved):
        assert response.status_code == 400, response.content
        assert response.json()["status"] == "error"
        assert "external_id" in response.json()["errors"]
    assert _snapshot(theirs) == before
    assert not Case.objects.exists()


def test_an_array_cannot_update_another_departments_feedback_either(people, org, theirs):
    # given
    before = _snapshot(theirs)
    client = _agent_token(people)
    batch = [
        {"source": "store-notes", "external_id": "form-b-1", "comment": "overwritten", "team": "team-a1"},
        {"source": "store-notes", "external_id": "form-a-1", "comment": "Mine, for my team."},
    ]
    # when
    response = post(client, batch)
    # then
    assert response.status_code == 207
    assert [row["status"] for row in response.json()] == ["error", "created"]
    assert _snapshot(theirs) == before
    assert Feedback.objects.get(external_id="form-a-1").team == org["team_a1"]


def test_the_quick_entry_form_cannot_overwrite_another_teams_item(client, people, org, store, theirs):
    # given: the hidden submission id set to the other item's
    client.force_login(people["agent"])
    form = {"submission_id": str(uuid.uuid4()), "source": "store-notes", "comment": "Mine.", "scale": "nps",
            "score": "1"}  # fmt: skip
    Feedback.objects.filter(pk=theirs.pk).update(external_id=f"form-{form['submission_id']}")
    before = _snapshot(theirs)
    # when
    response = client.post("/feedback/new/", form)
    # then
    assert response.status_code == 400
    assert "you may not change" in response.content.decode()
    assert _snapshot(theirs) == before


def test_people_cannot_send_survey_responses_or_file_them_under_another_team(people, org, survey, store):
    # given
    client = _agent_token(people)
    # when
    forged = post(client, {"source": "nps-survey", "external_id": "r-1", "scale": "nps", "score": 10})
    elsewhere = post(
        client, {"source": "store-notes", "external_id": "n-1", "comment": "hi", "team": "team-b1"}
    )
    # then
    assert forged.status_code == 400
    assert "survey source" in forged.json()["errors"]["source"][0]
    assert elsewhere.status_code == 400
    assert "own teams" in elsewhere.json()["errors"]["team"][0]
    assert not Feedback.objects.exists()


def test_an_integration_token_sends_only_for_its_sources(people, org, survey, store, theirs):
    # given
    token, key = api_token_create(created_by=people["admin"], name="survey tool", integration=True)
    survey.integration_tokens.add(token)
    client = _token_client(key)
    before = _snapshot(theirs)
    # when
    own = post(client, {"source": "nps-survey", "external_id": "r-1", "scale": "nps", "score": 3})
    other = post(client, {"source": "store-notes", "external_id": "form-b-1", "comment": "x", "score": None})
    # then
    assert own.status_code == 201
    assert other.status_code == 400
    assert "may not send feedback for source" in other.json()["errors"]["source"][0]
    assert _snapshot(theirs) == before


# --- defect 2: customers ----------------------------------------------------------------------


CUSTOMER_BEFORE = ("Grace Hopper", "grace@example.test", "business", Decimal("25000.00"), "top")


def _customer(customer: Customer) -> tuple:
    customer.refresh_from_db()
    return customer.name, customer.email, customer.segment, customer.annual_value, customer.value_tier


def test_a_person_cannot_overwrite_a_customers_details_through_the_api(people, org, store, rich_customer):
    # given
    client = _agent_token(people)
    body = {
        "source": "store-notes", "external_id": "n-1", "comment": "Asked about a refund.",
        "customer": {"external_id": "C-77", "email": "attacker@example.test", "segment": "consumer",
                     "annual_value": "0.00"},
    }  # fmt: skip
    # when
    response = post(client, body)
    # then: the feedback is stored and tied to the customer, whose details stay; the answer says so
    assert response.status_code == 201
    assert Feedback.objects.get(external_id="n-1").customer == rich_customer
    assert "not changed (annual_value, email, segment)" in response.json()["warnings"]["customer"][0]
    assert _customer(rich_customer) == CUSTOMER_BEFORE


def test_the_quick_entry_form_cannot_overwrite_a_customers_email(client, people, org, store, rich_customer):
    # given
    client.force_login(people["agent"])
    form = {
        "submission_id": str(uuid.uuid4()),
        "source": "store-notes",
        "comment": "Came back about the sofa.",
        "customer_external_id": "C-77",
        "customer_email": "attacker@example.test",
    }
    # when
    response = client.post("/feedback/new/", form, follow=True)
    # then
    assert response.status_code == 200
    assert "not changed (email)" in response.content.decode()
    assert _customer(rich_customer) == CUSTOMER_BEFORE
    assert Feedback.objects.get().customer == rich_customer


def test_someone_who_manages_customers_changes_them_and_the_change_is_audited(
    people, org, store, rich_customer
):
    # given
    people["agent"].user_permissions.add(Permission.objects.get(codename="manage_customers"))
    client = _agent_token(people)
    customer = {"external_id": "C-77", "email": "grace.new@example.test", "annual_value": "900"}
    body = {"source": "store-notes", "external_id": "n-1", "comment": "Moved house.", "customer": customer}
    # when
    response = post(client, body)
    # then
    assert response.status_code == 201
    assert "warnings" not in response.json()
    after = ("Grace Hopper", "grace.new@example.test", "business", Decimal("900.00"), "standard")
    assert _customer(rich_customer) == after
    event = AuditEvent.objects.get(verb="customer.updated")
    assert event.target_id == str(rich_customer.pk)
    # Field names only: the append-only audit log never holds contact details.
    assert event.data["fields"] == ["annual_value", "email"]
    assert "grace" not in str(event.data)
    assert event.actor == people["agent"]


def test_only_the_customers_source_of_truth_changes_them_from_an_integration(
    people, org, survey, rich_customer
):
    # given
    crm = SourceFactory(slug="crm", kind=Source.Kind.OTHER, customer_authority=True)
    token, key = api_token_create(created_by=people["admin"], name="crm sync", integration=True)
    crm.integration_tokens.add(token)
    survey_token, survey_key = api_token_create(created_by=people["admin"], name="survey", integration=True)
    survey.integration_tokens.add(survey_token)
    customer = {"external_id": "C-77", "segment": "enterprise"}
    # when
    from_survey = post(
        _token_client(survey_key), {"source": "nps-survey", "external_id": "r-1", "customer": customer}
    )
    unchanged = _customer(rich_customer)
    from_crm = post(_token_client(key), {"source": "crm", "external_id": "x-1", "customer": customer})
    # then
    assert from_survey.status_code == from_crm.status_code == 201
    assert unchanged == CUSTOMER_BEFORE
    assert _customer(rich_customer)[2] == "enterprise"
    assert ApiToken.objects.get(pk=token.pk).sources.get() == crm


def test_new_customers_are_created_with_what_the_delivery_carries(people, org, store):
    # when
    customer = {"external_id": "C-9", "email": "new@example.test"}
    body = {"source": "store-notes", "external_id": "n-1", "comment": "Hello.", "customer": customer}
    response = post(_agent_token(people), body)
    # then
    assert response.status_code == 201
    assert Customer.objects.get(external_id="C-9").email == "new@example.test"


# --- the file import path ---------------------------------------------------------------------


def _import(*, user, source, text: str, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from feedback.intake.imports import services
    from feedback.intake.imports.mapping import Mapping
    from feedback.intake.imports.tasks import import_job_read

    settings.MEDIA_ROOT = tmp_path / "media"
    upload = SimpleUploadedFile("calls.csv", text.encode(), content_type="text/csv")
    job = services.import_job_create(uploaded_file=upload, source=source, user=user)
    import_job_read(job_id=job.pk)
    job.refresh_from_db()
    mapping = Mapping(columns={"external_id": 0, "comment": 1, "team": 2, "customer.external_id": 3,
                               "customer.email": 4})  # fmt: skip
    services.import_job_map(job=job, mapping=mapping)
    job = services.import_job_start(job=job)
    while job.status == job.Status.RUNNING:
        services.import_job_run_chunks(
            job_id=job.pk, offset=job.next_row_offset, chunk_size=100, time_budget=0
        )
        job.refresh_from_db()
    return job


def test_a_file_import_cannot_change_another_teams_feedback_nor_a_customer(
    people, org, store, theirs, rich_customer, settings, tmp_path
):
    # given: a lead of team A1 imports a file naming team B1's item, team B1, and B1's customer
    before = _snapshot(theirs)
    text = (
        "id,comment,team,customer,email\r\n"
        "form-b-1,Overwritten by a file,,,\r\n"
        "n-2,Filed under another team,team-b1,,\r\n"
        "n-3,Ours,,C-77,attacker@example.test\r\n"
    )
    # when
    job = _import(user=people["lead"], source=store, text=text, settings=settings, tmp_path=tmp_path)
    # then
    assert (job.created_count, job.error_count) == (1, 2)
    reasons = dict(job.row_errors.values_list("line", "reason"))
    assert "you may not change" in reasons[2]
    assert "own teams" in reasons[3]
    assert _snapshot(theirs) == before
    assert Feedback.objects.get(external_id="n-3").team == org["team_a1"]
    assert _customer(rich_customer) == CUSTOMER_BEFORE


def test_a_team_lead_cannot_import_survey_responses(people, org, survey, settings, tmp_path):
    # when
    text = "id,comment,team,customer,email\r\nr-1,Great,,,\r\n"
    job = _import(user=people["lead"], source=survey, text=text, settings=settings, tmp_path=tmp_path)
    # then
    assert (job.created_count, job.error_count) == (0, 1)
    assert "survey source" in job.row_errors.get().reason
    assert not Feedback.objects.exists()


def test_a_manager_names_the_team_of_an_import_and_only_one_of_their_own(
    people, org, store, settings, tmp_path
):
    # given: the mapping page asks a manager (several teams) for the rows' team
    from feedback.intake.imports.forms import MappingForm
    from feedback.selectors import teams_to_file_under

    under = teams_to_file_under(user=people["manager"])
    headers = ["id", "comment"]
    data = {"external_id_mode": "column", "col_external_id": "0", "col_comment": "1", "timezone": "UTC",
            "date_order": "dmy"}  # fmt: skip
    # when
    unnamed = MappingForm(data, headers=headers, teams=under.teams, team_required=under.required)
    theirs = MappingForm({**data, "team": "team-b1"}, headers=headers, teams=under.teams, team_required=True)
    named = MappingForm({**data, "team": "team-a2"}, headers=headers, teams=under.teams, team_required=True)
    # then
    assert "team" in unnamed.errors
    assert "team" in theirs.errors
    assert named.is_valid(), named.errors
    assert named.to_mapping().team == "team-a2"


def test_an_update_changing_the_scale_of_a_stored_score_is_an_error_not_a_server_error(people, org, store):
    # given: a score of 9 on the NPS scale
    client = _agent_token(people)
    post(client, {"source": "store-notes", "external_id": "n-1", "scale": "nps", "score": 9, "comment": "ok"})
    # when: the same item again on the CES scale (1-7), without a score
    response = post(client, {"source": "store-notes", "external_id": "n-1", "scale": "ces", "comment": "ok"})
    # then
    assert response.status_code == 400
    assert "not on the ces scale" in response.json()["errors"]["score"][0]
    assert Feedback.objects.get(external_id="n-1").scale == "nps"
