"""Do not contact, piece by piece: the rule at the last step, the paths that refuse, the case page's
notice and actions, close-the-loop's count, and the ways the flag is set (case page, API,
ingestion, admin), each audited without personal data."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework.test import APIClient

from cxloop.core.models import AuditEvent
from cxloop.notifications import suppression
from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_queue, email_resend, email_send
from feedback.intake.imports.mapping import Mapping
from feedback.models import Customer
from feedback.models.imports import ImportRowError
from innerloop.models import ContactAttempt
from outerloop.models import InitiativeEvent, Stage
from outerloop.services.close_loop import initiative_tell_customers
from tests.factories import CategoryFactory, CustomerFactory, FeedbackFactory, SourceFactory
from tests.feedback.test_imports import import_file
from tests.innerloop.factories import CaseFactory, MessageTemplateFactory
from tests.outerloop.factories import InitiativeFactory, SignalFactory

pytestmark = pytest.mark.django_db

NOT_SENT = "Not sent: the customer asked not to be contacted."
REASON = "the customer asked not to be contacted"


def _flagged(**kwargs) -> Customer:
    return CustomerFactory(do_not_contact=True, do_not_contact_since=timezone.now(), **kwargs)


# --- The rule at the last step ---------------------------------------------------------------------


def test_an_email_to_a_flagged_address_is_kept_as_suppressed_and_never_queued(monkeypatch):
    # given
    _flagged(email="sam@example.test")
    queued = []
    monkeypatch.setattr("cxloop.core.tasks_util.enqueue", lambda task, **kwargs: queued.append(kwargs))
    # when: a sender names no customer, and spells the address differently
    message = email_queue(key="k1", to=" Sam@Example.TEST ", subject="Hello", body="A survey")
    # then
    assert message is not None
    assert (message.status, message.error, message.body) == (EmailMessage.Status.SUPPRESSED, REASON, "")
    assert queued == []


def test_an_email_naming_a_flagged_customer_is_suppressed_whatever_the_address():
    customer = _flagged(email="old@example.test")
    message = email_queue(key="k2", to="new@example.test", subject="Hi", body="x", customer_id=customer.pk)
    assert message is not None
    assert message.status == EmailMessage.Status.SUPPRESSED


def test_the_sender_checks_again_so_a_flag_set_after_queueing_still_stops_it(
    django_capture_on_commit_callbacks,
):
    # given: two messages queued while neither customer was flagged
    stopped, control = CustomerFactory(), CustomerFactory()
    first = email_queue(key="a", to=stopped.email, subject="S", body="B", customer_id=stopped.pk)
    second = email_queue(key="b", to=control.email, subject="S", body="B", customer_id=control.pk)
    assert first is not None
    assert second is not None
    # when: one of them asks not to be contacted, then the worker sends
    Customer.objects.filter(pk=stopped.pk).update(do_not_contact=True, do_not_contact_since=timezone.now())
    sent = [email_send(email_id=first.pk), email_send(email_id=second.pk)]
    # then
    assert sent == [False, True]
    assert [m.to for m in mail.outbox] == [[control.email]]
    first.refresh_from_db()
    assert (first.status, first.error, first.body) == (EmailMessage.Status.SUPPRESSED, REASON, "")
    # and a suppressed message is never sent again, even by a person's "send again"
    assert email_resend(email_ids=[first.pk]) == 0
    assert email_send(email_id=first.pk) is False


def test_without_the_wiring_nothing_is_sent_as_if_nobody_had_asked(monkeypatch):
    assert "feedback.do_not_contact" in suppression._checks  # cxloop/wiring.py registered it
    monkeypatch.setattr(suppression, "_checks", {})
    with pytest.raises(ImproperlyConfigured):
        email_queue(key="k3", to="someone@example.test", subject="S", body="B")


def test_staff_mail_still_goes_to_addresses_no_customer_flagged(people):
    from cxloop.notifications.services import notify

    _flagged(email="sam@example.test")
    lead = people["lead"]
    lead.email = "lead@example.test"
    lead.save(update_fields=["email"])
    notify(user=lead, key="n1", kind="test", title="A case for you")
    assert EmailMessage.objects.get(key="notification:n1").status == EmailMessage.Status.PENDING


# --- The case paths ------------------------------------------------------------------------------


@pytest.fixture
def flagged_case(org):
    MessageTemplateFactory()
    return CaseFactory(team=org["team_a1"], feedback=FeedbackFactory(customer=_flagged(), score=2))


def test_messaging_a_flagged_customer_is_refused_with_the_reason(client, people, flagged_case):
    client.force_login(people["agent"])
    response = client.post(
        f"/cases/{flagged_case.pk}/message/",
        {
            "version": flagged_case.version,
            "template": "sorry",
            "subject": "About your feedback",
            "body": "Hello",
        },
    )
    assert response.status_code == 400
    assert NOT_SENT in response.content.decode()
    assert not EmailMessage.objects.exists()
    assert not flagged_case.events.filter(kind="message_sent").exists()


def test_logging_a_call_to_a_flagged_customer_is_refused(people, flagged_case):
    api = APIClient()
    api.force_authenticate(people["agent"])
    response = api.post(
        f"/api/v1/cases/{flagged_case.pk}/log-contact/", {"channel": "phone", "outcome": "reached"}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "No contact logged: the customer asked not to be contacted."
    assert not ContactAttempt.objects.exists()


def test_the_case_page_says_do_not_contact_and_offers_no_composer(client, people, flagged_case):
    # given
    since = timezone.now() - timedelta(days=3)
    Customer.objects.filter(pk=flagged_case.customer_id).update(do_not_contact_since=since)
    client.force_login(people["agent"])
    # when
    page = client.get(f"/cases/{flagged_case.pk}/").content.decode()
    # then: the notice first, the composer and the call log replaced by the reason
    assert f"Do not contact</strong> — since {timezone.localtime(since):%-d %b %Y}" in page
    assert page.index('id="do-not-contact"') < page.index("What the customer said")
    assert f"/cases/{flagged_case.pk}/message/" not in page
    assert f"/cases/{flagged_case.pk}/contact/" not in page
    assert "Not available: the customer asked not to be contacted" in page
    # an agent without "manage customers" is not offered lifting it
    assert f"/cases/{flagged_case.pk}/allow-contact/" not in page


def test_an_unflagged_case_page_has_the_composer_and_no_notice(client, people, org):
    case = CaseFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="do-not-contact"' not in page
    assert f"/cases/{case.pk}/message/" in page
    assert f"/cases/{case.pk}/do-not-contact/" in page


def test_the_queue_marks_the_row_of_a_flagged_customer(client, people, flagged_case, org):
    other = CaseFactory(team=org["team_a1"])
    client.force_login(people["agent"])
    rows = {row.pk: row for row in client.get("/cases/").context["rows"]}
    assert (rows[flagged_case.pk].do_not_contact, rows[other.pk].do_not_contact) == (True, False)
    assert "· do not contact</strong>" in client.get("/cases/").content.decode()


# --- Setting and lifting the flag --------------------------------------------------------------


def _audit_rows(customer):
    return AuditEvent.objects.filter(target_type="feedback.customer", target_id=str(customer.pk))


def test_marking_on_the_case_page_needs_the_confirmation_and_is_audited_without_personal_data(
    client, people, org
):
    case = CaseFactory(team=org["team_a1"])
    customer = case.customer
    client.force_login(people["agent"])
    # unconfirmed: refused, nothing changes
    assert client.post(f"/cases/{case.pk}/do-not-contact/", {}).status_code == 400
    customer.refresh_from_db()
    assert not customer.do_not_contact
    # confirmed
    response = client.post(f"/cases/{case.pk}/do-not-contact/", {"confirm": "on"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.do_not_contact
    assert customer.do_not_contact_since is not None
    row = _audit_rows(customer).get()
    assert row.verb == "customer.do_not_contact_set"
    assert row.actor == people["agent"]
    assert row.data == {"by": f"case {case.pk}"}
    # marking again changes nothing and writes no second row
    client.post(f"/cases/{case.pk}/do-not-contact/", {"confirm": "on"})
    assert _audit_rows(customer).count() == 1


def test_lifting_needs_manage_customers(client, people, flagged_case):
    agent = people["agent"]
    client.force_login(agent)
    assert client.post(f"/cases/{flagged_case.pk}/allow-contact/", {"confirm": "on"}).status_code == 403
    agent.user_permissions.add(Permission.objects.get(codename="manage_customers"))
    client.force_login(agent)
    assert client.post(f"/cases/{flagged_case.pk}/allow-contact/", {"confirm": "on"}).status_code == 302
    customer = Customer.objects.get(pk=flagged_case.customer_id)
    assert (customer.do_not_contact, customer.do_not_contact_since) == (False, None)
    assert _audit_rows(customer).get().verb == "customer.do_not_contact_removed"


def test_the_api_marks_a_case_customer_do_not_contact(people, org):
    case = CaseFactory(team=org["team_a1"])
    api = APIClient()
    api.force_authenticate(people["agent"])
    assert api.get(f"/api/v1/cases/{case.pk}/").json()["do_not_contact"] is False
    answer = api.post(f"/api/v1/cases/{case.pk}/do-not-contact/")
    assert answer.status_code == 200
    assert answer.json()["do_not_contact"] is True
    assert Customer.objects.get(pk=case.customer_id).do_not_contact
    other_team = CaseFactory(team=org["team_b1"])
    assert api.post(f"/api/v1/cases/{other_team.pk}/do-not-contact/").status_code == 404


def _ingest(api, *, external_id, customer):
    item = {
        "source": "crm",
        "external_id": external_id,
        "scale": "nps",
        "score": 9,
        "occurred_at": timezone.now().isoformat(),
        "customer": customer,
    }
    return api.post("/api/v1/feedback/", item, format="json")


def test_ingestion_sets_the_flag_from_a_writer_that_manages_customers_only(people):
    # given: a source for people, a stored customer, a person who manages customers and one who does not
    SourceFactory(slug="crm", kind="call_centre")
    stored = CustomerFactory(external_id="C-1")
    manager, agent = APIClient(), APIClient()
    people["admin"].user_permissions.add(Permission.objects.get(codename="manage_customers"))
    manager.force_authenticate(people["admin"])
    agent.force_authenticate(people["agent"])
    # when: the agent says so: left as it was, and the answer says so
    refused = _ingest(agent, external_id="r1", customer={"external_id": "C-1", "do_not_contact": True})
    stored.refresh_from_db()
    assert refused.status_code in (200, 201), refused.content
    assert not stored.do_not_contact
    assert "do_not_contact" in refused.json()["warnings"]["customer"][0]
    # when: a person who manages customers says so
    done = _ingest(manager, external_id="r2", customer={"external_id": "C-1", "do_not_contact": True})
    # then
    assert done.status_code == 201, done.content
    stored.refresh_from_db()
    assert stored.do_not_contact
    assert stored.do_not_contact_since is not None
    # a customer new to us is created with what the delivery carries
    _ingest(agent, external_id="r3", customer={"external_id": "C-2", "do_not_contact": True})
    assert Customer.objects.get(external_id="C-2").do_not_contact
    # and a value that is not a boolean is a 400 naming the field
    bad = _ingest(manager, external_id="r4", customer={"external_id": "C-3", "do_not_contact": "maybe"})
    assert bad.status_code == 400
    assert "do_not_contact" in str(bad.json())


def test_the_admin_marks_and_lifts_through_the_audited_service(client, people):
    customer = CustomerFactory()
    people["admin"].user_permissions.add(Permission.objects.get(codename="manage_customers"))
    client.force_login(people["admin"])
    url = "/admin/feedback/customer/"
    client.post(url, {"action": "mark_do_not_contact", "_selected_action": [customer.pk]})
    customer.refresh_from_db()
    assert customer.do_not_contact
    client.post(url, {"action": "allow_contact", "_selected_action": [customer.pk]})
    customer.refresh_from_db()
    assert not customer.do_not_contact
    assert list(_audit_rows(customer).order_by("pk").values_list("verb", "data")) == [
        ("customer.do_not_contact_set", {"by": "admin"}),
        ("customer.do_not_contact_removed", {"by": "admin"}),
    ]


# --- Close the loop ------------------------------------------------------------------------------


def test_close_the_loop_leaves_flagged_customers_out_and_says_how_many(client, people, org):
    # given
    now = timezone.now()
    category = CategoryFactory(slug="late")
    signal = SignalFactory(category=category, window_start=now - timedelta(days=28), window_end=now)
    initiative = InitiativeFactory(
        stage=Stage.ROLLED_OUT, rolled_out_at=now, signals=[signal], owner=people["manager"]
    )
    told, flagged = CustomerFactory(), _flagged()
    for customer in (told, flagged):
        feedback = FeedbackFactory(customer=customer, score=2, occurred_at=now - timedelta(days=2))
        CaseFactory(team=org["team_a1"], root_cause=category, feedback=feedback)
    # when
    result = initiative_tell_customers(
        initiative=initiative,
        actor=people["manager"],
        subject="We changed it",
        what_changed="Parcels come on time.",
    )
    # then
    assert (result["emails_queued"], result["not_contacted"]) == (1, 1)
    assert list(EmailMessage.objects.values_list("to", "customer_id")) == [(told.email, told.pk)]
    event = initiative.events.get(kind=InitiativeEvent.Kind.LOOP_CLOSED)
    assert event.data["not_contacted"] == 1
    client.force_login(people["manager"])
    page = client.get(f"/initiatives/{initiative.pk}/").content.decode()
    assert "1 customer not told: do not contact" in page


def test_a_file_import_carries_the_flag_with_yes_or_no(people, settings, tmp_path):
    # given: a file whose column says whether each customer asked not to be contacted
    settings.MEDIA_ROOT = tmp_path / "media"
    source = SourceFactory(slug="call-log", kind="call_centre")
    content = b"id,score,customer,dnc\r\nr-1,2,C-1,yes\r\nr-2,8,C-2,no\r\nr-3,8,C-3,maybe\r\n"
    columns = {"external_id": 0, "score": 1, "customer.external_id": 2, "customer.do_not_contact": 3}
    # when: a team lead imports it
    import_file(
        user=people["lead"], source=source, name="calls.csv", content=content,
        mapping=Mapping(columns=columns, scale="nps", team="team-a1"),
    )  # fmt: skip
    # then: new customers carry the flag; a cell that is not yes or no is the row's error
    assert dict(Customer.objects.values_list("external_id", "do_not_contact")) == {"C-1": True, "C-2": False}
    assert Customer.objects.get(external_id="C-1").do_not_contact_since is not None
    error = ImportRowError.objects.get()
    assert (error.line, error.field) == (4, "customer.do_not_contact")
