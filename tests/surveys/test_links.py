"""Signed invitation links: a token opens its own invitation, for its own purpose, until it expires."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from feedback.surveys.links import (
    LinkExpired,
    LinkInvalid,
    LinkRefused,
    invitation_from_token,
    response_url,
    token_for,
    unsubscribe_url,
)
from tests.factories import InviteInvitationFactory

pytestmark = pytest.mark.django_db


def _token_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/").split("/")[-1]


def test_a_response_link_is_absolute_and_opens_its_invitation(settings):
    # given
    settings.CXLOOP_BASE_URL = "https://cx.example.org"
    invitation = InviteInvitationFactory(expires_at=timezone.now() + timedelta(days=3))
    # when
    url = response_url(invitation)
    # then
    assert url.startswith("https://cx.example.org/s/")
    assert invitation_from_token(_token_of(url)) == invitation


def test_a_one_click_link_carries_its_score():
    invitation = InviteInvitationFactory(expires_at=timezone.now() + timedelta(days=3))
    url = response_url(invitation, score=7)
    assert urlsplit(url).query == "score=7"
    assert invitation_from_token(_token_of(url)) == invitation


def test_a_token_holds_no_personal_data():
    invitation = InviteInvitationFactory(customer__email="ana@example.org", customer__name="Ana Lima")
    token = token_for(invitation)
    # (whole words: a three-letter piece like "ana" turns up in a random signature now and then)
    assert "ana@example" not in token.lower()
    assert "lima" not in token.lower()
    assert "example" not in token.lower()
    assert len(token) < 80


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: token[: len(token) // 2],  # cut short by a mail program
        lambda token: "MTIz" + token[4:],  # another invitation's id, same signature
        lambda token: "not-a-token",
    ],
)
def test_an_altered_token_is_invalid(alter):
    invitation = InviteInvitationFactory(expires_at=timezone.now() + timedelta(days=3))
    with pytest.raises(LinkInvalid):
        invitation_from_token(alter(token_for(invitation)))


def test_a_token_works_only_for_its_purpose():
    invitation = InviteInvitationFactory(expires_at=timezone.now() + timedelta(days=3))
    unsubscribe_token = _token_of(unsubscribe_url(invitation))
    with pytest.raises(LinkInvalid):
        invitation_from_token(unsubscribe_token)
    with pytest.raises(LinkInvalid):
        invitation_from_token(token_for(invitation), purpose="unsubscribe")
    assert invitation_from_token(unsubscribe_token, purpose="unsubscribe") == invitation


def test_a_response_link_expires_with_its_invitation_and_says_which():
    invitation = InviteInvitationFactory(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(LinkExpired) as refused:
        invitation_from_token(token_for(invitation))
    assert isinstance(refused.value, LinkRefused)
    assert refused.value.invitation == invitation


def test_without_an_expiry_the_link_lasts_the_surveys_days_from_sending():
    sent = timezone.now() - timedelta(days=10)
    fresh = InviteInvitationFactory(sent_at=sent, survey__link_valid_days=30)
    stale = InviteInvitationFactory(sent_at=sent, survey__link_valid_days=7)
    assert invitation_from_token(token_for(fresh)) == fresh
    with pytest.raises(LinkExpired):
        invitation_from_token(token_for(stale))


def test_an_unsubscribe_link_keeps_working_after_the_response_link_expired():
    invitation = InviteInvitationFactory(expires_at=timezone.now() - timedelta(days=90))
    token = _token_of(unsubscribe_url(invitation))
    assert invitation_from_token(token, purpose="unsubscribe") == invitation


def test_a_deleted_or_suppressed_invitation_opens_nothing():
    suppressed = InviteInvitationFactory(status="suppressed", suppressed_reason="not_sampled")
    gone = InviteInvitationFactory()
    gone_token = token_for(gone)
    gone.delete()
    for token in (token_for(suppressed), gone_token):
        with pytest.raises(LinkInvalid):
            invitation_from_token(token)
