"""The hosted response page: /s/<token>/, opened from a survey's email or text message.

No sign-in: the signed link is the key. The page speaks the invitation's language and works without
JavaScript (a plain form). A GET never records anything: mail security scanners (Safe Links,
Mimecast, Proofpoint) fetch every link of a message, all eleven of the scale's included. A score in
the link (the email's one click) is shown selected with a Send button and the form marked
`data-one-click`; static/js/survey_one_click.js sends that form once, so with JavaScript one click
still records the score; without it the person presses Send. The answer (a POST) then redirects to
the page without the score (?recorded=1: "recorded, you can add a comment"), so a reload sends
nothing again. An employee's signed reference to their anonymous answer rides in a short-lived
cookie on that redirect (never in a URL, which access logs keep).

A link that does not work is refused with a page that says what to do, storing nothing; refused
links from one address are counted and, past CXLOOP_SURVEY_LINK_FAILURES_PER_ADDRESS in the window,
that address's invalid and expired links are paused (the tokens cannot be guessed; this keeps a
scanner from trying). Genuine links always open: a shared address (an office, a carrier's NAT) must
not lock out its people; changes to one answer are capped per link. A survey made inactive takes no
more answers.

Every answer keeps the token out of other sites' logs (Referrer-Policy: no-referrer) and out of
search engines (X-Robots-Tag), and is never cached.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from redis.exceptions import RedisError

from cxloop.org import throttle
from feedback.models import Survey, SurveyInvitation, SurveyText

from . import answers
from .links import LinkExpired, LinkInvalid, invitation_from_token
from .response_forms import SurveyResponseForm, initial_from
from .response_refusals import REFUSALS

logger = logging.getLogger(__name__)

REFUSED_LINKS = "survey-link-address"
ANSWERS_PER_LINK = "survey-answers-link"
FORM_REFERRER_POLICY = "same-origin"
# The form's hidden mark of an answer sent from the email's one click (survey_one_click.js or Send).
ONE_CLICK_FIELD = "one_click"
# An employee's signed reference to their anonymous answer, after a one-click send: in a cookie of
# the link's path for the edit window, never in a URL (access logs keep URLs).
REF_COOKIE = "survey_answer_ref"


# --- the page's language and words ---------------------------------------------------------------


def page_language(invitation: SurveyInvitation | None) -> str:
    """The site language closest to the invitation's (then the survey's); else the request's."""
    supported = dict(settings.LANGUAGES)
    if invitation is not None:
        for code in (invitation.language, invitation.survey.default_language):
            code = (code or "").lower()
            for candidate in (code, code.split("-")[0]):
                if candidate in supported:
                    return candidate
    return translation.get_language() or settings.LANGUAGE_CODE


DEFAULT_QUESTIONS = {
    "nps": lambda: _("How likely are you to recommend us to a friend or colleague?"),
    "csat": lambda: _("How satisfied were you?"),
    "ces": lambda: _("How easy was it to get what you needed?"),
}


def survey_text(invitation: SurveyInvitation) -> SurveyText:
    """What the survey says in the invitation's language, else its default language, else any;
    a survey with no text at all still asks its scale's standard question."""
    survey = invitation.survey
    texts = {text.language: text for text in survey.texts.all()}
    for code in (invitation.language, survey.default_language):
        if code in texts:
            return texts[code]
    if texts:
        return texts[sorted(texts)[0]]
    return SurveyText(
        survey=survey, language=page_language(invitation), question=DEFAULT_QUESTIONS[survey.scale]()
    )


def _minutes_left(until: datetime | None) -> int:
    if until is None:
        return 0
    return max(0, int((until - timezone.now()).total_seconds() // 60))


def _edit_note(until: datetime | None) -> str:
    minutes = _minutes_left(until)
    if minutes < 1:
        return _("You can change it for less than a minute more.")
    return ngettext(
        "You can change it for %(minutes)s more minute.",
        "You can change it for %(minutes)s more minutes.",
        minutes,
    ) % {"minutes": minutes}


# --- throttling ----------------------------------------------------------------------------------


def _counter(kind: str) -> throttle.SlidingCounter:
    return throttle.SlidingCounter(kind, window=settings.CXLOOP_LOGIN_FAILURE_WINDOW_SECONDS)


def _address_paused(request) -> bool:
    address = throttle.client_address(request)
    try:
        return bool(address) and throttle.is_locked(REFUSED_LINKS, address)
    except (RedisError, OSError):
        logger.exception("Could not read the survey link throttle.")
        return False


def _count_refused_link(request) -> None:
    address = throttle.client_address(request)
    if not address:
        return
    try:
        if _counter(REFUSED_LINKS).add(address) >= settings.CXLOOP_SURVEY_LINK_FAILURES_PER_ADDRESS:
            throttle.lock(REFUSED_LINKS, address)
    except (RedisError, OSError):
        logger.exception("Could not count a refused survey link.")


def _too_many_answers(invitation: SurveyInvitation) -> bool:
    """Count one write through this link; whether it is past the cap (a loop or a script)."""
    try:
        return _counter(ANSWERS_PER_LINK).add(str(invitation.pk)) > settings.CXLOOP_SURVEY_ANSWERS_PER_LINK
    except (RedisError, OSError):
        logger.exception("Could not count a survey answer.")
        return False


# --- responses -----------------------------------------------------------------------------------


def _private(response: HttpResponse, *, language: str) -> HttpResponse:
    """Headers of every page under a token: not indexed, the token not sent on as a referrer.

    The form page says "same-origin" rather than "no-referrer": under no-referrer the browser
    sends `Origin: null` with the form, which the CSRF check refuses; the page loads nothing from,
    and links to nothing on, another site, so the token still reaches no one else.
    """
    response["X-Robots-Tag"] = "noindex, nofollow"
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response["Content-Language"] = language
    return response


def _refusal(request, state: str, *, invitation: SurveyInvitation | None = None) -> HttpResponse:
    language = page_language(invitation)
    status, title, reason = REFUSALS[state]
    with translation.override(language):
        response = render(
            request,
            "surveys/respond_refused.html",
            {"title": title(), "reason": reason(), "language": language},
            status=status,
        )
    return _private(response, language=language)


def _open(request, token: str) -> SurveyInvitation | HttpResponse:
    """The invitation the link opens, or the page that refuses it. The address pause applies to
    refused links only: a genuine signed link always opens (it has its own cap on answers)."""
    try:
        invitation = invitation_from_token(token)
    except LinkExpired as expired:
        if _address_paused(request):
            return _refusal(request, "paused")
        return _refusal(request, "expired", invitation=expired.invitation)
    except LinkInvalid:
        if _address_paused(request):
            return _refusal(request, "paused")
        _count_refused_link(request)
        return _refusal(request, "invalid")
    if not invitation.survey.active:
        return _refusal(request, "inactive", invitation=invitation)
    return invitation


def _closed(request, invitation: SurveyInvitation) -> HttpResponse:
    if not Survey.objects.filter(pk=invitation.survey_id, active=True).exists():
        # Made inactive while the page was open (survey_answer_record refused it as closed).
        return _refusal(request, "inactive", invitation=invitation)
    state = "closed_anonymous" if answers.is_anonymous(invitation.survey) else "closed"
    return _refusal(request, state, invitation=invitation)


def _form_page(
    request, *, invitation, text, form, status: int = 200, note: str = "", one_click: str = ""
) -> HttpResponse:
    """The form; `one_click` "send" marks it for survey_one_click.js to send once, "sent" only
    remembers it came from a one-click link (a refused send shown again is not sent again)."""
    context = {
        "invitation": invitation,
        "survey": invitation.survey,
        "text": text,
        "form": form,
        "note": note,
        "anonymous": answers.is_anonymous(invitation.survey),
        "recovery": invitation.survey.purpose == Survey.Purpose.RECOVERY,
        "one_click": bool(one_click),
        "auto_send": one_click == "send",
    }
    response = render(request, "surveys/respond.html", context, status=status)
    response["Referrer-Policy"] = FORM_REFERRER_POLICY
    return response


def _add_errors(form: SurveyResponseForm, errors: dict[str, list[str]]) -> None:
    for name, reasons in errors.items():
        for reason in reasons:
            form.add_error(name if name in form.fields else None, reason)


# --- the views -----------------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def respond_view(request, token: str) -> HttpResponse:
    """The form (GET; ?score= the email's one click, ?recorded= after it), or an answer (POST)."""
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    invitation = opened
    answers.invitation_mark_opened(invitation=invitation)
    language = page_language(invitation)
    with translation.override(language):
        text = survey_text(invitation)
        if request.method == "POST":
            response = _submit(request, invitation=invitation, text=text, token=token)
        elif "score" in request.GET:
            response = _one_click(request, invitation=invitation, text=text)
        elif "recorded" in request.GET:
            response = _recorded(request, invitation=invitation, text=text)
        else:
            response = _show(request, invitation=invitation, text=text)
    return _private(response, language=language)


def _show(request, *, invitation: SurveyInvitation, text: SurveyText) -> HttpResponse:
    form = SurveyResponseForm(survey=invitation.survey, text=text)
    if invitation.status != SurveyInvitation.Status.ANSWERED:
        return _form_page(request, invitation=invitation, text=text, form=form)
    stored, until = answers.answer_state(invitation=invitation)
    if stored is None or until is None or until <= timezone.now():
        return _closed(request, invitation)
    form.initial = initial_from(stored, form_questions=form.follow_up_questions)
    note = _("You have answered already.") + " " + _edit_note(until)
    return _form_page(request, invitation=invitation, text=text, form=form, note=note)


def _link_score(request, form: SurveyResponseForm) -> int | None:
    try:
        score = int(request.GET["score"])
    except ValueError:
        return None
    return score if form.scale_low <= score <= form.scale_high else None


def _one_click(request, *, invitation: SurveyInvitation, text: SurveyText) -> HttpResponse:
    """The email's one click: the score selected, ready to send. Nothing is recorded here: mail
    security scanners fetch every link of a message. survey_one_click.js sends the form once; a
    page of an answer already given is not sent by itself (a page reopened from history)."""
    form = SurveyResponseForm(survey=invitation.survey, text=text)
    score = _link_score(request, form)
    if score is None:
        low, high = form.scale_low, form.scale_high
        errors = {"score": [_("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}]}
        return _refused_score(request, invitation=invitation, text=text, errors=errors)
    if invitation.status != SurveyInvitation.Status.ANSWERED:
        form.initial = {"score": score}
        note = _("Press Send to record your score of %(score)s.") % {"score": score}
        page = _form_page(request, invitation=invitation, text=text, form=form, note=note, one_click="send")
        return page
    stored, until = answers.answer_state(invitation=invitation)
    if stored is None or until is None or until <= timezone.now():
        return _closed(request, invitation)
    form.initial = initial_from(stored, form_questions=form.follow_up_questions, score=score)
    note = " ".join(
        (
            _("You have answered already."),
            _("Press Send to change your score to %(score)s.") % {"score": score},
            _edit_note(until),
        )
    )
    return _form_page(request, invitation=invitation, text=text, form=form, note=note, one_click="sent")


def _recorded(request, *, invitation: SurveyInvitation, text: SurveyText) -> HttpResponse:
    """After a one-click answer was sent (its POST redirected here): the score recorded, the
    comment box offered. An employee's reference comes from the cookie the redirect set."""
    ref = request.COOKIES.get(REF_COOKIE, "") if answers.is_anonymous(invitation.survey) else ""
    stored, until = answers.answer_state(invitation=invitation, answer_ref=ref or None)
    if stored is None or until is None or until <= timezone.now():
        return _show(request, invitation=invitation, text=text)
    form = SurveyResponseForm(survey=invitation.survey, text=text)
    form.initial = initial_from(stored, form_questions=form.follow_up_questions, ref=ref)
    note = " ".join(
        (
            _("Thank you: your score of %(score)s is recorded.") % {"score": stored.score},
            _edit_note(until),
            _("You can also tell us more below."),
        )
    )
    return _form_page(request, invitation=invitation, text=text, form=form, note=note)


def _refused_score(request, *, invitation, text, errors: dict[str, list[str]]) -> HttpResponse:
    """A link whose score is not on the scale (altered by hand): the empty form, saying so."""
    form = SurveyResponseForm({}, survey=invitation.survey, text=text)
    form.is_valid()
    form.errors.clear()
    _add_errors(form, errors)
    return _form_page(request, invitation=invitation, text=text, form=form, status=400)


def _submit(request, *, invitation: SurveyInvitation, text: SurveyText, token: str) -> HttpResponse:
    form = SurveyResponseForm(request.POST, survey=invitation.survey, text=text)
    one_click = "sent" if request.POST.get(ONE_CLICK_FIELD) else ""

    def refused() -> HttpResponse:
        return _form_page(
            request, invitation=invitation, text=text, form=form, status=400, one_click=one_click
        )

    if not form.is_valid():
        return refused()
    if _too_many_answers(invitation):
        return _refusal(request, "paused", invitation=invitation)
    answer = form.answer()
    result = answers.survey_answer_record(invitation=invitation, **answer)
    if result.status == answers.CLOSED:
        return _closed(request, invitation)
    if result.status == answers.INVALID:
        _add_errors(form, result.errors)
        return refused()
    if one_click and not answer["comment"] and not answer["follow_ups"]:
        return _after_one_click(request, result=result, token=token)
    response = redirect("survey_response:thanks", token=token)
    if REF_COOKIE in request.COOKIES:
        response.delete_cookie(REF_COOKIE, path=request.path, samesite="Strict")
    return response


def _after_one_click(request, *, result: answers.AnswerResult, token: str) -> HttpResponse:
    """Post/redirect/get to the page without the score: a reload there sends nothing again. An
    employee's reference goes along in a cookie of the link's path, for the edit window."""
    response = redirect(reverse("survey_response:respond", kwargs={"token": token}) + "?recorded=1")
    if result.answer_ref and result.editable_until:
        seconds = max(0, int((result.editable_until - timezone.now()).total_seconds()))
        response.set_cookie(
            REF_COOKIE, result.answer_ref, max_age=seconds, path=request.path,
            secure=request.is_secure(), httponly=True, samesite="Strict",
        )  # fmt: skip
    return response


@login_not_required
@never_cache
@require_GET
def thanks_view(request, token: str) -> HttpResponse:
    """After an answer: thanks, and for customers how long the answer can still be changed."""
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    invitation = opened
    if invitation.status != SurveyInvitation.Status.ANSWERED:
        return redirect("survey_response:respond", token=token)
    language = page_language(invitation)
    with translation.override(language):
        anonymous = answers.is_anonymous(invitation.survey)
        until = None if anonymous else answers.answer_state(invitation=invitation)[1]
        context = {
            "anonymous": anonymous,
            "editable": _minutes_left(until) > 0,
            "edit_note": _edit_note(until) if until else "",
            "token": token,
        }
        response = render(request, "surveys/respond_thanks.html", context)
    return _private(response, language=language)
