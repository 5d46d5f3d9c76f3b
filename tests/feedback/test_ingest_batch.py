"""Arrays of POST /api/v1/feedback/ are stored together: the answers are those of one item after another."""

import json

import pytest
from django.db import connection
from rest_framework.test import APIClient

from feedback.models import Customer, Feedback
from feedback.services.ingest import LIVE_DELIVERY_MAX
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/feedback/"


@pytest.fixture
def api(people):
    SourceFactory(slug="survey")
    client = APIClient()
    client.force_authenticate(people["admin"])
    return client


def item(external_id: str, **overrides) -> dict:
    return {"source": "survey", "external_id": external_id, "scale": "nps", "score": 4, **overrides}


def post(api, body):
    return api.post(URL, data=json.dumps(body), content_type="application/json")


def statuses(response) -> list[tuple[str, str]]:
    return [(row["external_id"], row["status"]) for row in response.json()]


def test_repeats_inside_a_batch_and_redeliveries_of_stored_items(api):
    # given
    stored = post(api, item("old", comment="first")).json()["id"]
    # when
    response = post(
        api,
        [
            item("new"),
            item("old", comment="first"),
            item("old", comment="second thoughts"),
            item("new"),
            item("new", score=9),
            item("other"),
        ],
    )
    # then
    assert response.status_code == 207
    assert statuses(response) == [
        ("new", "created"),
        ("old", "duplicate"),
        ("old", "updated"),
        ("new", "duplicate"),
        ("new", "updated"),
        ("other", "created"),
    ]
    assert [row["id"] for row in response.json()][1:3] == [stored, stored]
    assert Feedback.objects.count() == 3
    assert Feedback.objects.get(external_id="old").comment == "second thoughts"
    assert Feedback.objects.get(external_id="new").score == 9


def test_a_customer_named_twice_ends_as_one_delivery_after_another_would_leave_it(api):
    # given
    Customer.objects.create(external_id="c-1", name="Ada", phone="+44123456")
    # when
    response = post(
        api,
        [
            item("a", customer={"external_id": "c-1", "segment": "retail", "annual_value": "500"}),
            item("b", customer={"external_id": "c-1", "email": "ada@example.test", "segment": "business"}),
            item("c", customer={"external_id": "c-2"}),
            item("d", customer={"email": "Bob@Example.test", "annual_value": "20000"}),
            item("e", customer={"external_id": "c-2"}),
        ],
    )
    # then
    assert response.status_code == 201
    ada = Customer.objects.get(external_id="c-1")
    assert (ada.name, ada.phone, ada.email, ada.segment, ada.annual_value, ada.value_tier) == (
        "Ada",
        "+44123456",
        "ada@example.test",
        "business",
        500,
        Customer.ValueTier.STANDARD,
    )
    bob = Customer.objects.get(external_id="email:bob@example.test")
    assert bob.value_tier == Customer.ValueTier.TOP
    customers = dict(Feedback.objects.values_list("external_id", "customer__external_id"))
    assert customers == {"a": "c-1", "b": "c-1", "c": "c-2", "d": "email:bob@example.test", "e": "c-2"}
    assert Customer.objects.count() == 3


@pytest.fixture
def database_refuses_item_x():
    """A trigger that refuses one external id, as a constraint the contract does not know would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_x() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.external_id = 'x' THEN RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; "
            "END IF; RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_x BEFORE INSERT ON feedback_feedback "
            "FOR EACH ROW EXECUTE FUNCTION refuse_x()"
        )


def test_a_row_the_database_refuses_is_its_error_and_the_others_are_stored(api, database_refuses_item_x):
    # when
    response = post(api, [item("a"), item("x"), item("c")])
    # then
    assert response.status_code == 207
    assert statuses(response) == [("a", "created"), ("x", "error"), ("c", "created")]
    assert response.json()[1]["errors"] == {"non_field_errors": ["could not be stored."]}
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["a", "c"]


def _sent_by(monkeypatch, *tasks) -> dict[str, list]:
    sent = {task.name: [] for task in tasks}
    for task in tasks:
        monkeypatch.setattr(
            task, "apply_async", lambda kwargs, name=task.name, **options: sent[name].append(kwargs)
        )
    return sent


def test_a_bulk_load_is_enriched_by_one_task_per_chunk_on_the_bulk_queue_after_commit(
    api, django_capture_on_commit_callbacks, monkeypatch
):
    # given
    from feedback.tasks import feedback_process_bulk, feedback_process_many

    sent = _sent_by(monkeypatch, feedback_process_bulk, feedback_process_many)
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(api, [item(str(n)) for n in range(450)])
    # then: nothing before commit; then three bulk tasks that name every stored item once
    assert response.status_code == 201
    assert sent == {"feedback.process_bulk": [], "feedback.process_many": []}
    for callback in callbacks:
        callback()
    bulk = sent["feedback.process_bulk"]
    assert [len(task["feedback_ids"]) for task in bulk] == [200, 200, 50]
    assert sent["feedback.process_many"] == []
    assert sorted(pk for task in bulk for pk in task["feedback_ids"]) == sorted(
        Feedback.objects.values_list("id", flat=True)
    )


def test_a_small_delivery_is_live_work_not_bulk(api, django_capture_on_commit_callbacks, monkeypatch):
    # given
    from feedback.tasks import feedback_process_bulk, feedback_process_many

    sent = _sent_by(monkeypatch, feedback_process_bulk, feedback_process_many)
    # when: an array no larger than a webhook delivery's few items
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api, [item(str(n)) for n in range(LIVE_DELIVERY_MAX)])
    # then
    assert response.status_code == 201
    assert sent["feedback.process_bulk"] == []
    assert [len(task["feedback_ids"]) for task in sent["feedback.process_many"]] == [LIVE_DELIVERY_MAX]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_enriches_a_stored_batch(api, celery_worker_process):
    # given
    import time

    body = [item(str(n), comment="Brilliant service, thank you!" if n % 2 else "Awful.") for n in range(250)]
    # when
    response = post(api, body)
    # then
    assert response.status_code == 201
    deadline = time.monotonic() + 60
    while Feedback.objects.filter(processed_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not Feedback.objects.filter(processed_at__isnull=True).exists()
    assert Feedback.objects.filter(sentiment__gt=0.5).count() == 125


def test_a_late_retry_of_an_older_delivery_never_undoes_a_later_update(api):
    # given: a response, then its update (a comment added, the customer moved to another segment)
    first = item("r", comment="", customer={"external_id": "c-1", "segment": "retail"})
    later = item("r", comment="Added later", customer={"external_id": "c-1", "segment": "business"})
    assert post(api, first).json()["status"] == "created"
    assert post(api, later).json()["status"] == "updated"
    # when: the first delivery is retried, alone and inside a batch, and the update too
    alone = post(api, first).json()
    batch = post(api, [first, later, item("s")])
    # then: duplicates, and nothing went back
    assert alone["status"] == "duplicate"
    assert statuses(batch) == [("r", "duplicate"), ("r", "duplicate"), ("s", "created")]
    stored = Feedback.objects.get(external_id="r")
    assert stored.comment == "Added later"
    assert stored.customer.segment == "business"


def test_a_batch_sent_again_is_answered_without_writing(api, django_assert_max_num_queries):
    # given
    body = [item(str(n), customer={"external_id": f"c-{n}", "name": "Jo"}) for n in range(300)]
    assert post(api, body).status_code == 201
    # when: the same batch again (the sender timed out and retried)
    with django_assert_max_num_queries(12):
        again = post(api, body)
    # then
    assert again.status_code == 207
    assert {row["status"] for row in again.json()} == {"duplicate"}
    assert Feedback.objects.count() == 300


def test_a_comment_that_arrives_in_an_update_is_enriched_again(api):
    # given: a score first, enriched with no words to go on
    from feedback.services.processing import feedback_mark_processed

    created = post(api, item("r", score=2)).json()
    assert feedback_mark_processed(feedback_id=created["id"])
    # when: the comment follows in a later delivery
    post(api, item("r", score=2, comment="Absolutely terrible, rude and useless staff."))
    # then: it is waiting for enrichment again, and the worker's pass fills in its sentiment
    assert Feedback.objects.get(pk=created["id"]).processed_at is None
    assert feedback_mark_processed(feedback_id=created["id"])
    assert Feedback.objects.get(pk=created["id"]).sentiment < -0.5
