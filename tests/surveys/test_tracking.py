"""Email providers' events through django-anymail's tracking webhooks (Postmark's, here): delivered,
opened, bounced and marked as spam land on the invitation and the customer, once."""

import base64
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cxloop.notifications.models import EmailMessage
from cxloop.notifications.services import email_queue, email_send
from feedback.models import SurveyInvitation
from feedback.surveys.sending import invitation_send
from tests.factories import CustomerFactory, InviteInvitationFactory, InviteSurveyTextFactory

pytestmark = pytest.mark.django_db

URL = "/hooks/email/postmark/tracking/"
SECRET = "postmark:webhook-secret"


@pytest.fixture
def secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def sent(secret):
    """An invitation sent over SMTP: its email carries our Message-ID."""
    invitation = InviteInvitationFactory(
        survey=InviteSurveyTextFactory().survey,
        status=SurveyInvitation.Status.SCHEDULED,
        send_after=timezone.now() - timedelta(minutes=1),
    )
    invitation_send(invitation_id=invitation.pk)
    message = EmailMessage.objects.get(key=f"survey:{invitation.pk}:invite")
    assert email_send(email_id=message.pk)
    return invitation, message


def post(client, record: dict, *, auth: str = SECRET):
    header = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(URL, json.dumps(record), content_type="application/json", HTTP_AUTHORIZATION=header)


def record(kind: str, message: EmailMessage, **fields) -> dict:
    # Postmark reports the id without angle brackets.
    return {
        "RecordType": kind,
        "MessageID": message.message_id.strip("<>"),
        "Recipient": message.to,
        **fields,
    }


def test_delivery_and_open_are_marked_once(client, sent):
    # given
    invitation, message = sent
    # when
    answers = [
        post(client, record("Delivery", message, DeliveredAt="2026-03-02T10:00:00Z")),
        post(client, record("Open", message, ReceivedAt="2026-03-02T10:05:00Z")),
        post(client, record("Delivery", message, DeliveredAt="2026-03-02T11:00:00Z")),
    ]
    # then
    invitation.refresh_from_db()
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert invitation.delivered_at.isoformat() == "2026-03-02T10:00:00+00:00"
    assert invitation.opened_at.isoformat() == "2026-03-02T10:05:00+00:00"
    assert invitation.status == SurveyInvitation.Status.SENT


def test_an_employees_open_is_not_recorded(client, sent, people):
    # given: the same sent email, now an employee's invitation (the moment they opened it would
    # point at their anonymous answer)
    invitation, message = sent
    SurveyInvitation.objects.filter(pk=invitation.pk).update(customer=None, employee=people["agent"])
    # when
    answer = post(client, record("Open", message, ReceivedAt="2026-03-02T10:05:00Z"))
    # then
    invitation.refresh_from_db()
    assert answer.status_code == 200
    assert invitation.opened_at is None


def test_a_hard_bounce_marks_the_invitation_and_the_customers_address(client, sent):
    # given
    invitation, message = sent
    # when
    post(
        client,
        record("Bounce", message, Type="HardBounce", Email=message.to, BouncedAt="2026-03-02T10:00:00Z"),
    )
    # then
    invitation.refresh_from_db()
    invitation.customer.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.BOUNCED
    assert invitation.bounced_at is not None
    assert invitation.customer.email_bounced_at is not None
    assert not invitation.customer.do_not_contact


def test_a_soft_bounce_leaves_the_address_usable(client, sent):
    invitation, message = sent
    post(
        client,
        record("Bounce", message, Type="SoftBounce", Email=message.to, BouncedAt="2026-03-02T10:00:00Z"),
    )
    invitation.refresh_from_db()
    invitation.customer.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.BOUNCED
    assert invitation.customer.email_bounced_at is None


def test_a_spam_complaint_makes_the_customer_do_not_contact(client, secret):
    # given: any email to a customer (a case message), not only surveys
    customer = CustomerFactory()
    message = email_queue(key="case:7:message", to=customer.email, subject="About your order", body="Hi")
    email_send(email_id=message.pk)
    EmailMessage.objects.filter(pk=message.pk).update(message_id="<b7bc2f4a-e38e@pm.example>")
    message.refresh_from_db()
    # when
    answer = post(
        client,
        record(
            "SpamComplaint", message, Type="SpamComplaint", Email=message.to, BouncedAt="2026-03-02T10:00:00Z"
        ),
    )
    # then
    customer.refresh_from_db()
    assert answer.status_code == 200
    assert customer.email_complained_at is not None
    assert customer.do_not_contact
    later = email_queue(key="case:7:again", to=customer.email, subject="Hello again", body="Hi")
    assert later.status == EmailMessage.Status.SUPPRESSED


def test_without_a_webhook_secret_every_call_is_refused(client, sent, settings):
    # given
    invitation, message = sent
    settings.ANYMAIL = {}
    # when
    answer = post(client, record("Bounce", message, Type="HardBounce", Email=message.to))
    # then
    invitation.refresh_from_db()
    assert answer.status_code == 403
    assert invitation.status == SurveyInvitation.Status.SENT


def test_a_wrong_secret_is_refused(client, sent):
    invitation, message = sent
    answer = post(
        client, record("Bounce", message, Type="HardBounce", Email=message.to), auth="postmark:guess"
    )
    invitation.refresh_from_db()
    assert answer.status_code == 400
    assert invitation.bounced_at is None


def test_an_event_about_someone_elses_message_changes_nothing(client, sent):
    invitation, _message = sent
    answer = post(
        client, {"RecordType": "Bounce", "Type": "HardBounce", "MessageID": "not-ours", "Email": "x@y.test"}
    )
    invitation.refresh_from_db()
    assert answer.status_code == 200
    assert invitation.bounced_at is None


def test_a_provider_api_send_keeps_the_providers_id_for_its_events(settings):
    # given: an anymail backend (its test backend answers with the message's place in the outbox)
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []
    message = email_queue(
        key="test:esp", to="c@example.test", subject="Hi", body="Hi", message_id="<ours@x.test>"
    )
    # when
    email_send(email_id=message.pk)
    # then
    message.refresh_from_db()
    assert message.message_id == "0"
    assert mail.outbox[0].extra_headers["Message-ID"] == "<ours@x.test>"
