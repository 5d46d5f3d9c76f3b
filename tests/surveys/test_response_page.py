"""The hosted response page /s/<token>/: no sign-in, the invitation's language, one answer per
invitation (changeable for a while), a one-click score that a GET never records (link scanners
fetch every link), and clear refusals that store nothing."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from feedback.models import Feedback, SurveyInvitation
from feedback.surveys import listeners
from feedback.surveys.links import invitation_from_token, response_url, token_for
from feedback.surveys.response_views import REFUSED_LINKS
from tests.factories import InviteInvitationFactory, InviteSurveyFactory, InviteSurveyTextFactory, UserFactory

pytestmark = pytest.mark.django_db


def survey_throttle_clear(address: str = "127.0.0.1") -> None:
    """Forget refused links counted against the test clients' address (other tests refuse some)."""
    bucket = int(time.time() // settings.CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS)
    cache.delete_many(
        [f"throttle:lock:{REFUSED_LINKS}:{address}"]
        + [f"throttle:{REFUSED_LINKS}:{address}:{b}" for b in (bucket - 1, bucket, bucket + 1)]
    )


@pytest.fixture(autouse=True)
def _fresh_throttle(monkeypatch):
    survey_throttle_clear()
    monkeypatch.setattr(listeners, "_listeners", {})
    yield
    survey_throttle_clear()


def make_invitation(*, language="en", audience="customers", purpose="feedback", **invitation):
    survey = InviteSurveyFactory(slug=f"nps-{audience}-{purpose}", audience=audience, purpose=purpose)
    InviteSurveyTextFactory(
        survey=survey,
        language="en",
        question="How likely are you to recommend Tilde Coffee to a friend?",
        comment_question="What is the main reason for your score?",
        follow_ups=["What should we do first?"],
    )
    InviteSurveyTextFactory(
        survey=survey,
        language="pt",
        question="Qual a probabilidade de recomendar a Tilde Coffee a um amigo?",
        comment_question="Qual a principal razão da sua nota?",
    )
    if audience == "employees":
        invitation.setdefault("customer", None)
        invitation.setdefault("employee", UserFactory())
    invitation.setdefault("expires_at", timezone.now() + timedelta(days=30))
    return InviteInvitationFactory(survey=survey, language=language, **invitation)


def path_of(invitation, **kwargs) -> str:
    return response_url(invitation, **kwargs).removeprefix(settings.CXLOOP_BASE_URL)


def test_the_page_asks_the_surveys_questions_on_an_accessible_scale(client):
    invitation = make_invitation(customer__name="Ana Lima", customer__email="ana@example.org")
    # when
    response = client.get(path_of(invitation))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "How likely are you to recommend Tilde Coffee to a friend?</legend>" in html
    assert html.count('type="radio" name="score"') == 11
    assert "0 = Not at all likely" in html
    assert "10 = Extremely likely" in html
    assert "What is the main reason for your score?" in html
    assert "What should we do first?" in html
    assert "csrfmiddlewaretoken" in html
    # and nothing personal, no script, no staff navigation
    assert "Ana" not in html
    assert "ana@example.org" not in html
    assert "<script" not in html
    assert "Log out" not in html
    # and the token is kept out of referrers, search engines and caches
    assert response["Referrer-Policy"] == "same-origin"  # the form needs its Origin (CSRF)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("language", ["pt", "pt-PT", "pt-br"])
def test_the_page_speaks_the_invitations_language(client, language):
    invitation = make_invitation(language=language)
    response = client.get(path_of(invitation), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="pt">' in html
    assert response["Content-Language"] == "pt"
    assert "Saltar para o conteúdo" in html
    if language == "pt":
        assert "Qual a probabilidade de recomendar a Tilde Coffee a um amigo?" in html


def test_a_language_the_site_does_not_speak_falls_back_to_the_surveys(client):
    invitation = make_invitation(language="de")
    html = client.get(path_of(invitation)).content.decode()
    assert '<html lang="en">' in html
    assert "How likely are you to recommend Tilde Coffee" in html


def test_an_answer_is_stored_then_thanked_for(client):
    # given
    invitation = make_invitation()
    # when
    response = client.post(
        path_of(invitation),
        {"score": "9", "comment": "Lovely flat white.", "follow_up_0": "Open earlier"},
    )
    # then
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you for your answer" in thanks.content.decode()
    assert "Change your answer" in thanks.content.decode()
    item = Feedback.objects.get()
    assert (item.score, item.comment) == (9, "Lovely flat white.")
    assert item.metadata["follow_ups"] == [{"question": "What should we do first?", "answer": "Open earlier"}]


def test_without_a_score_the_form_says_so_and_stores_nothing(client):
    invitation = make_invitation()
    response = client.post(path_of(invitation), {"comment": "Forgot the score"})
    assert response.status_code == 400
    assert "Choose a score." in response.content.decode()
    assert "Forgot the score" in response.content.decode()
    assert not Feedback.objects.exists()


def redirected_to_recorded_page_of(response, invitation) -> bool:
    """The redirect names the invitation's page, marked recorded. Its token is signed afresh (with
    the second it is made in), so it is read back rather than compared with another signing."""
    match = re.fullmatch(r"/s/([^/]+)/\?recorded=1", response["Location"])
    return bool(match) and invitation_from_token(match.group(1)).pk == invitation.pk


def one_click_send(client, invitation, score: int, **extra):
    """What survey_one_click.js does on the one-click page: send its form as it stands."""
    return client.post(path_of(invitation), {"score": str(score), "one_click": "1", **extra})


def test_a_one_click_link_shows_the_score_ready_to_send_and_records_nothing(client):
    # given
    invitation = make_invitation()
    # when: the 7 of the email's scale is opened
    response = client.get(path_of(invitation, score=7))
    # then: shown selected with Send, marked for the script to send once; nothing recorded
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<input type="radio" name="score" value="7"[^>]*checked', html)
    assert "Press Send to record your score of 7." in html
    assert re.search(r"<form [^>]*data-one-click", html)
    assert re.search(r'<script src="/static/js/survey_one_click[^"]*\.js" defer></script>', html)
    assert ">Send</button>" in html
    assert not Feedback.objects.exists()
    assert SurveyInvitation.objects.get().status == "sent"


def test_link_scanners_fetching_every_score_link_record_nothing(client):
    # given: one invitation's email, with its eleven score links
    invitation = make_invitation()
    # when: a mail security scanner fetches every link of the message
    statuses = [client.get(path_of(invitation, score=score)).status_code for score in range(11)]
    # then
    assert statuses == [200] * 11
    assert not Feedback.objects.exists()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_at, invitation.feedback_id) == ("sent", None, None)


def test_one_click_sent_records_the_score_then_offers_the_comment_box_without_sending_again(client):
    # given
    invitation = make_invitation()
    client.get(path_of(invitation, score=7))
    # when: the page's script sends the form
    response = one_click_send(client, invitation, 7)
    # then: recorded, and redirected to the page without the score (a reload sends nothing)
    assert response.status_code == 302
    assert redirected_to_recorded_page_of(response, invitation)
    assert Feedback.objects.get().score == 7
    html = client.get(response["Location"]).content.decode()
    assert "Thank you: your score of 7 is recorded." in html
    assert "You can change it for" in html
    assert re.search(r'<input type="radio" name="score" value="7"[^>]*checked', html)
    assert "data-one-click" not in html
    assert "<script" not in html
    # and the one-click link opened again (history, a second click) is not sent by itself
    again = client.get(path_of(invitation, score=7)).content.decode()
    assert "data-one-click" not in again
    assert "Press Send to change your score to 7." in again
    # when: the comment is sent with another score
    response = client.post(path_of(invitation), {"score": "6", "comment": "Queue too long"})
    # then: the same feedback item changes, and the thanks page follows
    assert response.status_code == 302
    assert response["Location"].endswith("/thanks/")
    item = Feedback.objects.get()
    assert (item.score, item.comment) == (6, "Queue too long")


def test_a_one_click_send_with_a_comment_goes_to_the_thanks(client):
    invitation = make_invitation()
    response = one_click_send(client, invitation, 2, comment="Late again")
    assert response["Location"].endswith("/thanks/")
    assert (Feedback.objects.get().score, Feedback.objects.get().comment) == (2, "Late again")


@pytest.mark.parametrize("score", ["eleven", "11", "-1", ""])
def test_a_one_click_score_off_the_scale_stores_nothing(client, score):
    invitation = make_invitation()
    response = client.get(path_of(invitation) + f"?score={score}")
    assert response.status_code == 400
    assert "Choose a score" in response.content.decode()
    assert not Feedback.objects.exists()


def test_a_link_scanners_head_request_records_nothing(client):
    invitation = make_invitation()
    assert client.head(path_of(invitation, score=10)).status_code == 405
    assert not Feedback.objects.exists()


def test_coming_back_within_the_window_shows_the_answer_and_later_refuses_a_change(client):
    # given
    invitation = make_invitation()
    client.post(path_of(invitation), {"score": "4", "comment": "Cold coffee"})
    # when: back within the window
    html = client.get(path_of(invitation)).content.decode()
    # then
    assert "You have answered already." in html
    assert "Cold coffee</textarea>" in html
    # when: the window is over
    SurveyInvitation.objects.filter(pk=invitation.pk).update(answered_at=timezone.now() - timedelta(hours=2))
    page = client.get(path_of(invitation))
    change = client.post(path_of(invitation), {"score": "10", "comment": "Changed"})
    # then
    assert page.status_code == change.status_code == 409
    assert "You have answered this survey already" in change.content.decode()
    assert Feedback.objects.get().score == 4


def test_an_expired_link_is_refused_in_the_invitations_language_and_stores_nothing(client):
    invitation = make_invitation(language="pt", expires_at=timezone.now() - timedelta(minutes=1))
    for response in (
        client.get(path_of(invitation, score=3)),
        client.post(path_of(invitation), {"score": "3"}),
    ):
        assert response.status_code == 410
        assert '<html lang="pt">' in response.content.decode()
        assert response["Referrer-Policy"] == "no-referrer"
    assert not Feedback.objects.exists()
    assert SurveyInvitation.objects.get().status == "sent"


def test_a_tampered_link_is_refused_and_stores_nothing(client):
    invitation = make_invitation()
    token = token_for(invitation)
    tampered = token[:-2] + ("xy" if not token.endswith("xy") else "yz")
    response = client.get(f"/s/{tampered}/?score=0")
    assert response.status_code == 404
    html = response.content.decode()
    assert "This survey link does not work" in html
    assert "Check that you opened the whole link" in html
    assert not Feedback.objects.exists()


def test_an_address_trying_many_bad_links_is_paused_for_bad_links_only(client, settings):
    settings.CXLOOP_SURVEY_LINK_FAILURES_PER_ADDRESS = 3
    invitation = make_invitation()
    expired = make_invitation(purpose="recovery", expires_at=timezone.now() - timedelta(minutes=1))
    for n in range(3):
        assert client.get(f"/s/made-up-{n}/").status_code == 404
    # then: more made-up and expired links wait, from that address only
    assert client.get("/s/made-up-4/").status_code == 429
    assert client.get(path_of(expired)).status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.9").get("/s/made-up-4/").status_code == 404
    # and a genuine link always opens and takes its answer (a shared office address)
    assert client.get(path_of(invitation)).status_code == 200
    assert client.post(path_of(invitation), {"score": "8"}).status_code == 302
    assert Feedback.objects.get().score == 8


def test_a_survey_made_inactive_refuses_its_links_and_stores_nothing(client):
    invitation = make_invitation(language="pt")
    page = client.get(path_of(invitation))  # opened before the survey was stopped
    invitation.survey.active = False
    invitation.survey.save(update_fields=["active"])
    for response in (
        client.get(path_of(invitation, score=3)),
        client.post(path_of(invitation), {"score": "3"}),
    ):
        assert response.status_code == 410
        assert '<html lang="pt">' in response.content.decode()
    assert page.status_code == 200
    assert not Feedback.objects.exists()


def test_changes_to_one_answer_are_capped(client, settings):
    settings.CXLOOP_SURVEY_ANSWERS_PER_LINK = 2
    invitation = make_invitation()
    assert client.get(path_of(invitation, score=5)).status_code == 200  # a GET is no write
    assert one_click_send(client, invitation, 5).status_code == 302
    assert client.post(path_of(invitation), {"score": "6"}).status_code == 302
    response = client.post(path_of(invitation), {"score": "7"})
    assert response.status_code == 429
    assert Feedback.objects.get().score == 6


def test_the_form_needs_its_csrf_token(client):
    invitation = make_invitation()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(path_of(invitation), {"score": "8"}).status_code == 403
    assert not Feedback.objects.exists()


def test_an_employee_survey_says_it_is_anonymous_and_keeps_the_change_in_the_browser(client):
    # given
    invitation = make_invitation(audience="employees")
    # when: a one-click score, sent by the page
    assert "Your answers are anonymous" in client.get(path_of(invitation, score=3)).content.decode()
    sent = one_click_send(client, invitation, 3)
    # then: the reference to the anonymous answer rides in a cookie of the link's path, not the URL
    cookie = sent.cookies["survey_answer_ref"]
    assert (cookie["path"], cookie["httponly"], cookie["samesite"]) == (path_of(invitation), True, "Strict")
    assert cookie.value not in sent["Location"]
    html = client.get(sent["Location"]).content.decode()
    assert "Thank you: your score of 3 is recorded." in html
    ref = re.search(r'name="ref" value="([^"]+)"', html).group(1)
    assert ref == cookie.value
    # when: the comment, from the same page
    response = client.post(path_of(invitation), {"score": "4", "comment": "Tools", "ref": ref})
    # then: the cookie is dropped with the last answer
    assert response.status_code == 302
    assert response.cookies["survey_answer_ref"].value == ""
    item = Feedback.objects.get()
    assert (item.score, item.comment, item.customer) == (4, "Tools", None)
    thanks = client.get(response["Location"]).content.decode()
    assert "Answers are anonymous" in thanks
    assert "Change your answer" not in thanks
    # and a new visit cannot show or change it
    revisit = client.get(path_of(invitation))
    assert revisit.status_code == 409
    assert "Answers are anonymous, so it cannot be shown" in revisit.content.decode()
    # and no moment of opening is kept for it
    assert SurveyInvitation.objects.get().opened_at is None


def test_the_recovery_check_asks_whether_it_is_resolved(client):
    invitation = make_invitation(purpose="recovery", case_id=77)
    html = client.get(path_of(invitation)).content.decode()
    assert "Is this resolved for you?" in html
    response = client.post(path_of(invitation), {"score": "3", "resolved": "no"})
    assert response.status_code == 302
    item = Feedback.objects.get()
    assert item.metadata["resolved"] is False
    assert item.metadata["recovery_for_case"] == 77
