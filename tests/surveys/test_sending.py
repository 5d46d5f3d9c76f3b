"""Sending survey invitations and their one reminder: the email with its score scale, once, never to
anyone who may not be contacted, and not in the customer's night."""

import re
from datetime import datetime, timedelta
from email import message_from_string, policy
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from cxloop.notifications.models import EmailMessage, TextMessage
from cxloop.notifications.services import email_send
from feedback.models import SurveyInvitation
from feedback.surveys.links import invitation_from_token, response_url
from feedback.surveys.sending import invitation_send, invitations_send_due, reminders_send_due
from feedback.surveys.unsubscribe import invitation_unsubscribe
from tests.factories import (
    CustomerFactory,
    InviteInvitationFactory,
    InviteSurveyFactory,
    InviteSurveyTextFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = SurveyInvitation.Status
HREF = re.compile(r'href="([^"]+)"')


def scheduled(survey=None, **fields):
    survey = survey or InviteSurveyTextFactory().survey
    fields.setdefault("send_after", timezone.now() - timedelta(minutes=1))
    return InviteInvitationFactory(survey=survey, status=Status.SCHEDULED, **fields)


def sent_email(invitation, kind="invite") -> EmailMessage:
    return EmailMessage.objects.get(key=f"survey:{invitation.pk}:{kind}")


def delivered(invitation, kind="invite"):
    """Send the queued email through the configured (in-memory) backend; the message as received."""
    mail.outbox.clear()
    assert email_send(email_id=sent_email(invitation, kind).pk)
    (message,) = mail.outbox
    return message


def test_an_invitation_goes_once_with_its_scale_of_one_click_links(settings):
    # given
    settings.CXLOOP_BASE_URL = "https://cx.example.org"
    invitation = scheduled()
    # when
    first = invitation_send(invitation_id=invitation.pk)
    again = invitation_send(invitation_id=invitation.pk)
    # then
    invitation.refresh_from_db()
    assert (first, again) == (True, False)
    assert invitation.status == Status.SENT
    assert invitation.expires_at == invitation.sent_at + timedelta(days=invitation.survey.link_valid_days)
    message = delivered(invitation)
    html = message.alternatives[0][0]
    score_links = [url for url in HREF.findall(html) if "score=" in url]
    assert [int(url.rsplit("=", 1)[1]) for url in score_links] == list(range(11))
    # response_url's shape (its tokens carry the time they were signed, so they differ by the second)
    assert re.fullmatch(r"https://cx\.example\.org/s/[^/?]+/\?score=7", score_links[7])
    assert re.fullmatch(r"https://cx\.example\.org/s/[^/?]+/\?score=7", response_url(invitation, score=7))
    token = score_links[7].split("/s/")[1].split("/")[0]
    assert invitation_from_token(token) == invitation
    assert 'lang="en"' in html
    assert 'role="presentation"' in html
    assert "https://cx.example.org/s/" in message.body
    assert message.subject == "A question about your visit"
    assert EmailMessage.objects.filter(key__startswith=f"survey:{invitation.pk}:").count() == 1


def test_the_email_carries_the_one_click_unsubscribe_headers_and_its_message_id():
    # given
    invitation = scheduled()
    # when
    invitation_send(invitation_id=invitation.pk)
    # then
    message = message_from_string(delivered(invitation).message().as_string(), policy=policy.default)
    assert re.fullmatch(r"<https?://[^>]+/unsubscribe/[^>]+/>", message["List-Unsubscribe"].strip())
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # (a long Message-ID is folded onto its own line: the unfolded value may start with a space)
    assert message["Message-ID"].strip() == sent_email(invitation).message_id
    assert message.is_multipart()


def test_survey_texts_are_escaped_and_the_customers_name_is_not_in_the_email():
    # given
    customer = CustomerFactory(name="Ana Secret-Surname")
    survey = InviteSurveyTextFactory(email_intro='Fish & <b>chips</b><script>alert("x")</script>').survey
    invitation = scheduled(survey=survey, customer=customer)
    # when
    invitation_send(invitation_id=invitation.pk)
    # then
    message = delivered(invitation)
    html = message.alternatives[0][0]
    assert "<script>" not in html
    assert "Fish &amp; &lt;b&gt;chips&lt;/b&gt;&lt;script&gt;" in html
    assert "Secret-Surname" not in html
    assert "Secret-Surname" not in message.body


@pytest.mark.parametrize(("scale", "scores"), [("csat", [1, 2, 3, 4, 5]), ("ces", [1, 2, 3, 4, 5, 6, 7])])
def test_the_scale_follows_the_survey(scale, scores):
    invitation = scheduled(survey=InviteSurveyTextFactory(survey=InviteSurveyFactory(scale=scale)).survey)
    invitation_send(invitation_id=invitation.pk)
    html = delivered(invitation).alternatives[0][0]
    assert [int(url.rsplit("=", 1)[1]) for url in HREF.findall(html) if "score=" in url] == scores


def test_the_email_speaks_the_invitations_language():
    # given
    survey = InviteSurveyTextFactory().survey
    InviteSurveyTextFactory(
        survey=survey, language="pt", email_subject="Uma pergunta", question="Recomendaria?"
    )
    invitation = scheduled(survey=survey, language="pt")
    # when
    invitation_send(invitation_id=invitation.pk)
    # then
    message = delivered(invitation)
    assert message.subject == "Uma pergunta"
    assert 'lang="pt"' in message.alternatives[0][0]
    assert "Recomendaria?" in message.body


def test_a_customer_marked_do_not_contact_after_scheduling_gets_nothing():
    # given
    invitation = scheduled()
    invitation.customer.do_not_contact = True
    invitation.customer.save()
    # when
    sent = invitation_send(invitation_id=invitation.pk)
    # then
    invitation.refresh_from_db()
    assert not sent
    assert (invitation.status, invitation.suppressed_reason) == (Status.SUPPRESSED, "do_not_contact")
    assert not EmailMessage.objects.filter(key__startswith=f"survey:{invitation.pk}:").exists()


def test_an_invitation_in_quiet_hours_waits_for_its_send_time():
    # given
    later = scheduled(send_after=timezone.now() + timedelta(hours=3))
    now_due = scheduled()
    # when
    sent_now = invitations_send_due()
    sent_later = invitations_send_due(now=timezone.now() + timedelta(hours=3, minutes=1))
    # then
    assert (sent_now, sent_later) == (1, 1)
    assert sent_email(now_due).created_at < sent_email(later).created_at


def test_an_employee_who_unsubscribed_gets_no_later_employee_survey():
    # given: an employee unsubscribed through an earlier invitation's link
    employee = UserFactory(email="staff@example.test")
    survey = InviteSurveyTextFactory(survey=InviteSurveyFactory(audience="employees")).survey
    earlier = InviteInvitationFactory(survey=survey, customer=None, employee=employee)
    invitation_unsubscribe(invitation=earlier)
    later = scheduled(survey=survey, customer=None, employee=employee, transaction_id="pulse-2")
    # when
    sent = invitations_send_due()
    # then
    later.refresh_from_db()
    assert sent == 0
    assert (later.status, later.suppressed_reason) == (Status.SUPPRESSED, "do_not_contact")


def test_a_text_message_survey_sends_its_link_by_sms():
    # given
    survey = InviteSurveyTextFactory(
        survey=InviteSurveyFactory(channel="sms"), sms_text="How did we do? {link}"
    ).survey
    invitation = scheduled(survey=survey, customer=CustomerFactory(phone="+351912345678"))
    # when
    invitation_send(invitation_id=invitation.pk)
    # then
    text = TextMessage.objects.get(key=f"survey:{invitation.pk}:invite")
    assert text.to == "+351912345678"
    assert text.body.startswith("How did we do? http")
    assert "/s/" in text.body


# --- the reminder ------------------------------------------------------------------------------


def sent_before(hours, survey=None, **fields):
    survey = survey or InviteSurveyTextFactory(survey=InviteSurveyFactory(reminder_after_hours=72)).survey
    sent_at = timezone.now() - timedelta(hours=hours)
    fields.setdefault("expires_at", sent_at + timedelta(days=30))
    fields.setdefault("status", Status.SENT)
    return InviteInvitationFactory(survey=survey, sent_at=sent_at, **fields)


def test_one_reminder_goes_after_the_delay_and_only_once():
    # given
    due = sent_before(73)
    not_yet = sent_before(70)
    # when
    first = reminders_send_due()
    second = reminders_send_due()
    # then
    due.refresh_from_db()
    assert (first, second) == (1, 0)
    assert due.reminded_at is not None
    assert sent_email(due, "reminder").subject == "Reminder: A question about your visit"
    assert not EmailMessage.objects.filter(key=f"survey:{not_yet.pk}:reminder").exists()


def test_no_reminder_when_answered_expired_unsubscribed_or_not_wanted():
    # given
    answered = sent_before(80, status=Status.ANSWERED)
    expired = sent_before(80, expires_at=timezone.now() - timedelta(minutes=1))
    flagged = sent_before(80, customer=CustomerFactory(do_not_contact=True))
    no_reminder = sent_before(
        80, survey=InviteSurveyTextFactory(survey=InviteSurveyFactory(reminder_after_hours=None)).survey
    )
    # when
    sent = reminders_send_due()
    # then
    assert sent == 0
    keys = [f"survey:{i.pk}:reminder" for i in (answered, expired, flagged, no_reminder)]
    assert not EmailMessage.objects.filter(key__in=keys).exists()


def test_no_reminder_in_the_customers_quiet_hours_then_after_them():
    # given: quiet hours from an hour ago to an hour from now, in the customer's zone
    now = timezone.now()
    local = now.astimezone(ZoneInfo("Pacific/Kiritimati"))
    survey = InviteSurveyTextFactory(
        survey=InviteSurveyFactory(
            reminder_after_hours=72,
            quiet_from=(local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
            quiet_until=(local + timedelta(hours=1)).time().replace(second=0, microsecond=0),
        )
    ).survey
    sent_before(80, survey=survey, customer=CustomerFactory(time_zone="Pacific/Kiritimati"))
    # when
    at_night = reminders_send_due(now=now)
    in_the_morning = reminders_send_due(now=now + timedelta(hours=1, minutes=5))
    # then
    assert (at_night, in_the_morning) == (0, 1)


# --- reminders that may not go now never hold back those that may ------------------------------

NOON_UTC = datetime(2026, 11, 2, 12, 0, tzinfo=ZoneInfo("UTC"))


def _bulk_sent(survey, count: int, *, hours_ago: int, **fields) -> None:
    """`count` sent invitations from `hours_ago` before NOON_UTC, older ones first, in one insert."""
    SurveyInvitation.objects.bulk_create(
        SurveyInvitation(
            survey=survey,
            status=Status.SENT,
            sent_at=NOON_UTC - timedelta(hours=hours_ago, seconds=count - n),
            expires_at=NOON_UTC + timedelta(days=20),
            **fields,
        )
        for n in range(count)
    )


def test_reminders_in_quiet_hours_do_not_hold_back_a_due_one():
    # given: quiet hours 21:00-08:00; at noon UTC it is 02:00 in Kiritimati and noon in Lisbon
    survey = InviteSurveyTextFactory(
        survey=InviteSurveyFactory(reminder_after_hours=72, quiet_from="21:00", quiet_until="08:00")
    ).survey
    asleep = CustomerFactory(time_zone="Pacific/Kiritimati")
    _bulk_sent(survey, 1001, hours_ago=90, customer=asleep)
    awake = sent_before(0, survey=survey, customer=CustomerFactory(time_zone="Europe/Lisbon"))
    SurveyInvitation.objects.filter(pk=awake.pk).update(
        sent_at=NOON_UTC - timedelta(hours=73), expires_at=NOON_UTC + timedelta(days=20)
    )
    # when: one run
    sent = reminders_send_due(now=NOON_UTC)
    # then: the due one went; the night's are put off to 08:00 their time, not marked reminded
    assert sent == 1
    assert EmailMessage.objects.filter(key=f"survey:{awake.pk}:reminder").exists()
    night = SurveyInvitation.objects.filter(customer=asleep)
    morning = datetime(2026, 11, 3, 8, 0, tzinfo=ZoneInfo("Pacific/Kiritimati"))
    assert night.filter(reminded_at__isnull=True, send_after=morning).count() == 1001
    # and a later run, still in their night, does not read them again
    assert reminders_send_due(now=NOON_UTC + timedelta(hours=1)) == 0


def test_opted_out_employees_do_not_hold_back_a_due_reminder():
    # given: more unsubscribed employees' invitations than fit in a chunk, before a due one
    survey = InviteSurveyTextFactory(
        survey=InviteSurveyFactory(audience="employees", reminder_after_hours=72)
    ).survey
    gone = UserFactory(email="gone@example.test")
    first = InviteInvitationFactory(survey=survey, customer=None, employee=gone)
    invitation_unsubscribe(invitation=first)
    _bulk_sent(survey, 250, hours_ago=90, employee=gone, customer=None)
    staying = UserFactory(email="staying@example.test")
    due = InviteInvitationFactory(
        survey=survey,
        customer=None,
        employee=staying,
        sent_at=NOON_UTC - timedelta(hours=73),
        expires_at=NOON_UTC + timedelta(days=20),
    )
    # when
    sent = reminders_send_due(now=NOON_UTC, limit=1)
    # then
    assert sent == 1
    assert EmailMessage.objects.filter(key=f"survey:{due.pk}:reminder").exists()
    assert not EmailMessage.objects.filter(key__endswith=":reminder", to="gone@example.test").exists()
