"""The audit log holds no customer's contact details: changes are audited by field name, and rows
written before that (values before and after) are rewritten by a migration before the log becomes
append-only."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from cxloop.core.models import AuditEvent
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("feedback.migrations.0015_audit_customer_updates_field_names")


def test_rows_written_with_values_keep_the_field_names_only():
    # given: a row as the audit wrote it before, while the log still accepted updates
    customer = CustomerFactory()
    old = {"by": "crm sync", "changes": {"email": ["a@example.test", "b@example.test"], "phone": ["1", "2"]}}
    event = AuditEvent.objects.create(verb="customer.updated", target_type="feedback.customer",
                                      target_id=str(customer.pk), data=old)  # fmt: skip
    other = AuditEvent.objects.create(verb="source.changed", target_type="feedback.source", target_id="1",
                                      data={"changes": ["name"]})  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
    # when
    migration.field_names_only(apps, None)
    # then
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
    assert AuditEvent.objects.get(pk=event.pk).data == {"by": "crm sync", "fields": ["email", "phone"]}
    assert AuditEvent.objects.get(pk=other.pk).data == {"changes": ["name"]}
