"""The customer's own recovery check: once a case is resolved, its customer is asked "Is this resolved
for you?" and for a score, through the survey machinery (feedback.surveys) and its contact rules.

- recovery_survey(): the survey that asks it (made on first use, in English and Portuguese).
- case_recovery_ask(case=...): run after the resolve commits (the task innerloop.case_recovery_ask);
  one invitation per resolution, and the timeline says it was asked, or why not (do not contact...).
- case_recovery_answered(...): the answer, heard through feedback.surveys.listeners (connected in
  cxloop/wiring.py), recorded on the case; an unhappy one reopens it for its owner, who is told.
  The answer's feedback opens no case of its own: triage leaves recovery answers to this module.

The rule that says whether an answer is a rescue has its home in innerloop.models.cases.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from feedback.models import Scale, Source, SourceKind, Survey, SurveyInvitation, SurveyPurpose, SurveyText
from innerloop import events
from innerloop.models import Case, CaseEvent, CaseStatus
from innerloop.models.cases import recovery_answer_happy

logger = logging.getLogger(__name__)

RECOVERY_SLUG = "recovery-check"
# The reason a reopen by the customer's own answer gives (innerloop.timeline reads it out in words).
CUSTOMER_UNHAPPY_REASON = "the customer is not happy at their own recovery check"
NOTIFICATION_KIND = "case_reopened_by_customer"
ASKED_AFTER = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
# Resolved cases whose ask was lost (the broker down when the resolve committed) are asked by the
# sweep for this long; later the moment has passed.
SWEEP_WITHIN = timedelta(days=3)
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 200

# What the survey says, per language; the page adds "Is this resolved for you?" (purpose recovery).
TEXTS = {
    "en": {
        "question": "How likely are you to recommend us now?",
        "comment_question": "Is there anything else we should know?",
        "email_subject": "Is this resolved for you?",
        "email_intro": "We have just worked on what you told us. Is it resolved for you? One click answers.",
        "reminder_subject": "Is this resolved for you? One click tells us",
        "sms_text": "Is this resolved for you? Tell us in one tap: {link}",
    },
    "pt": {
        "question": "Qual a probabilidade de nos recomendar agora?",
        "comment_question": "Há mais alguma coisa que devamos saber?",
        "email_subject": "Ficou resolvido para si?",
        "email_intro": (
            "Acabámos de tratar do que nos contou. Ficou resolvido para si? Basta um clique para responder."
        ),
        "reminder_subject": "Ficou resolvido para si? Um clique chega para nos dizer",
        "sms_text": "Ficou resolvido para si? Diga-nos com um toque: {link}",
    },
}


def recovery_survey() -> Survey:
    """The recovery check's survey and its source, made on first use (purpose recovery, NPS).

    Its contact rules never hold a recovery check back for having surveyed the customer recently
    (both intervals 0) nor sample it: only do not contact and a missing address stop it.
    """
    survey = Survey.objects.filter(slug=RECOVERY_SLUG).first()
    if survey is not None:
        return survey
    # Named once, in the site's language: a record every user sees, renamed by an admin at will.
    with translation.override(settings.LANGUAGE_CODE):
        name = gettext("Recovery check")
    with transaction.atomic():
        source, _ = Source.objects.get_or_create(
            slug=RECOVERY_SLUG, defaults={"name": name, "kind": SourceKind.SURVEY}
        )
        survey, created = Survey.objects.get_or_create(
            slug=RECOVERY_SLUG,
            defaults={
                "name": name,
                "purpose": SurveyPurpose.RECOVERY,
                "scale": Scale.NPS,
                "source": source,
                "days_between_this": 0,
                "days_between_any": 0,
                "sample_percent": 100,
                "daily_cap": None,
                "reminder_after_hours": 48,
            },
        )
        if created:
            SurveyText.objects.bulk_create(
                SurveyText(survey=survey, language=language, **texts) for language, texts in TEXTS.items()
            )
    return survey


def _language(case: Case, survey: Survey) -> str:
    """The language the customer wrote to us in, when the survey speaks it; blank: the survey's own."""
    code = (case.feedback.language or "").split("-")[0].lower()
    return code if code and survey.texts.filter(language=code).exists() else ""


def case_recovery_ask_on_commit(*, case: Case) -> None:
    """Ask once the resolve has committed (case_resolve calls this): a case resolved with a
    customer and still resolved. A lost ask is the sweep's (innerloop.recovery_asks_sweep)."""
    from cxloop.core.tasks_util import enqueue_on_commit
    from innerloop.tasks import case_recovery_ask as case_recovery_ask_task

    if settings.CXLOOP_RECOVERY_CHECK and case.customer_id is not None and case.status == CaseStatus.RESOLVED:
        enqueue_on_commit(case_recovery_ask_task, case_id=case.pk)


def case_recovery_ask(*, case: Case) -> CaseEvent | None:
    """Invite the customer of a resolved case to their own recovery check, once per resolution (a
    case resolved again is asked again). The timeline says it was asked, or why not. None when there
    is nothing to ask: the check is off, no customer, the case is open again, or already asked."""
    from feedback.surveys.invitations import survey_invitations_create

    if not settings.CXLOOP_RECOVERY_CHECK:
        return None
    survey = recovery_survey()
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(no_key=True, of=("self",))
            .select_related("feedback")
            .get(pk=case.pk)
        )
        if case.customer_id is None or case.status not in ASKED_AFTER:
            return None
        resolutions = case.events.filter(kind=CaseEvent.Kind.RESOLVED).count()
        transaction_id = f"case-{case.pk}-resolved-{resolutions}"
        asked = case.events.filter(kind=CaseEvent.Kind.RECOVERY_ASKED, data__transaction_id=transaction_id)
        if asked.exists():
            return None  # a task delivered twice finds its work done
        item: dict[str, Any] = {
            "customer_id": case.customer_id,
            "transaction_id": transaction_id,
            "case_id": case.pk,
            "team_id": case.team_id,
        }
        language = _language(case, survey)
        if language:
            item["language"] = language
        (result,) = survey_invitations_create(
            survey=survey, items=[item], trigger=SurveyInvitation.Trigger.RECOVERY
        )
        if result.status == "error":
            logger.warning("recovery check for case %s not created: %s", case.pk, result.errors)
        reason = {"suppressed": result.reason, "error": "error"}.get(result.status, "")
        return events.case_event_recovery_asked(
            case=case,
            transaction_id=transaction_id,
            status=result.status,
            invitation=result.invitation_id,
            reason=reason or "",
        )


def case_recovery_answered(
    *, invitation: SurveyInvitation, feedback: Any, score: int | None, resolved: bool | None
) -> None:
    """The customer answered their recovery check: their answer goes on the case, and one that is
    not happy (not resolved, or a score below RECOVERED_AT) reopens it for its owner, who is told.
    A happy answer leaves it resolved and counts as a rescue (innerloop.models.cases.RECOVERED)."""
    from innerloop.services.cases import case_reopen

    if invitation.case_id is None or (score is None and resolved is None):
        return
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(no_key=True, of=("self",))
            .select_related("team", "assignee")
            .filter(pk=invitation.case_id)
            .first()
        )
        if case is None:
            return
        if (
            invitation.trigger != SurveyInvitation.Trigger.RECOVERY
            or invitation.customer_id != case.customer_id
        ):
            # Only the case's own recovery check speaks for its customer: an invitation made
            # otherwise (or for someone else) that names the case changes nothing.
            logger.warning(
                "answer to invitation %s ignored: not case %s's recovery check", invitation.pk, case.pk
            )
            return
        reopens = not recovery_answer_happy(resolved=resolved, score=score) and case.status in ASKED_AFTER
        case.customer_resolved, case.customer_recovery_score = resolved, score
        case.customer_recovery_at = timezone.now()
        case.version += 1
        answered = ["customer_resolved", "customer_recovery_score", "customer_recovery_at"]
        case.save(update_fields=[*answered, "version", "updated_at"])
        events.case_event_customer_answered(
            case=case, invitation=invitation.pk, resolved=resolved, score=score, reopened=reopens
        )
        if reopens:
            case = case_reopen(case=case, actor=None, reason=CUSTOMER_UNHAPPY_REASON)
            _tell_owner(case, invitation=invitation, resolved=resolved, score=score)


def _owners(case: Case) -> list:
    """Who owns the case: its assignee, else its team's leads (the ones who give it an owner)."""
    from django.contrib.auth import get_user_model

    from cxloop.org.models import Role

    if case.assignee is not None:
        return [case.assignee]
    return list(
        get_user_model().objects.filter(
            memberships__team=case.team, memberships__role=Role.TEAM_LEAD, is_active=True
        )
    )


def _tell_owner(
    case: Case, *, invitation: SurveyInvitation, resolved: bool | None, score: int | None
) -> None:
    from cxloop.notifications.services import notify
    from cxloop.org.language import language_of

    url = reverse("innerloop:case", args=[case.pk])
    for user in _owners(case):
        # Stored as written: in the language of the person it is for.
        with translation.override(language_of(user) or settings.LANGUAGE_CODE):
            title = gettext("Case %(number)s reopened: the customer says it is not resolved for them") % {
                "number": case.pk
            }
            body = recovery_answer_words(resolved=resolved, score=score)
        notify(
            user=user,
            key=f"case:{case.pk}:recovery:{invitation.pk}:reopened:{user.pk}",
            kind=NOTIFICATION_KIND,
            title=title,
            body=body,
            url=url,
        )


def recovery_answer_words(*, resolved: bool | None, score: int | None) -> str:
    """The customer's own answer in a sentence: "Customer says: resolved, 9/10"."""
    said = {True: gettext("resolved"), False: gettext("not resolved"), None: ""}[resolved]
    if score is not None:
        scored = gettext("%(score)s/10") % {"score": score}
        said = f"{said}, {scored}" if said else scored
    return gettext("Customer says: %(answer)s") % {"answer": said}


def recovery_asks_sweep(*, now=None) -> int:
    """Ask the resolved cases whose ask was lost (the broker down at the resolve); returns how many
    were asked. Bounded and safe to re-run: a resolution already asked is skipped."""
    if not settings.CXLOOP_RECOVERY_CHECK:
        return 0
    now = now or timezone.now()
    asked_since_resolved = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind=CaseEvent.Kind.RECOVERY_ASKED, created_at__gte=OuterRef("resolved_at")
    )
    waiting = (
        Case.objects.filter(
            status__in=ASKED_AFTER,
            customer__isnull=False,
            resolved_at__gte=now - SWEEP_WITHIN,
            resolved_at__lt=now - SWEEP_GRACE,
        )
        .exclude(Exists(asked_since_resolved))
        .order_by("resolved_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(case_recovery_ask(case=Case(pk=pk)) is not None for pk in waiting)
