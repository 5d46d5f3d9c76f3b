"""Processing after ingestion: once per item, after commit, and swept up when the task was lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Feedback
from feedback.services.processing import feedback_mark_processed, feedback_unprocessed_ids, sentiment_of
from feedback.tasks import feedback_sweep_unprocessed
from tests.factories import FeedbackFactory

pytestmark = pytest.mark.django_db


def test_sentiment_follows_the_words():
    assert sentiment_of("Wonderful, friendly and fast service. Thank you!") > 0.5
    assert sentiment_of("Terrible. Rude staff and a broken parcel.") < -0.5
    assert sentiment_of("   ") is None


def test_item_is_processed_once(db):
    # given
    item = FeedbackFactory(comment="Great help from Sam, thank you")
    # when
    first = feedback_mark_processed(feedback_id=item.pk)
    second = feedback_mark_processed(feedback_id=item.pk)
    # then
    item.refresh_from_db()
    assert (first, second) == (True, False)
    assert item.processed_at is not None
    assert item.sentiment > 0


def test_sweep_processes_items_whose_task_was_lost(db):
    # given: one item stuck unprocessed for ten minutes, one just received
    stuck = FeedbackFactory(comment="Awful wait at the till")
    fresh = FeedbackFactory(comment="Fine")
    Feedback.objects.filter(pk=stuck.pk).update(received_at=timezone.now() - timedelta(minutes=10))
    # when
    swept = feedback_sweep_unprocessed()
    # then
    assert swept == 1
    assert feedback_unprocessed_ids(older_than=timedelta(0)) == [fresh.pk]


def test_ingestion_enqueues_processing_after_commit(people, django_capture_on_commit_callbacks, monkeypatch):
    # given
    from feedback.permissions import Writer
    from feedback.services.ingest import feedback_ingest
    from feedback.tasks import feedback_process
    from tests.factories import SourceFactory

    SourceFactory(slug="survey")
    sent = []
    monkeypatch.setattr(feedback_process, "apply_async", lambda kwargs, **options: sent.append(kwargs))
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = feedback_ingest(
            raw={"source": "survey", "external_id": "x1", "scale": "nps", "score": 2}, writer=Writer.system()
        )
    # then: nothing is sent inside the transaction, one task after commit
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [{"feedback_id": result.id}]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_what_the_api_stored(people, celery_worker_process):
    # given
    import json
    import time

    from rest_framework.test import APIClient

    from tests.factories import SourceFactory

    SourceFactory(slug="survey")
    client = APIClient()
    client.force_authenticate(people["admin"])
    body = {
        "source": "survey",
        "external_id": "w1",
        "scale": "nps",
        "score": 10,
        "comment": "Brilliant, thanks!",
    }
    # when
    response = client.post("/api/v1/feedback/", data=json.dumps(body), content_type="application/json")
    # then: the worker process enriches it within seconds
    assert response.status_code == 201
    deadline = time.monotonic() + 30
    item = Feedback.objects.get(pk=response.json()["id"])
    while item.processed_at is None and time.monotonic() < deadline:
        time.sleep(0.2)
        item.refresh_from_db()
    assert item.processed_at is not None
    assert item.sentiment > 0.5


def test_a_task_carries_the_waiting_backlog_along(db):
    # given: a burst of items, each with its own task queued
    from feedback.services.processing import feedback_process_with_backlog

    items = FeedbackFactory.create_batch(5, comment="ok")
    # when: the first task runs
    done = feedback_process_with_backlog(feedback_id=items[0].pk)
    # then: it processed all five; the other tasks find nothing left to do
    assert done == 5
    assert feedback_process_with_backlog(feedback_id=items[1].pk) == 0


def test_a_live_item_carries_along_only_what_came_after_it(db):
    # given: a bulk load waiting for the bulk queue, then a burst of live items
    from feedback.services.processing import feedback_process_with_backlog

    bulk = FeedbackFactory.create_batch(300, comment="ok")
    Feedback.objects.filter(pk__in=[item.pk for item in bulk]).update(
        received_at=timezone.now() - timedelta(seconds=20)
    )
    live = FeedbackFactory.create_batch(3, comment="ok")
    # when: the first live item's task runs
    done = feedback_process_with_backlog(feedback_id=live[0].pk)
    # then: the live burst is done in one small batch; the bulk load is left to its own tasks
    assert done == 3
    assert (
        Feedback.objects.filter(pk__in=[item.pk for item in bulk], processed_at__isnull=True).count() == 300
    )


def test_enrichment_hands_its_items_to_triage_and_survives_a_failing_hand_off(db, caplog):
    """The hand-off (feedback_enriched, connected in cxloop/wiring.py) reaches triage's receiver;
    a receiver that fails is logged and never undoes the enrichment: the sweep takes its items."""
    from feedback.services.processing import feedback_process_batch
    from feedback.signals import feedback_enriched

    # given
    received = []
    item = FeedbackFactory(processed_at=None, comment="The parcel never came")

    def failing(**kwargs):
        received.append(kwargs["feedback_ids"])
        raise RuntimeError("triage is down")

    assert any("triage_after_enrichment" in str(entry) for entry in feedback_enriched.receivers)
    feedback_enriched.connect(failing, dispatch_uid="test-failing")
    try:
        # when
        done = feedback_process_batch(feedback_ids=[item.pk])
    finally:
        feedback_enriched.disconnect(dispatch_uid="test-failing")
    # then
    item.refresh_from_db()
    assert done == 1
    assert received == [[item.pk]]
    assert item.processed_at is not None
    assert "failed; the sweep takes the items" in caplog.text
