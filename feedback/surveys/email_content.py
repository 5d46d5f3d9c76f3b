"""What a survey invitation or its reminder says: subject, plain text and HTML, in the invitation's
language.

The HTML embeds the score scale, one link per score (links.response_url with the score: one click
opens the page with it selected, whose script sends it; opening alone records nothing); the
plain-text alternative gives the response link. Both are rendered by Django templates with
autoescaping, so a survey text with markup is shown as text, never run. Neither holds the customer's
name or other personal data (only the address it goes to, which erasure empties): a stored copy of
the email has nothing else to erase. The HTML is an accessible email: a lang attribute, layout
tables marked role="presentation", a label per score link, dark text or white on dark blue (contrast
above 7:1), no images.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from feedback.models import Feedback, Scale, Survey, SurveyInvitation, SurveyText

from .links import response_url, unsubscribe_url
from .response_forms import SCALE_ENDS

INVITE, REMINDER = "invite", "reminder"


class NoSurveyText(Exception):
    """The survey has no text in any language: there is nothing to send."""


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def survey_text_for(invitation: SurveyInvitation) -> SurveyText:
    """The survey's text in the invitation's language, else in its default language, else any."""
    texts = {text.language: text for text in invitation.survey.texts.all()}
    for language in (invitation.language, invitation.survey.default_language):
        if language in texts:
            return texts[language]
    if not texts:
        raise NoSurveyText(f"survey {invitation.survey_id} has no text")
    return texts[sorted(texts)[0]]


def invitation_email(invitation: SurveyInvitation, *, kind: str = INVITE) -> EmailContent:
    """The invitation (or, with kind=REMINDER, its one reminder) as an email."""
    text = survey_text_for(invitation)
    survey = invitation.survey
    with translation.override(text.language):
        subject = text.email_subject
        if kind == REMINDER:
            subject = text.reminder_subject or gettext("Reminder: %(subject)s") % {
                "subject": text.email_subject
            }
        low, high = Feedback.SCALE_RANGES[Scale(survey.scale)]
        respond_url = response_url(invitation)
        context = {
            "language": text.language,
            "subject": subject,
            "reminder": kind == REMINDER,
            "intro": text.email_intro,
            "question": text.question,
            "scores": _score_links(respond_url, low=low, high=high),
            "low": low,
            "high": high,
            "low_label": SCALE_ENDS[survey.scale][0],
            "high_label": SCALE_ENDS[survey.scale][1],
            "respond_url": respond_url,
            "unsubscribe_url": unsubscribe_url(invitation) if _may_unsubscribe(invitation) else "",
            "expires_at": invitation.expires_at,
            "employee": survey.audience == Survey.Audience.EMPLOYEES,
        }
        return EmailContent(
            subject=" ".join(subject.split())[:300],
            text=render_to_string("surveys/email/invitation.txt", context),
            html=render_to_string("surveys/email/invitation.html", context),
        )


def _score_links(respond_url: str, *, low: int, high: int) -> list[dict]:
    """One link per score, as links.response_url(invitation, score=n) makes it from the response
    link, whose token is signed once rather than once per score (tests/surveys/test_sending.py
    checks they are the same)."""
    return [{"value": n, "url": f"{respond_url}?{urlencode({'score': n})}"} for n in range(low, high + 1)]


def invitation_sms(invitation: SurveyInvitation) -> str:
    """The text message of an SMS survey: its own text with {link} replaced, or the question and link."""
    text = survey_text_for(invitation)
    link = response_url(invitation)
    if text.sms_text:
        body = text.sms_text.replace("{link}", link)
        return body if link in body else f"{body} {link}"
    return f"{text.question} {link}"


def unsubscribe_headers(invitation: SurveyInvitation) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: a mail client's "unsubscribe" button POSTs to the link."""
    if not _may_unsubscribe(invitation):
        return {}
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(invitation)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _may_unsubscribe(invitation: SurveyInvitation) -> bool:
    return invitation.customer_id is not None or invitation.employee_id is not None
