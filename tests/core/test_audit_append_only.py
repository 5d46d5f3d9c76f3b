"""The audit log is append-only for the application's own database role (#15's acceptance): UPDATE
and DELETE of its rows fail, through the ORM and through raw SQL on the application's connection,
and the row is left as it was."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from cxloop.core.models import AuditEvent, audit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _snapshot(event: AuditEvent) -> dict:
    fresh = AuditEvent.objects.get(pk=event.pk)
    return {field.attname: getattr(fresh, field.attname) for field in AuditEvent._meta.concrete_fields}


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


ATTEMPTS = {
    "ORM save": lambda event: AuditEvent.objects.filter(pk=event.pk).first().save(),
    "ORM queryset update": lambda event: AuditEvent.objects.filter(pk=event.pk).update(verb="rewritten"),
    "ORM delete": lambda event: AuditEvent.objects.get(pk=event.pk).delete(),
    "ORM queryset delete": lambda event: AuditEvent.objects.filter(pk=event.pk).delete(),
    "raw UPDATE": lambda event: _raw(
        "UPDATE core_auditevent SET data = '{}'::jsonb, actor_username = '' WHERE id = %s", [event.pk]
    ),
    "raw DELETE": lambda event: _raw("DELETE FROM core_auditevent WHERE id = %s", [event.pk]),
}


@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_audit_rows_cannot_be_updated_or_deleted(attempt):
    # given
    person = UserFactory(username="auditor")
    event = audit(actor=person, verb="rule.changed", target=person, fields=["name"])
    before = _snapshot(event)
    # when / then: the database refuses it (in a savepoint, so the test's transaction goes on)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ATTEMPTS[attempt](event)
    assert _snapshot(event) == before


def test_a_person_with_audit_rows_can_still_be_deleted_and_their_rows_stay_readable():
    # given
    person = UserFactory(username="leaver")
    event = audit(actor=person, verb="auth.login", target_type="auth.login", target_id="")
    person_id = person.pk
    # when
    person.delete()
    # then: the row is untouched, and still says who it was
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_id, event.actor_username) == (person_id, "leaver")


@pytest.mark.django_db(transaction=True)
def test_the_test_runners_flush_still_empties_the_table():
    # given: a row, committed (a transactional test runs outside a wrapping transaction)
    audit(actor=None, verb="auth.login_failed", target_type="auth.login", target_id="", username="x")
    # when: what pytest-django does between transactional tests (TRUNCATE fires no row trigger)
    call_command("flush", interactive=False, verbosity=0)
    # then
    assert not AuditEvent.objects.exists()
