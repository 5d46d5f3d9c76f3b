"""The audit log holds no customer's contact details: changes are audited by field name, and rows
written before that (values before and after) are rewritten by a migration before the log becomes
append-only. Staff's free text (a reason, a name) is never copied into it: it may name a customer, and
no erasure can reach an append-only row."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from cxloop.core.models import AuditEvent, audit
from cxloop.org.services import person_deactivate, person_reactivate
from tests.factories import CustomerFactory
from tests.innerloop.factories import CaseRuleFactory

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


# --- Staff free text never reaches the append-only log -------------------------------------------

NAMED = "jo.customer@example.test"


def test_a_deactivation_and_a_reactivation_record_that_there_was_a_reason_not_the_reason(people):
    # when: the reasons name a customer
    person_deactivate(person=people["agent_b"], actor=people["admin"], reason=f"Mailed {NAMED} our prices")
    person_reactivate(person=people["agent_b"], actor=people["admin"], reason=f"{NAMED} was a colleague")
    # then
    rows = {row.verb: row.data for row in AuditEvent.objects.filter(actor=people["admin"])}
    assert rows["person.deactivated"]["has_reason"] is True
    assert rows["sessions.ended"]["has_reason"] is True
    assert rows["person.reactivated"] == {"has_reason": True}
    assert NAMED not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_a_rule_deleted_in_the_admin_is_recorded_by_id_not_by_its_name(client, people):
    # given: staff named the rule after a customer
    rule = CaseRuleFactory(name=f"Escalate {NAMED}")
    client.force_login(people["admin"])
    # when
    response = client.post(reverse("admin:innerloop_caserule_delete", args=[rule.pk]), {"post": "yes"})
    # then
    assert response.status_code == 302
    row = AuditEvent.objects.get(verb="rule.deleted")
    assert (row.target_id, row.data) == (str(rule.pk), {})


def test_an_export_of_the_log_records_a_typed_filter_only_when_the_log_already_holds_it(client, people):
    # given: one row by the lead
    audit(actor=people["lead"], verb="case.viewed", target=people["lead"])
    client.force_login(people["admin"])
    # when: filtered by a known person, then by an email typed into the person and object id boxes
    assert client.get("/settings/audit/export.csv", {"person": "lead-a1"}).status_code == 200
    typed = {"person": NAMED, "target_type": "auth.user", "target_id": NAMED}
    assert client.get("/settings/audit/export.csv", typed).status_code == 200
    # then
    known, unknown = AuditEvent.objects.filter(verb="audit.exported").order_by("id")
    assert known.data["filters"] == {"person": "lead-a1"}
    masked = {"unknown": True, "length": len(NAMED)}
    assert unknown.data["filters"] == {"person": masked, "target_type": "auth.user", "target_id": masked}
    assert NAMED not in str(list(AuditEvent.objects.values_list("data", flat=True)))
