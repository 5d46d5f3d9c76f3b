"""A customer answers a survey on a phone (390 by 844), in English and in Portuguese, with and
without JavaScript: the page, the one-click score from the email (sent by the page's script, or by
Send without JavaScript: opening a link records nothing), the comment, the thanks. Every
state passes axe-core (nothing serious or critical) and none scrolls sideways; an expired and a
tampered link are refused with a page that says what to do.

Set CXLOOP_SCREENSHOTS to a directory to keep a screenshot of each page (survey-*.png).
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import Feedback
from feedback.surveys.links import response_url, token_for
from tests.e2e.axe import axe_violations, horizontal_overflow
from tests.factories import InviteInvitationFactory, InviteSurveyFactory, InviteSurveyTextFactory
from tests.surveys.test_response_page import survey_throttle_clear

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
QUESTIONS = {
    "en": (
        "How likely are you to recommend Tilde Coffee to a friend?",
        "What is the main reason for your score?",
    ),
    "pt": (
        "Qual a probabilidade de recomendar a Tilde Coffee a um amigo?",
        "Qual a principal razão da sua nota?",
    ),
}
# The page's own words, before and after the Portuguese catalogue is merged.
THANKS = re.compile("Thank you for your answer|Obrigado pela sua resposta")
RECORDED = re.compile(r"score of 7 is recorded|pontuação de 7 ficou registada")
PRESS_SEND = re.compile(
    r"Press Send to record your score of 7|Prima Enviar para registar a sua pontuação de 7"
)


@pytest.fixture(autouse=True)
def _loopback_not_paused():
    survey_throttle_clear()
    yield
    survey_throttle_clear()


def _invitation(language: str, **fields):
    survey = InviteSurveyFactory(default_language="en")
    for code, (question, comment_question) in QUESTIONS.items():
        InviteSurveyTextFactory(
            survey=survey, language=code, question=question, comment_question=comment_question
        )
    fields.setdefault("expires_at", timezone.now() + timedelta(days=30))
    return InviteInvitationFactory(survey=survey, language=language, **fields)


def _url(live_server, invitation, **kwargs) -> str:
    """The emailed link, on the test server."""
    link = urlsplit(response_url(invitation, **kwargs))
    return live_server.url + link.path + (f"?{link.query}" if link.query else "")


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("CXLOOP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"survey-{name}.png"), full_page=True)


def _check(page, where: str, problems: list[str], *, mirror=None) -> None:
    """No sideways scrolling, and axe's verdict. axe runs asynchronously, which a page without
    JavaScript cannot (its promise never settles): there it reads a copy of the page, as served,
    in `mirror`, a page of a context with JavaScript."""
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"{where}: {overflow} px wider than the window")
    audited = page
    if mirror is not None:
        origin = re.match(r"https?://[^/]+", page.url).group(0)
        mirror.set_content(page.content().replace("<head>", f'<head><base href="{origin}/">', 1))
        audited = mirror
    problems.extend(f"{where}: {violation}" for violation in axe_violations(audited))
    _screenshot(page, where)


def _phone(browser, *, javascript: bool):
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript)


@pytest.fixture
def mirror(browser):
    """The page axe reads copies of pages without JavaScript in (see _check)."""
    context = _phone(browser, javascript=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("language", ["en", "pt"])
def test_a_customer_answers_on_a_phone(browser, live_server, mirror, language, javascript):
    problems: list[str] = []
    audit = {} if javascript else {"mirror": mirror}
    where = f"{language}-{'js' if javascript else 'nojs'}"
    question, comment_question = QUESTIONS[language]
    first, second = _invitation(language), _invitation(language)
    context = _phone(browser, javascript=javascript)
    page = context.new_page()

    # the page as the link opens it: the question, a scale of big radio buttons, in the language
    page.goto(_url(live_server, first))
    expect(page.locator("html")).to_have_attribute("lang", language)
    scale = page.get_by_role("group", name=question)
    expect(scale).to_be_visible()
    nine = scale.get_by_role("radio", name="9", exact=True)
    box = page.locator("label[for=id_score_9]").bounding_box()
    assert box is not None
    assert min(box["height"], box["width"]) >= 44
    _check(page, f"{where}-form", problems, **audit)
    # a submit without a score is refused with the reason, nothing stored
    page.locator("button[type=submit]").click()
    expect(page.locator(".scale .error")).to_be_visible()
    assert not Feedback.objects.exists()
    _check(page, f"{where}-refused", problems, **audit)
    # the answer: a tap on 9, a comment, send
    nine.check()
    page.get_by_label(comment_question).fill("Lovely flat white.")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/thanks/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    _check(page, f"{where}-thanks", problems, **audit)
    assert Feedback.objects.get().score == 9

    # the email's one click on 7: with JavaScript the page sends it by itself; without, it waits
    # for Send (a GET records nothing: mail scanners fetch every link)
    page.goto(_url(live_server, second, score=7))
    if not javascript:
        expect(page.get_by_role("status")).to_contain_text(PRESS_SEND)
        expect(page.get_by_role("radio", name="7", exact=True)).to_be_checked()
        assert not Feedback.objects.filter(external_id=f"invitation-{second.pk}").exists()
        _check(page, f"{where}-one-click-ready", problems, **audit)
        page.locator("button[type=submit]").click()
    # then: recorded, shown selected with the comment box, on the page without the score
    expect(page).to_have_url(re.compile(r"/\?recorded=1$"))
    expect(page.get_by_role("status")).to_contain_text(RECORDED)
    expect(page.get_by_role("radio", name="7", exact=True)).to_be_checked()
    assert Feedback.objects.get(external_id=f"invitation-{second.pk}").score == 7
    _check(page, f"{where}-one-click", problems, **audit)
    # and a reload sends nothing again
    page.reload()
    expect(page.get_by_role("status")).to_contain_text(RECORDED)
    page.get_by_role("radio", name="6", exact=True).check()
    page.get_by_label(comment_question).fill("The queue was long.")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/thanks/$"))
    answered = Feedback.objects.get(external_id=f"invitation-{second.pk}")
    assert (answered.score, answered.comment) == (6, "The queue was long.")
    context.close()
    assert problems == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_expired_and_tampered_links_are_refused_clearly(browser, live_server, mirror, javascript):
    problems: list[str] = []
    audit = {} if javascript else {"mirror": mirror}
    expired = _invitation("pt", expires_at=timezone.now() - timedelta(hours=1))
    genuine = _invitation("en")
    context = _phone(browser, javascript=javascript)
    page = context.new_page()
    # an expired link, in the invitation's language
    response = page.goto(_url(live_server, expired, score=2))
    assert response is not None
    assert response.status == 410
    expect(page.locator("html")).to_have_attribute("lang", "pt")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _check(page, f"expired-{javascript}", problems, **audit)
    # a tampered link
    token = token_for(genuine)
    response = page.goto(f"{live_server.url}/s/{token[:-3]}abc/?score=0")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="This survey link does not work")).to_be_visible()
    expect(page.get_by_text("Check that you opened the whole link")).to_be_visible()
    _check(page, f"tampered-{javascript}", problems, **audit)
    assert not Feedback.objects.exists()
    context.close()
    assert problems == []
