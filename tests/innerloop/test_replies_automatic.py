"""Automatic replies (innerloop.replies.automatic): an out-of-office answer, an autoresponder or a
mail server's delivery report reaching a case's reply address, through the webhook or the SMTP
receiver, is kept once and shown as an automatic reply, but moves no case, reopens nothing,
opens no case, resumes no clock and notifies nobody. A person's reply still does all of that."""

import smtplib
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from freezegun import freeze_time

from cxloop.notifications.models import Notification
from innerloop.models import Case, CaseEvent, CaseReply, CaseStatus
from innerloop.replies.addresses import reply_address_for
from innerloop.replies.automatic import AUTOMATIC, DELIVERY_REPORT, OUT_OF_OFFICE, automatic_kind
from innerloop.replies.smtp import ReplyHandler
from tests.factories import CategoryFactory
from tests.fixtures.servers import free_port

from .replies_support import (
    CUSTOMER_EMAIL,
    case_closed,
    case_waiting,
    delivery_report,
    post_postmark,
    postmark_payload,
    raw_reply,
    replies_switched_on,
    stored_counts,
)

# The SMTP receiver stores from its own threads and connections: the test's data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

OUT_OF_OFFICE_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
OUT_OF_OFFICE_SUBJECT = "Automatic reply: About your feedback"


@pytest.fixture
def replies_on(settings, tmp_path):
    return replies_switched_on(settings, tmp_path)


@pytest.fixture
def root_cause(db):
    return CategoryFactory(slug="late", name="Late delivery", parent=CategoryFactory(slug="delivery"))


@pytest.fixture
def receiver(replies_on):
    controller = Controller(ReplyHandler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def smtp_send(receiver, *, to: str, raw: bytes, mail_from: str = CUSTOMER_EMAIL) -> dict:
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=30) as smtp:
        return smtp.sendmail(mail_from, [to], raw)


def assert_changed_nothing(case: Case, *, before: dict, status: str) -> None:
    """One reply and its one timeline entry stored; the case as it was; no case opened; nobody told."""
    paused_at = case.paused_at
    case.refresh_from_db()
    assert (case.status, case.paused_at) == (status, paused_at)
    after = stored_counts()
    assert after == before | {"replies": before["replies"] + 1, "events": before["events"] + 1}


# --- Through the webhook ---------------------------------------------------------------------------


def test_an_out_of_office_answer_leaves_a_waiting_case_waiting(replies_on, org, people, client):
    # given: a case waiting on its customer, its clock paused
    case = case_waiting(org, people)
    payload = postmark_payload(
        to=reply_address_for(case), headers=OUT_OF_OFFICE_HEADERS, subject=OUT_OF_OFFICE_SUBJECT
    )
    before = stored_counts()
    # when: the customer's out-of-office answer arrives, twice
    with freeze_time("2026-11-02 15:00:00+00:00"):
        assert post_postmark(client, payload).status_code == 200
        after_first = stored_counts()
        assert post_postmark(client, payload).status_code == 200
    # then: kept once, marked automatic, and nothing else happened
    assert stored_counts() == after_first
    assert_changed_nothing(case, before=before, status=CaseStatus.WAITING_ON_CUSTOMER)
    reply = CaseReply.objects.get()
    assert reply.case_id == case.pk
    event = case.events.get(kind=CaseEvent.Kind.REPLY_RECEIVED)
    assert (event.data["automatic"], event.data["automatic_kind"]) == (True, OUT_OF_OFFICE)
    # the timeline says what it was, in words
    client.force_login(people["agent"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "Automatic reply received (out of office)" in timeline
    assert "the case was not changed and nobody was notified" in timeline
    assert "out_of_office" not in timeline


@pytest.mark.parametrize("reply_to_closed", ["reopen", "new_case"])
@pytest.mark.parametrize(
    ("headers", "return_path", "sender"),
    [
        pytest.param({"Auto-Submitted": "auto-replied"}, None, CUSTOMER_EMAIL, id="auto-submitted"),
        pytest.param({"Precedence": "bulk"}, None, CUSTOMER_EMAIL, id="precedence-bulk"),
        pytest.param({"Precedence": "auto_reply"}, None, CUSTOMER_EMAIL, id="precedence-auto-reply"),
        pytest.param({"X-Autoreply": "yes"}, None, CUSTOMER_EMAIL, id="x-autoreply"),
        pytest.param({"X-Autorespond": "Out of office"}, None, CUSTOMER_EMAIL, id="x-autorespond"),
        pytest.param({"X-Auto-Response-Suppress": "OOF, AutoReply"}, None, CUSTOMER_EMAIL, id="ms-suppress"),
        pytest.param({}, "<>", CUSTOMER_EMAIL, id="null-sender"),
        pytest.param({}, None, "MAILER-DAEMON@mx.example.test", id="mailer-daemon"),
        pytest.param({}, None, "postmaster@example.test", id="postmaster"),
    ],
)
def test_an_automatic_answer_leaves_a_closed_case_closed(
    replies_on, org, people, client, root_cause, reply_to_closed, headers, return_path, sender
):
    # given
    replies_on.CXLOOP_REPLY_TO_CLOSED = reply_to_closed
    case = case_closed(org, people, root_cause)
    payload = postmark_payload(
        to=reply_address_for(case), headers=headers, return_path=return_path, sender=sender
    )
    before = stored_counts()
    # when
    assert post_postmark(client, payload).status_code == 200
    # then: kept on the closed case, which stays closed; no linked case; nobody told
    assert_changed_nothing(case, before=before, status=CaseStatus.CLOSED)
    assert CaseReply.objects.get().case_id == case.pk
    assert case.events.get(kind=CaseEvent.Kind.REPLY_RECEIVED).data["automatic"] is True


def test_a_persons_reply_saying_it_is_not_automatic_still_reopens(
    replies_on, org, people, client, root_cause
):
    case = case_closed(org, people, root_cause)
    post_postmark(client, postmark_payload(to=reply_address_for(case), headers={"Auto-Submitted": "no"}))
    case.refresh_from_db()
    assert case.status == CaseStatus.REOPENED
    assert "automatic" not in case.events.get(kind=CaseEvent.Kind.REPLY_RECEIVED).data
    assert Notification.objects.filter(user=people["agent"]).count() == 1


# --- Through the SMTP receiver ---------------------------------------------------------------------


def test_an_out_of_office_answer_by_smtp_leaves_a_waiting_case_waiting(receiver, org, people, client):
    case = case_waiting(org, people)
    address = reply_address_for(case)
    raw = raw_reply(to=address, headers=OUT_OF_OFFICE_HEADERS, subject=OUT_OF_OFFICE_SUBJECT)
    before = stored_counts()
    assert smtp_send(receiver, to=address, raw=raw) == {}
    assert_changed_nothing(case, before=before, status=CaseStatus.WAITING_ON_CUSTOMER)
    assert CaseReply.objects.get().case_id == case.pk
    client.force_login(people["agent"])
    assert "Automatic reply received (out of office)" in client.get(f"/cases/{case.pk}/").content.decode()


def test_a_bounce_by_smtp_leaves_a_closed_case_closed(receiver, org, people, root_cause):
    case = case_closed(org, people, root_cause)
    address = reply_address_for(case)
    raw = delivery_report(to=address)
    before = stored_counts()
    # when: a mail server's report, from the null sender, delivered twice
    assert smtp_send(receiver, to=address, raw=raw, mail_from="") == {}
    assert smtp_send(receiver, to=address, raw=raw, mail_from="") == {}
    # then
    assert_changed_nothing(case, before=before, status=CaseStatus.CLOSED)
    assert CaseReply.objects.get().case_id == case.pk
    event = case.events.get(kind=CaseEvent.Kind.REPLY_RECEIVED)
    assert event.data["automatic_kind"] == DELIVERY_REPORT


def test_a_persons_reply_by_smtp_still_moves_the_case(receiver, org, people):
    case = case_waiting(org, people)
    address = reply_address_for(case)
    smtp_send(receiver, to=address, raw=raw_reply(to=address))
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert Notification.objects.filter(user=people["agent"]).count() == 1


# --- Reading the headers ---------------------------------------------------------------------------


def _message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", CUSTOMER_EMAIL)
    message["Subject"] = headers.pop("Subject", "Re: About your feedback")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Thanks")
    return message


@pytest.mark.parametrize(
    ("headers", "envelope_sender", "kind"),
    [
        pytest.param({}, None, "", id="a-person"),
        pytest.param({"Auto_Submitted": "no"}, CUSTOMER_EMAIL, "", id="auto-submitted-no"),
        pytest.param({"X_Auto_Response_Suppress": "None"}, None, "", id="ms-suppress-none"),
        pytest.param({"Precedence": "first-class"}, None, "", id="precedence-other"),
        pytest.param({"Auto_Submitted": "auto-generated"}, None, AUTOMATIC, id="auto-generated"),
        pytest.param(
            {"Auto_Submitted": "auto-replied", "Subject": "Fora do escritório"}, None, OUT_OF_OFFICE, id="pt"
        ),
        pytest.param({}, "", AUTOMATIC, id="null-envelope-sender"),
        pytest.param({"Return_Path": "<>"}, None, AUTOMATIC, id="null-return-path"),
        pytest.param({"From": "Mailer-Daemon@mx.test"}, None, DELIVERY_REPORT, id="mailer-daemon"),
    ],
)
def test_automatic_messages_are_recognised(headers, envelope_sender, kind):
    assert automatic_kind(_message(**headers), envelope_sender=envelope_sender) == kind
