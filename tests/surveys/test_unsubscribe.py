"""The unsubscribe link: opening it changes nothing; the one-click POST (RFC 8058) stops every later
message of every kind to that customer."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from cxloop.core.models import AuditEvent
from cxloop.notifications.models import EmailMessage, TextMessage
from cxloop.notifications.services import email_queue
from cxloop.notifications.sms_services import text_queue
from feedback.models import SurveyInvitation
from feedback.surveys.links import response_url, unsubscribe_url
from feedback.surveys.sending import invitations_send_due
from tests.factories import (
    CustomerFactory,
    InviteInvitationFactory,
    InviteSurveyFactory,
    InviteSurveyTextFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def invitation():
    survey = InviteSurveyTextFactory().survey
    customer = CustomerFactory(phone="+351 912 345 678")
    return InviteInvitationFactory(survey=survey, customer=customer, sent_at=timezone.now())


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_opening_the_link_asks_and_changes_nothing(client, invitation):
    # when: a link scanner (or the customer) opens the link
    response = client.get(path_of(unsubscribe_url(invitation)))
    # then
    invitation.customer.refresh_from_db()
    assert response.status_code == 200
    assert b'name="List-Unsubscribe" value="One-Click"' in response.content
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert not invitation.customer.do_not_contact


def test_the_one_click_post_stops_every_later_message(invitation):
    # given: a mail client's unsubscribe button: no cookie, no CSRF token
    mail_client = Client(enforce_csrf_checks=True)
    later = InviteInvitationFactory(
        survey=InviteSurveyTextFactory().survey,
        customer=invitation.customer,
        status=SurveyInvitation.Status.SCHEDULED,
        send_after=timezone.now() - timedelta(minutes=1),
    )
    # when
    response = mail_client.post(path_of(unsubscribe_url(invitation)), ONE_CLICK)
    # then
    customer = invitation.customer
    customer.refresh_from_db()
    assert response.status_code == 200
    assert customer.do_not_contact
    audit = AuditEvent.objects.get(verb="customer.do_not_contact_set", target_id=str(customer.pk))
    assert audit.data["by"] == "unsubscribe link"
    assert invitations_send_due() == 0
    later.refresh_from_db()
    assert (later.status, later.suppressed_reason) == ("suppressed", "do_not_contact")
    case_email = email_queue(
        key="case:1:message", to=customer.email, subject="About your order", body="Hello"
    )
    text = text_queue(key="case:1:text", to="+351912345678", body="Hello")
    assert case_email.status == EmailMessage.Status.SUPPRESSED
    assert text.status == TextMessage.Status.SUPPRESSED


def test_a_post_without_the_one_click_body_changes_nothing(client, invitation):
    response = client.post(path_of(unsubscribe_url(invitation)), {"something": "else"})
    invitation.customer.refresh_from_db()
    assert response.status_code == 400
    assert not invitation.customer.do_not_contact


def test_a_tampered_or_borrowed_token_is_refused(client, invitation):
    # given: a changed unsubscribe token, and the (genuine) response token of the same invitation
    url = path_of(unsubscribe_url(invitation))
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    respond_token = path_of(response_url(invitation)).rstrip("/").split("/")[-1]
    # when
    answers = [
        client.post(tampered, ONE_CLICK),
        client.post(f"/unsubscribe/{respond_token}/", ONE_CLICK),
        client.get(tampered),
    ]
    # then
    invitation.customer.refresh_from_db()
    assert [answer.status_code for answer in answers] == [404, 404, 404]
    assert b"This unsubscribe link does not work" in answers[2].content
    assert not invitation.customer.do_not_contact


def test_an_unsubscribe_link_keeps_working_after_the_survey_closed(client, invitation):
    invitation.expires_at = timezone.now() - timedelta(days=1)
    invitation.save()
    response = client.post(path_of(unsubscribe_url(invitation)), ONE_CLICK)
    invitation.customer.refresh_from_db()
    assert response.status_code == 200
    assert invitation.customer.do_not_contact


def test_an_employee_unsubscribes_from_later_employee_surveys(client):
    # given
    employee = UserFactory(email="staff@example.test")
    survey = InviteSurveyTextFactory(survey=InviteSurveyFactory(audience="employees")).survey
    earlier = InviteInvitationFactory(survey=survey, customer=None, employee=employee)
    pending = InviteInvitationFactory(
        survey=survey, customer=None, employee=employee, status="scheduled", transaction_id="pulse-2"
    )
    # when
    client.post(path_of(unsubscribe_url(earlier)), ONE_CLICK)
    client.post(path_of(unsubscribe_url(earlier)), ONE_CLICK)
    # then: recorded once, on the person only, and what was waiting is suppressed
    pending.refresh_from_db()
    rows = AuditEvent.objects.filter(verb="survey.employee_unsubscribed")
    assert [(row.target_id, row.data) for row in rows] == [(str(employee.pk), {"by": "unsubscribe link"})]
    assert (pending.status, pending.suppressed_reason) == ("suppressed", "do_not_contact")


def test_the_page_speaks_the_invitations_language(client):
    survey = InviteSurveyTextFactory(language="pt").survey
    invitation = InviteInvitationFactory(survey=survey, language="pt")
    response = client.get(path_of(unsubscribe_url(invitation)))
    assert response["Content-Language"] == "pt"
    assert b'<html lang="pt">' in response.content
