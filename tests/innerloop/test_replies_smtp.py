"""The SMTP receiver for self-hosters (innerloop.replies.smtp), on loopback with aiosmtpd, sent to
with smtplib as a mail server would: a reply lands on its case like one through a webhook; a forged
address is refused at RCPT TO (550) before any data; too large a message is refused (552)."""

import smtplib
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cxloop.notifications.models import Notification
from innerloop.models import CaseReply, CaseStatus
from innerloop.replies.addresses import reply_address_for
from innerloop.replies.smtp import ReplyHandler
from tests.fixtures.servers import free_port

from .replies_support import (
    CUSTOMER_EMAIL,
    NEW_TEXT,
    PNG,
    QUOTED,
    case_waiting,
    forged_address,
    raw_reply,
    replies_switched_on,
    stored_counts,
)

# The receiver stores from its own threads and connections: the test's data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replies_on(settings, tmp_path):
    return replies_switched_on(settings, tmp_path)


MAX_BYTES = 200_000


@pytest.fixture
def receiver(replies_on):
    controller = Controller(ReplyHandler(), hostname="127.0.0.1", port=free_port(), data_size_limit=MAX_BYTES)
    controller.start()
    yield controller
    controller.stop()


def send(receiver, *, to: str, raw: bytes) -> dict:
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=30) as smtp:
        return smtp.sendmail(CUSTOMER_EMAIL, [to], raw)


def test_a_reply_through_the_smtp_receiver_lands_on_the_case(receiver, org, people, client):
    # given: a case waiting on its customer for six hours
    six_hours_ago = timezone.now() - timedelta(hours=6)
    case = case_waiting(org, people, waiting_since=six_hours_ago.isoformat())
    due_before = case.due_at
    address = reply_address_for(case)
    # when
    refused = send(
        receiver, to=address, raw=raw_reply(to=address, attachments=[("photo.png", PNG, "image/png")])
    )
    # then: accepted and stored without the quoted history, with its attachment
    assert refused == {}
    reply = CaseReply.objects.get()
    assert (reply.case_id, reply.channel, reply.provider) == (case.pk, "smtp", "smtp")
    assert reply.text == NEW_TEXT
    assert reply.attachments.get().content_type == "image/png"
    # the case is back in progress, its deadline moved on by the time it waited
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.paused_at is None
    assert abs((case.due_at - due_before) - timedelta(hours=6)) < timedelta(minutes=2)
    # the owner is told
    assert Notification.objects.filter(user=people["agent"], url=f"/cases/{case.pk}/").count() == 1
    # and the timeline shows the reply without the quote
    client.force_login(people["agent"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    shown = html.split('class="case-reply"')[1].split('class="message-body"')[1].split("</p>")[0]
    assert NEW_TEXT in shown
    assert QUOTED.removeprefix("> ") not in shown


def test_a_forged_address_is_refused_at_rcpt_and_nothing_is_stored(receiver, org, people):
    # given
    case = case_waiting(org, people)
    forged = forged_address(case)
    before = stored_counts()
    # when / then: 550 at RCPT TO, before the message is sent
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(receiver, to=forged, raw=raw_reply(to=forged))
    assert refused.value.recipients[forged][0] == 550
    assert stored_counts() == before


def test_a_message_over_the_size_limit_is_refused(receiver, org, people):
    case = case_waiting(org, people)
    address = reply_address_for(case)
    raw = raw_reply(
        to=address, attachments=[("big.pdf", b"%PDF-1.4\n" + b"x" * MAX_BYTES, "application/pdf")]
    )
    before = stored_counts()
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
        send(receiver, to=address, raw=raw)
    assert refused.value.smtp_code == 552
    assert stored_counts() == before


def test_a_reply_sent_twice_is_stored_once(receiver, org, people):
    case = case_waiting(org, people)
    address = reply_address_for(case)
    raw = raw_reply(to=address)
    send(receiver, to=address, raw=raw)
    after_first = stored_counts()
    send(receiver, to=address, raw=raw)
    assert stored_counts() == after_first


def test_the_command_refuses_to_start_without_a_reply_domain(settings):
    settings.CXLOOP_REPLY_DOMAIN = ""
    with pytest.raises(CommandError, match="CXLOOP_REPLY_DOMAIN"):
        call_command("receive_replies", "--port", str(free_port()))
