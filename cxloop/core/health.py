"""Liveness of the parts cxloop needs: the database, Redis and at least one Celery worker."""

import time

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from cxloop.celery import HEARTBEAT_KEY_PREFIX


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok"}


def check_redis() -> dict:
    try:
        redis_client().ping()
    except redis.RedisError as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok"}


def check_worker() -> dict:
    """A worker is live when it wrote its heartbeat within the last few intervals."""
    try:
        client = redis_client()
        keys = list(client.scan_iter(match=HEARTBEAT_KEY_PREFIX + "*", count=100))
        beats = [float(value) for value in client.mget(keys) if value] if keys else []
    except redis.RedisError as exc:
        return {"status": "down", "error": type(exc).__name__}
    if not beats:
        return {"status": "down", "error": "no worker heartbeat"}
    return {"status": "ok", "workers": len(beats), "last_heartbeat_age_s": round(time.time() - max(beats), 1)}


def health_report() -> tuple[bool, dict]:
    checks = {"database": check_database(), "redis": check_redis(), "worker": check_worker()}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return healthy, {"status": "ok" if healthy else "degraded", "checks": checks}
