"""The authorization matrix (#12): every route x every kind of principal x department B's objects.

Routes come from the URL resolver and the admin's registry (tests/security/routes.py), so a new
route joins by itself. For each principal who may not see department B (anonymous, an agent, a
team lead and a manager of department A, an integration token, the agent's personal token), every
route is requested with GET and with each state-changing method, with a body that names B's
objects wherever it can, and B's items are sent again through ingestion. Then:

- no answer is a server error, for any principal (department B's committee and admins included);
- no answer to an outsider carries B's canary, and none is a 2xx for a URL naming B's objects;
- nothing B owns changed (world.foreign_digest): not a row, not a row pointing at one.
"""

import json

import pytest

from .routes import METHODS, all_routes, kitchen_sink, request
from .world import (
    CANARY,
    FOREIGN,
    FOREIGN_SUBMISSION,
    INSIDERS,
    OUTSIDERS,
    SHARED,
    build_world,
    foreign_digest,
)

pytestmark = pytest.mark.django_db

# Requests that try to change B's feedback through ingestion, with every channel a principal has.
INGEST_URL = "/api/v1/feedback/"


def _ingestion_attempts(world) -> list[tuple[str, str, dict | list, str]]:
    """(method, url, body, format) of updates of B's item: alone, in an array, moved into our team."""
    theirs = {
        "source": "store-notes",
        "external_id": f"form-{FOREIGN_SUBMISSION}",
        "scale": "nps",
        "score": 10,
        "comment": "rewritten",
        "customer": {"external_id": "C-theirs", "email": "attacker@example.test", "annual_value": "0"},
    }
    quick = {"submission_id": str(FOREIGN_SUBMISSION), "source": "store-notes", "comment": "rewritten",
             "scale": "nps", "score": "10"}  # fmt: skip
    return [
        ("POST", INGEST_URL, theirs, "json"),
        ("POST", INGEST_URL, {**theirs, "team": "team-a1"}, "json"),
        ("POST", INGEST_URL, [theirs, {**theirs, "team": "team-a1"}], "json"),
        ("POST", "/feedback/new/", quick, "form"),
        ("POST", "/feedback/staff/", {**quick, "kind": "obstacle"}, "form"),
    ]


def _send(client, method, url, body, kind):
    if kind == "json":
        return client.generic(method, url, data=json.dumps(body), content_type="application/json")
    return client.post(url, data=body)


def _problems_of(principal: str, world, routes) -> tuple[list[str], int]:
    body = kitchen_sink(world)
    outsider = principal in OUTSIDERS
    problems, sent = [], 0
    before = foreign_digest()
    for route in routes:
        # A fresh session per route: a POST to /logout/ must not turn the rest into anonymous requests.
        client = world.client(principal)
        for method in METHODS:
            response = request(client, method, route, body)
            sent += 1
            problems += _judge(
                principal,
                outsider,
                f"{method} {route.url}",
                response,
                names_foreign=str(FOREIGN) in route.url and str(SHARED) not in route.url,
            )
    for method, url, payload, kind in _ingestion_attempts(world):
        response = _send(world.client(principal), method, url, payload, kind)
        sent += 1
        problems += _judge(
            principal, outsider, f"{method} {url} (ingestion of B's item)", response, names_foreign=False
        )
    if outsider and foreign_digest() != before:
        problems.append(f"{principal}: department B's data changed")
    return problems, sent


# The health check answers 503 when a worker is not running (none is, in this test): its contract.
HEALTH = "GET /healthz"


def _judge(principal, outsider, what, response, *, names_foreign: bool) -> list[str]:
    if response.status_code >= 500 and not (what == HEALTH and response.status_code == 503):
        return [f"{principal}: {what} -> {response.status_code}"]
    if not outsider:
        return []
    found = []
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if CANARY.encode() in content:
        found.append(f"{principal}: {what} -> {response.status_code} shows department B's data")
    if names_foreign and 200 <= response.status_code < 300:
        found.append(f"{principal}: {what} -> {response.status_code} for department B's object")
    return found


@pytest.mark.parametrize("principal", OUTSIDERS + INSIDERS)
def test_no_principal_reaches_or_changes_another_departments_data(principal, settings):
    # given
    settings.CELERY_TASK_ALWAYS_EAGER = False
    world = build_world()
    routes = all_routes()
    # when
    problems, sent = _problems_of(principal, world, routes)
    # then
    assert sent > len(routes) * len(METHODS)
    assert not problems, "\n".join(problems[:60]) + (
        f"\n... and {len(problems) - 60} more" if len(problems) > 60 else ""
    )
