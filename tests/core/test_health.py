import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.worker
def test_healthz_reports_all_ok_with_a_live_worker(client, celery_worker_process):
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "redis": "ok",
        "worker": "ok",
    }


def test_healthz_is_503_when_redis_is_down(client):
    # given: nothing listens on port 1
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    # then
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["status"] == "down"
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_healthz_needs_no_login(client):
    assert client.get("/healthz").status_code in (200, 503)
