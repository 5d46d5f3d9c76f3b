"""The hosted response page: /s/<token>/, opened from a survey's email or text message.

No sign-in: the signed link is the key. The page speaks the invitation's language, works without
JavaScript (a plain form) and records a score given in the link at once (the email's one click),
showing it selected with the comment box. A link that does not work is refused with a page that
says what to do, storing nothing; refused links from one address are counted and, past
CXLOOP_SURVEY_LINK_FAILURES_PER_ADDRESS in the window, that address is paused (the tokens cannot be
guessed; this keeps a scanner from trying). Changes to one answer are capped per link.

Every answer keeps the token out of other sites' logs (Referrer-Policy: no-referrer) and out of
search engines (X-Robots-Tag), and is never cached.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
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

logger = logging.getLogger(__name__)

REFUSED_LINKS = "survey-link-address"
ANSWERS_PER_LINK = "survey-answers-link"
FORM_REFERRER_POLICY = "same-origin"


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


REFUSALS = {
    "invalid": (
        404,
        lambda: _("This survey link does not work"),
        lambda: _(
            "Check that you opened the whole link from the message: some email programs cut long links "
            "in two. Nothing was recorded."
        ),
    ),
    "expired": (
        410,
        lambda: _("This survey has closed"),
        lambda: _(
            "The link was valid for a limited time and has expired, so nothing was recorded. Thank you "
            "for wanting to answer: if you have something to tell us, please contact us directly."
        ),
    ),
    "closed": (
        409,
        lambda: _("You have answered this survey already"),
        lambda: _(
            "Thank you: your answer is recorded. It could be changed only for a short time after you "
            "first gave it, and that time is over, so nothing was changed."
        ),
    ),
    "closed_anonymous": (
        409,
        lambda: _("You have answered this survey already"),
        lambda: _(
            "Thank you: your answer is recorded. Answers are anonymous, so it cannot be shown or "
            "changed from a new visit, and nothing was changed."
        ),
    ),
    "paused": (
        429,
        lambda: _("Too many tries"),
        lambda: _(
            "Too many survey links were tried from your connection, or one answer was changed too "
            "often. Nothing was recorded. Please wait a few minutes, then open the link again."
        ),
    ),
}


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
    """The invitation the link opens, or the page that refuses it."""
    if _address_paused(request):
        return _refusal(request, "paused")
    try:
        return invitation_from_token(token)
    except LinkExpired as expired:
        return _refusal(request, "expired", invitation=expired.invitation)
    except LinkInvalid:
        _count_refused_link(request)
        return _refusal(request, "invalid")


def _closed(request, invitation: SurveyInvitation) -> HttpResponse:
    state = "closed_anonymous" if answers.is_anonymous(invitation.survey) else "closed"
    return _refusal(request, state, invitation=invitation)


def _form_page(request, *, invitation, text, form, status: int = 200, note: str = "") -> HttpResponse:
    context = {
        "invitation": invitation,
        "survey": invitation.survey,
        "text": text,
        "form": form,
        "note": note,
        "anonymous": answers.is_anonymous(invitation.survey),
        "recovery": invitation.survey.purpose == Survey.Purpose.RECOVERY,
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
    """The form (GET), a one-click score (GET ?score=), or an answer (POST)."""
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


def _one_click(request, *, invitation: SurveyInvitation, text: SurveyText) -> HttpResponse:
    """Record the score the link carries, then show it selected with the comment box."""
    try:
        score = int(request.GET["score"])
    except ValueError:
        errors = {"score": [_("Choose a score on the scale.")]}
        return _refused_score(request, invitation=invitation, text=text, errors=errors)
    if _too_many_answers(invitation):
        return _refusal(request, "paused", invitation=invitation)
    result = answers.survey_answer_record(invitation=invitation, score=score)
    if result.status == answers.CLOSED:
        return _closed(request, invitation)
    if result.status == answers.INVALID:
        return _refused_score(request, invitation=invitation, text=text, errors=result.errors)
    form = SurveyResponseForm(survey=invitation.survey, text=text)
    stored, _until = answers.answer_state(invitation=invitation, answer_ref=result.answer_ref)
    form.initial = initial_from(
        stored, form_questions=form.follow_up_questions, score=score, ref=result.answer_ref
    )
    note = (
        _("Thank you: your score of %(score)s is recorded.") % {"score": score}
        + " "
        + _edit_note(result.editable_until)
        + " "
        + _("You can also tell us more below.")
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
    if not form.is_valid():
        return _form_page(request, invitation=invitation, text=text, form=form, status=400)
    if _too_many_answers(invitation):
        return _refusal(request, "paused", invitation=invitation)
    result = answers.survey_answer_record(invitation=invitation, **form.answer())
    if result.status == answers.CLOSED:
        return _closed(request, invitation)
    if result.status == answers.INVALID:
        _add_errors(form, result.errors)
        return _form_page(request, invitation=invitation, text=text, form=form, status=400)
    return redirect("survey_response:thanks", token=token)


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
