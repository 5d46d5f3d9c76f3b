"""The signed links of an invitation: its response page (with a score, for the email's one click)
and its unsubscribe link.

A token is the invitation's id signed with Django's signing (SECRET_KEY) and a salt per purpose,
so a response token cannot be used to unsubscribe and neither can be made up or altered. It holds
no personal data. A response link stops working when the invitation expires (expires_at, set when
it is sent; otherwise `link_valid_days` after it was sent or created); an unsubscribe link keeps
working, as a promise to stop writing must (RFC 8058).
"""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from feedback.models import SurveyInvitation

RESPOND = "respond"
UNSUBSCRIBE = "unsubscribe"
SALTS = {
    RESPOND: "feedback.surveys.links.respond",
    UNSUBSCRIBE: "feedback.surveys.links.unsubscribe",
}


class LinkRefused(Exception):
    """A link that does not open an invitation; `invitation` is set when it is known (an expired
    link), so the refusal can speak the invitation's language."""

    def __init__(self, message: str = "", *, invitation: SurveyInvitation | None = None) -> None:
        super().__init__(message)
        self.invitation = invitation


class LinkInvalid(LinkRefused):
    """Altered, cut short, made up, of another purpose, or of an invitation that is gone."""


class LinkExpired(LinkRefused):
    """Genuine, but past the invitation's expiry."""


def token_for(invitation: SurveyInvitation, *, purpose: str = RESPOND) -> str:
    return signing.dumps(invitation.pk, salt=SALTS[purpose], compress=True)


def link_expires_at(invitation: SurveyInvitation) -> datetime:
    """When the response link stops working."""
    if invitation.expires_at is not None:
        return invitation.expires_at
    start = invitation.sent_at or invitation.created_at
    return start + timedelta(days=invitation.survey.link_valid_days)


def _absolute(path: str) -> str:
    return f"{settings.CXLOOP_BASE_URL}{path}"


def response_url(invitation: SurveyInvitation, *, score: int | None = None) -> str:
    """The response page; with a score, the email's one-click link (opened, it shows the score
    ready to send; a GET never records it)."""
    url = _absolute(reverse("survey_response:respond", kwargs={"token": token_for(invitation)}))
    if score is not None:
        url += "?" + urlencode({"score": score})
    return url


def unsubscribe_url(invitation: SurveyInvitation) -> str:
    """The one-click unsubscribe link (feedback.surveys.unsubscribe_urls: /unsubscribe/<token>/)."""
    token = token_for(invitation, purpose=UNSUBSCRIBE)
    return _absolute(reverse("survey_unsubscribe:unsubscribe", kwargs={"token": token}))


def invitation_from_token(token: str, *, purpose: str = RESPOND) -> SurveyInvitation:
    """The invitation a token opens; LinkInvalid or LinkExpired otherwise."""
    if purpose not in SALTS:
        raise ValueError(f"unknown link purpose {purpose!r}")
    try:
        pk = signing.loads(token, salt=SALTS[purpose])
    except signing.BadSignature as error:
        raise LinkInvalid("the link's signature does not match") from error
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise LinkInvalid("the link does not name an invitation")
    invitation = (
        SurveyInvitation.objects.select_related("survey", "survey__source", "customer").filter(pk=pk).first()
    )
    if invitation is None or invitation.status == SurveyInvitation.Status.SUPPRESSED:
        # A suppressed invitation was never sent: its link cannot have reached anyone.
        raise LinkInvalid("no such invitation")
    if purpose == RESPOND and timezone.now() >= link_expires_at(invitation):
        raise LinkExpired("the link has expired", invitation=invitation)
    return invitation
