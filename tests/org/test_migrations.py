"""Migration 0005: existing tokens get scopes and an expiry; existing signed-in sessions are registered."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import UserFactory

BEFORE = [("org", "0004_triage_team")]


@pytest.mark.django_db(transaction=True)
def test_existing_tokens_and_sessions_are_carried_over():
    # given: the schema before, with a personal and an integration token and a signed-in session
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    OldToken = old_apps.get_model("org", "ApiToken")
    person = UserFactory(username="before-migration")
    personal = OldToken.objects.create(
        name="script", user_id=person.pk, scope="read_write", key_prefix="cxl_a", key_hash="a" * 64
    )
    integration = OldToken.objects.create(
        name="sync",
        user_id=person.pk,
        is_integration=True,
        scope="ingest",
        key_prefix="cxl_b",
        key_hash="b" * 64,
    )
    session = SessionStore()
    session["_auth_user_id"] = str(person.pk)
    session.create()
    anonymous = SessionStore()
    anonymous["something"] = "else"
    anonymous.create()
    # when: forward to the latest of every app (whatever 0005 took back with it comes back too)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then
    from cxloop.org.models import ApiToken, UserSession

    assert ApiToken.objects.get(pk=personal.pk).scopes == ["ingest", "read", "cases", "metrics"]
    assert ApiToken.objects.get(pk=integration.pk).scopes == ["ingest"]
    expires = ApiToken.objects.get(pk=personal.pk).expires_at
    assert timedelta(days=89) < expires - timezone.now() <= timedelta(days=90)
    assert list(UserSession.objects.values_list("session_id", "user_id")) == [
        (session.session_key, person.pk)
    ]
