"""An anonymised comment stays anonymised: a later delivery of the same item (a vendor's retry with
other words, an old file imported again) stores its score but not its text, and says so."""

import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cxloop.org.services import api_token_create
from feedback.models import Feedback, Source
from feedback.privacy.anonymise import comments_anonymise
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/feedback/"


@pytest.fixture
def client(people):
    SourceFactory(slug="store-notes", name="Store notes", kind=Source.Kind.STORE)
    _, key = api_token_create(created_by=people["agent"], name="till script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def _item(**changes) -> dict:
    return {"source": "store-notes", "external_id": "n-1", "scale": "nps", "score": 3, **changes}


@pytest.mark.parametrize("many", [False, True])
def test_a_later_delivery_does_not_bring_back_an_anonymised_comment(client, many):
    # given: an item whose comment was anonymised
    assert _post(client, _item(comment="Sam at 07700 900123 was rude")).status_code == 201
    feedback = Feedback.objects.get(external_id="n-1")
    comments_anonymise(feedback_ids=[feedback.pk], now=timezone.now())
    # when: the item comes again with other words and metadata, and a new score
    again = _item(comment="Sam was rude, call 07700 900123", score=5, metadata={"agent": "Sam"})
    response = _post(client, [again] if many else again)
    # then: the score is taken, the text is not, and the answer says why
    answer = response.json()[0] if many else response.json()
    assert answer["status"] == "updated"
    assert "anonymised" in answer["warnings"]["comment"][0]
    assert "anonymised" in answer["warnings"]["metadata"][0]
    feedback.refresh_from_db()
    assert (feedback.score, feedback.comment, feedback.metadata) == (5, "", {})


def test_an_item_never_anonymised_takes_a_new_comment(client):
    # given
    _post(client, _item(comment="Slow till"))
    # when
    answer = _post(client, _item(comment="Slow till, and no receipt")).json()
    # then
    assert answer["status"] == "updated"
    assert not answer.get("warnings")
    assert Feedback.objects.get(external_id="n-1").comment == "Slow till, and no receipt"
