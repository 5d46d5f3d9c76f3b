"""Acknowledged feedback is never lost or duplicated: real web server, worker, beat and Redis.

These run the production path end to end (gunicorn, Celery over Redis, PostgreSQL) and take
about a minute each.
"""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db.models import Count

from feedback.models import Feedback, Source
from tests.factories import SourceFactory

from .webhook_helpers import STANDARD_SECRET, standard_headers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DELIVERIES = 10_000
IDS = 200
COPIES = 50


def pulse_source() -> Source:
    """A survey tool's webhook source, signed the Standard Webhooks way, that the deliveries name."""
    return SourceFactory(
        slug="pulse",
        kind=Source.Kind.SURVEY,
        signing_secret=STANDARD_SECRET,
        field_mapping={
            "adapter": "standard",
            "fields": {"external_id": "$.data.id", "score": "$.data.score", "comment": "$.data.text"},
            "defaults": {"scale": "nps"},
        },
    )


@pytest.fixture
def hook_source(db):
    return pulse_source()


def deliver(base: str, n: int) -> int:
    """One signed Standard Webhooks delivery of response `n`; the HTTP status."""
    body = json.dumps({"type": "response", "data": {"id": f"r-{n}", "score": n % 11, "text": f"comment {n}"}})
    headers = {
        "Content-Type": "application/json",
        **standard_headers(body.encode(), STANDARD_SECRET, msg_id=f"m-{n}"),
    }
    request = urllib.request.Request(
        f"{base}/hooks/pulse/", data=body.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_deliveries_while_redis_is_killed_are_all_stored_once_and_enriched(
    hook_source, killable_redis, processes
):
    # given: the web app, a worker and beat, all on a Redis we can kill
    call_command("setup_periodic_tasks", verbosity=0)
    env = processes.env(killable_redis.url)
    base = processes.web(env)
    # Restarted if it exits, as in production: a worker can die in kombu's reconnect when its
    # broker vanishes (AttributeError on conninfo.hostname), and the restart policy brings it back.
    processes.worker(env, "resilience", restart=True)
    processes.beat(env)
    statuses: Counter[int] = Counter()
    # when: 10,000 deliveries, with Redis killed for 5 s after the first half
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses.update(pool.map(lambda n: deliver(base, n), range(DELIVERIES // 2)))
        killable_redis.kill()
        restart = threading.Timer(5, killable_redis.start)
        restart.start()
        statuses.update(pool.map(lambda n: deliver(base, n), range(DELIVERIES // 2, DELIVERIES)))
        restart.join()
    back_at = time.monotonic()
    # then: every delivery was acknowledged, and stored exactly once
    assert set(statuses) <= {200, 201}, statuses
    assert Feedback.objects.filter(source=hook_source).count() == DELIVERIES
    assert (
        not Feedback.objects.values("source", "external_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    )
    # and every item is enriched within two minutes of Redis coming back
    while Feedback.objects.filter(processed_at__isnull=True).exists() and time.monotonic() - back_at < 120:
        time.sleep(1)
    assert Feedback.objects.filter(processed_at__isnull=True).count() == 0


def test_concurrent_identical_deliveries_store_one_row_per_id(hook_source, killable_redis, processes):
    # given
    base = processes.web(processes.env(killable_redis.url))
    # when: 50 copies of each of 200 deliveries, interleaved, 50 at a time
    order = [n for _ in range(COPIES) for n in range(IDS)]
    with ThreadPoolExecutor(max_workers=COPIES) as pool:
        statuses = Counter(pool.map(lambda n: deliver(base, n), order))
    # then
    assert statuses[201] == IDS
    assert statuses[200] == IDS * (COPIES - 1)
    assert not [status for status in statuses if status >= 500]
    assert Feedback.objects.filter(source=hook_source).count() == IDS


def post_batch(base: str, key: str, body: list) -> tuple[int, list]:
    request = urllib.request.Request(
        f"{base}/api/v1/feedback/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {key}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, []


def test_concurrent_overlapping_batches_store_each_item_once(people, killable_redis, processes):
    # given: 8 senders with the same 400 items (and their 100 customers), each in its own order
    import random

    from cxloop.org.services import api_token_create

    survey = SourceFactory(slug="survey")
    token, key = api_token_create(created_by=people["admin"], name="sync", integration=True)
    survey.integration_tokens.add(token)
    base = processes.web(processes.env(killable_redis.url))
    items = [
        {
            "source": "survey",
            "external_id": f"r-{n}",
            "scale": "nps",
            "score": n % 11,
            "customer": {"external_id": f"c-{n % 100}", "segment": f"s{n % 3}"},
        }
        for n in range(400)
    ]
    batches = []
    for sender in range(8):
        order = random.Random(sender).sample(items, len(items))
        batches += [order[start : start + 100] for start in range(0, len(order), 100)]
    # when
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda batch: post_batch(base, key, batch), batches))
    # then: no failure, each item created once and a duplicate for the seven others
    assert {status for status, _ in answers} <= {201, 207}, Counter(status for status, _ in answers)
    rows = [row for _, body in answers for row in body]
    assert Counter(row["status"] for row in rows) == {"created": 400, "duplicate": 400 * 7}
    assert Feedback.objects.count() == 400
    assert Feedback.objects.values("customer").distinct().count() == 100
