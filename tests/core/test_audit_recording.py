"""What the audit log records: log-ins and failures, views of a customer or a case, exports, and
configuration changed in the admin; each with the person and their address, in one INSERT."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cxloop.core.auditlog.context import AuditContextMiddleware
from cxloop.core.models import AuditEvent, audit
from feedback.models import Source
from feedback.models.imports import ImportJob
from innerloop.models import CaseRule, SlaPolicy
from tests.factories import CustomerFactory, FeedbackFactory, SourceFactory
from tests.innerloop.factories import CaseFactory, CaseRuleFactory, SlaPolicyFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"
# The test client's address.
ADDRESS = "127.0.0.1"


def _inserts(queries: CaptureQueriesContext) -> int:
    return sum('INSERT INTO "core_auditevent"' in query["sql"] for query in queries.captured_queries)


# --- audit() itself ---------------------------------------------------------------------------


def test_a_row_written_without_an_actor_takes_the_person_and_address_of_the_request(people):
    # given: a request being served, and a service that knows nobody (a signal receiver)
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.user = people["lead"]
    middleware = AuditContextMiddleware(
        lambda request: audit(actor=None, verb="thing.done", target=people["agent"], why="because")
    )
    # when
    middleware(request)
    # then
    event = AuditEvent.objects.get(verb="thing.done")
    assert (event.actor, event.actor_username, event.ip) == (people["lead"], "lead-a1", "203.0.113.9")
    assert (event.target_type, event.target_id, event.data) == (
        "auth.user",
        str(people["agent"].pk),
        {"why": "because"},
    )


def test_a_row_outside_a_request_has_no_address_and_a_row_about_a_case_names_its_customer(people):
    # given
    case = CaseFactory()
    # when
    event = audit(actor=people["agent"], verb="case.noted", target=case)
    # then
    assert (event.ip, event.customer_id, event.actor_username) == (None, case.customer_id, "agent-a1")


def test_a_row_needs_a_target():
    with pytest.raises(ValueError, match="target"):
        audit(actor=None, verb="thing.done")


# --- Signing in -------------------------------------------------------------------------------


def _request(address: str):
    """A request from `address` with a session, as the log-in view has one."""
    request = RequestFactory().post("/login/", REMOTE_ADDR=address)
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    return request


def test_a_log_in_and_a_log_out_leave_rows_with_the_person_and_address(people):
    # given
    request = _request("198.51.100.7")
    # when: what every sign-in view does (the password form, single sign-on)
    user = authenticate(request, username="agent-a1", password=PASSWORD)
    login(request, user)
    logout(request)
    # then
    signed_in = AuditEvent.objects.get(verb="auth.login")
    signed_out = AuditEvent.objects.get(verb="auth.logout")
    assert (signed_in.actor, signed_in.ip, signed_in.target_id) == (
        people["agent"],
        "198.51.100.7",
        str(user.pk),
    )
    assert (signed_out.actor, signed_out.ip) == (people["agent"], "198.51.100.7")


def test_a_failed_log_in_records_the_name_typed_and_the_address_never_the_password(people):
    # when
    assert authenticate(_request("198.51.100.8"), username="agent-a1", password="wrong-secret-7") is None
    assert (
        authenticate(_request("198.51.100.9"), username="no-such-person", password="wrong-secret-8") is None
    )
    # then
    known, unknown = AuditEvent.objects.filter(verb="auth.login_failed").order_by("id")
    assert (known.actor, known.target_type, known.target_id) == (None, "auth.user", str(people["agent"].pk))
    assert (unknown.target_type, unknown.target_id) == ("auth.login", "")
    assert known.data["username"] == "agent-a1"
    # What matches no username may be an email or a password: only that it was unknown, and its length.
    assert unknown.data == {"unknown_username": True, "typed_length": len("no-such-person")}
    assert (known.ip, unknown.ip) == ("198.51.100.8", "198.51.100.9")
    assert "wrong-secret" not in str(list(AuditEvent.objects.values()))


def test_signing_in_on_the_login_page_leaves_rows_with_the_address(client, people):
    # when: a wrong password, then the right one, on the sign-in form (its field is "login")
    client.post(reverse("login"), {"login": "lead-a1", "password": "wrong-secret-9"})
    signed_in = client.post(reverse("login"), {"login": "lead-a1", "password": PASSWORD})
    # then
    assert signed_in.status_code == 302
    failed, login_row = (AuditEvent.objects.get(verb=verb) for verb in ("auth.login_failed", "auth.login"))
    assert (failed.target_id, failed.ip, failed.data["username"]) == (
        str(people["lead"].pk),
        ADDRESS,
        "lead-a1",
    )
    assert (login_row.actor, login_row.ip) == (people["lead"], ADDRESS)


# --- Who looked at which customer or case -----------------------------------------------------


def test_a_person_viewing_a_case_leaves_one_row(client, org, people):
    # given
    case = CaseFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("innerloop:case", args=[case.pk]))
    # then
    assert response.status_code == 200
    assert _inserts(queries) == 1
    event = AuditEvent.objects.get(verb="case.viewed")
    assert (event.actor, event.ip, event.target_type, event.target_id) == (
        people["agent"], ADDRESS, "innerloop.case", str(case.pk),
    )  # fmt: skip
    assert event.customer_id == case.customer_id


def test_a_case_read_through_the_api_leaves_a_row(org, people):
    # given
    case = CaseFactory(team=org["team_a1"])
    api = APIClient()
    api.force_authenticate(people["lead"])
    # when
    response = api.get(f"/api/v1/cases/{case.pk}/")
    # then
    assert response.status_code == 200
    event = AuditEvent.objects.get(verb="case.viewed")
    assert (event.actor, event.customer_id, event.ip) == (people["lead"], case.customer_id, ADDRESS)


def test_a_person_viewing_a_customer_or_their_feedback_leaves_a_row_each(client, org, people):
    # given
    customer = CustomerFactory()
    item = FeedbackFactory(customer=customer, team=org["team_a1"])
    client.force_login(people["admin"])
    api = APIClient()
    api.force_authenticate(people["admin"])
    # when
    pages = [
        client.get(reverse("feedback:customer", args=[customer.pk])),
        client.get(reverse("feedback:detail", args=[item.pk])),
        api.get(f"/api/v1/feedback/{item.pk}/"),
    ]
    # then
    assert [page.status_code for page in pages] == [200, 200, 200]
    rows = AuditEvent.objects.filter(verb__endswith=".viewed").order_by("id")
    assert [(row.verb, row.target_id, row.customer_id) for row in rows] == [
        ("customer.viewed", str(customer.pk), customer.pk),
        ("feedback.viewed", str(item.pk), customer.pk),
        ("feedback.viewed", str(item.pk), customer.pk),
    ]
    assert {row.actor_username for row in rows} == {"admin-user"}


def test_a_case_the_person_may_not_see_leaves_no_row(client, org, people):
    # given
    case = CaseFactory(team=org["team_b1"])
    client.force_login(people["agent"])
    # when
    response = client.get(reverse("innerloop:case", args=[case.pk]))
    # then
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(verb="case.viewed").exists()


# --- Exports ----------------------------------------------------------------------------------


def test_a_dashboard_export_leaves_a_row(client, org, people):
    # given
    client.force_login(people["lead"])
    # when
    response = client.get(reverse("dashboards:export", args=["categories"]), {"team": "team-a1"})
    # then
    assert response.status_code == 200
    event = AuditEvent.objects.get(verb="dashboard.exported")
    assert (event.actor, event.target_type, event.target_id) == (people["lead"], "dashboard", "categories")
    assert event.data == {"team": "team-a1", "department": None}


def test_an_import_error_report_download_leaves_a_row(client, people):
    # given
    job = ImportJob.objects.create(
        file="imports/a.csv", original_name="a.csv", sha256="0" * 64, size=10, format="csv",
        source=SourceFactory(), created_by=people["admin"],
    )  # fmt: skip
    client.force_login(people["admin"])
    # when
    response = client.get(reverse("imports:errors-csv", args=[job.pk]))
    b"".join(response.streaming_content)
    # then
    event = AuditEvent.objects.get(verb="import_errors.exported")
    assert (event.actor, event.target_type, event.target_id) == (
        people["admin"], "feedback.importjob", str(job.pk),
    )  # fmt: skip


# --- Configuration changed in the admin -------------------------------------------------------


def test_rule_sla_and_source_changes_in_the_admin_are_recorded_with_the_fields_changed(client, people):
    # given
    rule = CaseRuleFactory(name="Detractors", active=True)
    policy = SlaPolicyFactory(slug="gone", name="Old policy")
    source = SourceFactory(slug="kiosk", name="Kiosk")
    client.force_login(people["admin"])
    # when: a rule switched off in the list, a source's secret set, a policy deleted
    changelist = client.post(
        reverse("admin:innerloop_caserule_changelist"),
        {
            "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(rule.pk),
            "form-0-position": str(rule.position), "_save": "Save",
        },
    )  # fmt: skip
    change = client.post(
        reverse("admin:feedback_source_change", args=[source.pk]),
        {"slug": "kiosk", "name": "Kiosk", "kind": source.kind, "active": "on",
         "signing_secret": "s3cret-value", "previous_signing_secret": "", "field_mapping": "{}"},
    )  # fmt: skip
    delete = client.post(reverse("admin:innerloop_slapolicy_delete", args=[policy.pk]), {"post": "yes"})
    # then
    assert [changelist.status_code, change.status_code, delete.status_code] == [302, 302, 302]
    assert not CaseRule.objects.get(pk=rule.pk).active
    assert not SlaPolicy.objects.filter(pk=policy.pk).exists()
    rows = {
        row.verb: row
        for row in AuditEvent.objects.filter(verb__in=["rule.changed", "source.changed", "sla.deleted"])
    }
    assert rows["rule.changed"].data == {"fields": ["active"]}
    assert "signing_secret" in rows["source.changed"].data["fields"]
    assert "name" not in rows["source.changed"].data["fields"]
    assert (rows["sla.deleted"].target_id, rows["sla.deleted"].data) == (str(policy.pk), {"slug": "gone"})
    assert "s3cret-value" not in str(list(AuditEvent.objects.values()))
    assert {row.actor for row in rows.values()} == {people["admin"]}
    assert Source.objects.get(pk=source.pk).signing_secret == "s3cret-value"
