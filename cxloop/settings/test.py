"""Test settings: the real PostgreSQL and Redis, fast hashers, captured email."""

import os
import uuid

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Captured in memory, unless a test starts processes that must talk to a real SMTP server.
if "EMAIL_URL" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A cache namespace per test session, inherited by the processes the tests start (they copy the
# environment): a test run reuses the ids of the one before it, and the last run's entries (presence,
# kept for an hour) would otherwise speak for this run's people.
os.environ.setdefault("CXLOOP_TEST_CACHE_PREFIX", f"cxloop-test-{uuid.uuid4().hex[:8]}")
CACHES["default"]["KEY_PREFIX"] = os.environ["CXLOOP_TEST_CACHE_PREFIX"]  # noqa: F405
# A test must never rely on eager mode; keep it off so a missing on_commit shows up.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = env("CELERY_TEST_BROKER_URL", default=REDIS_URL)  # noqa: F405
AXES_FAILURE_LIMIT = 5
# Tests send tasks to their own queue so that a `make run` worker on the same Redis never takes them.
# Tests that start their own worker and beat use a queue of their own (CXLOOP_TEST_QUEUE), so the
# session's shared worker never takes their tasks.
CELERY_TASK_DEFAULT_QUEUE = env("CXLOOP_TEST_QUEUE", default="cxloop-test")
# django-axes logs every session a test opens at INFO: the authorization matrix opens thousands.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # noqa: F405
# No routes: every task goes to the default queue, the test's own (tests/fixtures set it per test that
# starts processes). tests/core/test_queues.py checks the production routes.
CELERY_TASK_ROUTES = {}
# The suite signs its admins and committee members in with force_login, by the hundred; the
# second-factor tests (tests/identity, tests/e2e/test_mfa.py) switch the requirement on themselves.
CXLOOP_MFA_REQUIRED_ROLES = []
# Outbound webhooks: the tests' receivers listen on 127.0.0.1, which production refuses; and every
# emit reads the endpoints afresh (each test makes its own, in a transaction rolled back after it).
CXLOOP_OUTBOUND_ALLOW_PRIVATE = True
CXLOOP_OUTBOUND_SUBSCRIBERS_CACHE_SECONDS = 0
