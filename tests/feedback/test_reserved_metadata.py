"""`metadata.raised_by` is the staff form's signature (who raised an item): only the form writes it.

Through the API, webhooks and imports anyone could otherwise sign feedback with someone else's name,
and it would show on that person's "What I raised" page and bring them its outcomes.
"""

import json
import uuid

import pytest
from rest_framework.test import APIClient

from feedback.contract import ContractValidator
from feedback.models import Feedback, Source
from feedback.permissions import Writer
from feedback.services.ingest import ERROR, feedback_ingest_many
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/feedback/"
RESERVED = "metadata.raised_by is reserved: only the staff form records who raised an item."


@pytest.fixture
def staff_source(db):
    return SourceFactory(slug="staff", name="Staff voice", kind=Source.Kind.EMPLOYEE)


def forged(**overrides) -> dict:
    item = {
        "source": "staff",
        "external_id": "forged-1",
        "comment": "Forged words",
        "team": "team-b1",
        "metadata": {"raised_by": "agent-a1"},
    }
    return {**item, **overrides}


def post_as(user, body):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_a_person_cannot_sign_feedback_with_someone_elses_name(people, org, staff_source):
    # when: the security review's repro
    response = post_as(people["agent_b"], forged())
    # then: a 400 naming the reserved key, and nothing stored
    assert response.status_code == 400
    assert response.json()["errors"] == {"metadata": [RESERVED]}
    assert not Feedback.objects.exists()


def test_nor_with_their_own_name_outside_the_staff_form(people, org, staff_source):
    response = post_as(people["agent_b"], forged(metadata={"raised_by": "agent-b1", "type": "idea"}))
    assert response.status_code == 400
    assert not Feedback.objects.exists()


def test_an_update_cannot_add_the_signature(people, org, staff_source):
    # given: an unsigned item of the agent's team
    assert post_as(people["agent_b"], forged(metadata={"type": "idea"})).status_code == 201
    # when: the same source and external id again, now signed for someone else
    response = post_as(people["agent_b"], forged(metadata={"type": "idea", "raised_by": "agent-a1"}))
    # then
    assert response.status_code == 400
    assert response.json()["errors"] == {"metadata": [RESERVED]}
    assert Feedback.objects.get().metadata == {"type": "idea"}


def test_integrations_webhooks_and_imports_cannot_sign_either(org, staff_source):
    # given: the batch path they share, even as the system
    items = [forged(), forged(external_id=f"staff-{uuid.uuid4()}")]
    # when
    results = feedback_ingest_many(items=items, writer=Writer.system())
    # then
    assert [(r.status, r.errors) for r in results] == [(ERROR, {"metadata": [RESERVED]})] * 2
    assert not Feedback.objects.exists()


def test_the_staff_forms_validator_takes_only_its_own_author():
    # given
    item = {"source": "staff", "external_id": "staff-1", "metadata": {"raised_by": "agent-a1"}}
    SourceFactory(slug="staff", kind=Source.Kind.EMPLOYEE)
    # when
    mine, no_errors = ContractValidator(signed_by="agent-a1").validate(item)
    _, errors = ContractValidator(signed_by="agent-b1").validate(item)
    # then
    assert no_errors is None
    assert mine is not None
    assert mine["metadata"] == {"raised_by": "agent-a1"}
    assert errors == {"metadata": [RESERVED]}


def test_the_staff_form_still_signs_with_its_author(client, people, org, staff_source):
    # given
    client.force_login(people["agent"])
    form = {"submission_id": str(uuid.uuid4()), "kind": "obstacle", "comment": "The till freezes."}
    # when
    response = client.post("/feedback/staff/", form)
    # then
    assert response.status_code == 302
    assert Feedback.objects.get().metadata == {"type": "obstacle", "raised_by": "agent-a1"}
