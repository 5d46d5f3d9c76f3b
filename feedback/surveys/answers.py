"""Recording an answer to a survey invitation: as feedback, through the one ingestion service.

The answer is stored by feedback.services.ingest like every other channel's (the same idempotency,
enrichment and triage: a detractor's answer has its case within seconds), written as the survey's
source. The first answer marks the invitation answered in the same transaction; a later one within
`survey.answer_edit_minutes` of the first changes the same feedback; after that the answer is closed,
and so is every answer to a survey made inactive.

Employee surveys are anonymous by design: the feedback has a random external id, no customer and
nothing naming the invitation or the person (only the round, e.g. "2026-05", to group results by),
and the invitation keeps only the day it was answered and never when it was opened (an exact time
would match the feedback's). Only the person's own browser can change the answer within the window,
with the signed reference the page hands it (`answer_ref`); the server keeps no link.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import Feedback, Scale, Survey, SurveyInvitation
from feedback.permissions import Writer
from feedback.services.ingest import CREATED, DUPLICATE, ERROR, UPDATED, feedback_ingest

from .listeners import answer_listeners_notify_on_commit

RECORDED, CHANGED, UNCHANGED, CLOSED, INVALID = "recorded", "changed", "unchanged", "closed", "invalid"
FOLLOW_UP_MAX_LENGTH = 2000
ANSWER_REF_SALT = "feedback.surveys.answers.ref"


@dataclass
class AnswerResult:
    status: str  # recorded (the first answer), changed, unchanged, closed (past the window), invalid
    feedback_id: int | None = None
    # Field name -> reasons (score, comment, follow_ups, or __all__).
    errors: dict[str, list[str]] = field(default_factory=dict)
    # Until when the answer may still be changed (None: it may not).
    editable_until: datetime | None = None
    # Employee surveys: what lets this browser change its anonymous answer within the window.
    answer_ref: str = ""

    @property
    def stored(self) -> bool:
        return self.status in (RECORDED, CHANGED, UNCHANGED)


def survey_writer(survey: Survey) -> Writer:
    """The principal survey answers are written as: the survey's own source and nothing else; it
    ties answers to customers but never changes their details."""
    return Writer(
        kind="survey",
        label=f"survey {survey.slug}",
        source_ids=frozenset({survey.source_id}),
        manages_customers=False,
    )


def is_anonymous(survey: Survey) -> bool:
    return survey.audience == Survey.Audience.EMPLOYEES


def _input_errors(
    *, survey: Survey, score: int | None, comment: str | None, follow_ups: list[dict] | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    low, high = Feedback.SCALE_RANGES[Scale(survey.scale)]
    # A whole number on the scale: not True, not 7.0 (a caller may pass what a link carried).
    if score is not None and (type(score) is not int or not low <= score <= high):
        errors["score"] = [_("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}]
    if comment is not None and len(comment) > Feedback.COMMENT_MAX_LENGTH:
        errors["comment"] = [
            _("Keep it under %(count)s characters, please.") % {"count": Feedback.COMMENT_MAX_LENGTH}
        ]
    for item in follow_ups or ():
        if len(item.get("answer") or "") > FOLLOW_UP_MAX_LENGTH:
            errors["follow_ups"] = [
                _("Keep each answer under %(count)s characters, please.") % {"count": FOLLOW_UP_MAX_LENGTH}
            ]
    return errors


def answer_ref_for(*, invitation: SurveyInvitation, external_id: str, first_at: datetime) -> str:
    return signing.dumps(
        {"i": invitation.pk, "x": external_id, "t": int(first_at.timestamp())}, salt=ANSWER_REF_SALT
    )


def _answer_ref_read(answer_ref: str | None, *, invitation: SurveyInvitation) -> tuple[str, datetime] | None:
    """(external id, time of the first answer) from an employee's signed reference, if genuine."""
    if not answer_ref:
        return None
    try:
        data = signing.loads(answer_ref, salt=ANSWER_REF_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("i") != invitation.pk:
        return None
    return str(data["x"]), datetime.fromtimestamp(data["t"], tz=timezone.get_current_timezone())


def _previous_answer(
    *, invitation: SurveyInvitation, answer_ref: str | None
) -> tuple[str, datetime | None] | None:
    """The earlier answer's external id and time, or None when there is none; raises _Closed when
    there is one this caller may not reach (an anonymous answer without its reference)."""
    if is_anonymous(invitation.survey):
        found = _answer_ref_read(answer_ref, invitation=invitation)
        if found is None and invitation.status == SurveyInvitation.Status.ANSWERED:
            raise _Closed
        return found
    if invitation.status != SurveyInvitation.Status.ANSWERED:
        return None
    return f"invitation-{invitation.pk}", invitation.answered_at


class _Closed(Exception):
    """The answer may no longer be changed (or, anonymous, not by this caller)."""


def _answer_slot(
    *, invitation: SurveyInvitation, answer_ref: str | None, now: datetime
) -> tuple[str, datetime, bool]:
    """(the feedback's external id, the first answer's time, whether this is the first answer);
    raises _Closed past the edit window, or when the survey was made inactive."""
    if not invitation.survey.active:
        raise _Closed(_("This survey no longer takes answers."))
    previous = _previous_answer(invitation=invitation, answer_ref=answer_ref)
    if previous is None:
        anonymous = is_anonymous(invitation.survey)
        external_id = f"anonymous-{secrets.token_urlsafe(12)}" if anonymous else f"invitation-{invitation.pk}"
        return external_id, now, True
    external_id, first_at = previous[0], previous[1] or now
    if now > first_at + timedelta(minutes=invitation.survey.answer_edit_minutes):
        raise _Closed
    return external_id, first_at, False


def employee_round(invitation: SurveyInvitation) -> str:
    """The round of an employee survey's invitation: `run` of the transaction id
    f"{survey.slug}:{run}:{user id}" (feedback.surveys.employee.employee_survey_send), without the
    person's part; "" for any other transaction id."""
    prefix = f"{invitation.survey.slug}:"
    transaction_id = invitation.transaction_id or ""
    if not transaction_id.startswith(prefix) or invitation.employee_id is None:
        return ""
    run, _sep, person = transaction_id.removeprefix(prefix).rpartition(":")
    return run if run and person == str(invitation.employee_id) else ""


def _metadata(*, invitation: SurveyInvitation, follow_ups: list[dict], resolved: bool | None) -> dict:
    survey = invitation.survey
    metadata: dict = {"survey": survey.slug}
    if not is_anonymous(survey):
        metadata["invitation"] = invitation.pk
    elif round_label := employee_round(invitation):
        metadata["round"] = round_label
    if follow_ups:
        metadata["follow_ups"] = [
            {"question": item.get("question", ""), "answer": item.get("answer", "")} for item in follow_ups
        ]
    if survey.purpose == Survey.Purpose.RECOVERY:
        metadata["recovery_for_case"] = invitation.case_id
        metadata["resolved"] = resolved
    return metadata


def _raw_item(
    *,
    invitation: SurveyInvitation,
    external_id: str,
    stored: Feedback | None,
    score: int | None,
    comment: str | None,
    follow_ups: list[dict] | None,
    resolved: bool | None,
) -> dict:
    """The contract item of this answer: what it says, over what the earlier answer said."""
    survey = invitation.survey
    before = stored.metadata if stored is not None else {}
    if follow_ups is None:
        follow_ups = before.get("follow_ups") or []
    if resolved is None:
        resolved = before.get("resolved")
    touchpoint = invitation.touchpoint or survey.touchpoint
    raw: dict = {
        "source": survey.source.slug,
        "external_id": external_id,
        "scale": survey.scale,
        "score": score if score is not None else getattr(stored, "score", None),
        "comment": comment if comment is not None else getattr(stored, "comment", ""),
        "touchpoint": touchpoint.slug if touchpoint else None,
        "journey_stage": survey.journey_stage.slug if survey.journey_stage else None,
        "team": invitation.team.slug if invitation.team else None,
        "metadata": _metadata(invitation=invitation, follow_ups=follow_ups, resolved=resolved),
    }
    if stored is None:
        # The first answer's time stays when it is changed later.
        raw["occurred_at"] = timezone.now().isoformat()
    if not is_anonymous(survey) and invitation.customer is not None:
        raw["customer"] = {"external_id": invitation.customer.external_id}
    return raw


def _mark_answered(*, invitation: SurveyInvitation, feedback_id: int, now: datetime) -> None:
    invitation.status = SurveyInvitation.Status.ANSWERED
    if is_anonymous(invitation.survey):
        # The day only: an exact time would match the anonymous feedback's.
        invitation.answered_at = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        invitation.answered_at = now
        invitation.feedback_id = feedback_id
    invitation.save(update_fields=["status", "answered_at", "feedback"])


def survey_answer_record(
    *,
    invitation: SurveyInvitation,
    score: int | None = None,
    comment: str | None = None,
    follow_ups: list[dict] | None = None,
    resolved: bool | None = None,
    answer_ref: str | None = None,
) -> AnswerResult:
    """Store an answer (None: not given, the earlier answer's value stays).

    `follow_ups` are [{"question", "answer"}]; `resolved` is the recovery check's "is this resolved
    for you?"; `answer_ref` is an employee's reference from the first answer, to change it.
    """
    if errors := _input_errors(survey=invitation.survey, score=score, comment=comment, follow_ups=follow_ups):
        return AnswerResult(INVALID, errors=errors)
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(no_key=True, of=("self",))
            .select_related("survey__source", "survey__touchpoint", "survey__journey_stage")
            .select_related("customer", "touchpoint", "team")
            .get(pk=invitation.pk)
        )
        survey, now = invitation.survey, timezone.now()
        try:
            external_id, first_at, first = _answer_slot(invitation=invitation, answer_ref=answer_ref, now=now)
        except _Closed as closed:
            return AnswerResult(CLOSED, errors={"__all__": [str(closed)]} if str(closed) else {})
        stored = Feedback.objects.filter(source_id=survey.source_id, external_id=external_id).first()
        raw = _raw_item(
            invitation=invitation,
            external_id=external_id,
            stored=stored,
            score=score,
            comment=comment,
            follow_ups=follow_ups,
            resolved=resolved,
        )
        result = feedback_ingest(raw=raw, writer=survey_writer(survey))
        if result.status == ERROR or result.id is None:
            transaction.set_rollback(True)
            return AnswerResult(INVALID, errors=_readable_errors(result.errors))
        if first:
            _mark_answered(invitation=invitation, feedback_id=result.id, now=now)
        if result.status in (CREATED, UPDATED):
            answer_listeners_notify_on_commit(
                invitation=invitation,
                feedback_id=result.id,
                score=raw["score"],
                resolved=raw["metadata"].get("resolved"),
            )
    status = RECORDED if first else (UNCHANGED if result.status == DUPLICATE else CHANGED)
    ref = answer_ref_for(invitation=invitation, external_id=external_id, first_at=first_at)
    return AnswerResult(
        status,
        feedback_id=result.id,
        editable_until=first_at + timedelta(minutes=survey.answer_edit_minutes),
        answer_ref=ref if is_anonymous(survey) else "",
    )


def _readable_errors(errors: dict) -> dict[str, list[str]]:
    """The ingestion's errors a respondent can act on by field; the rest (a source switched off,
    a touchpoint deleted) as one sentence that says it is not their fault."""
    readable = {key: [str(reason) for reason in errors[key]] for key in ("score", "comment") if key in errors}
    if set(errors) - {"score", "comment"} or not readable:
        readable["__all__"] = [_("Your answer could not be stored just now. Please try again later.")]
    return readable


def invitation_mark_opened(*, invitation: SurveyInvitation) -> None:
    """The response page was opened: evidence the message was opened too (for survey metrics).
    Not for employee surveys: the moment a person opened the page could be matched with the moment
    an anonymous answer arrived."""
    if is_anonymous(invitation.survey):
        return
    now = timezone.now()
    SurveyInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now)
    if invitation.opened_at is None:
        invitation.opened_at = now


def answer_state(
    *, invitation: SurveyInvitation, answer_ref: str | None = None
) -> tuple[Feedback | None, datetime | None]:
    """The answer the page shows again (and until when it may change), or (None, None): customer
    surveys by the invitation, employee surveys only with the browser's reference."""
    window = timedelta(minutes=invitation.survey.answer_edit_minutes)
    if is_anonymous(invitation.survey):
        found = _answer_ref_read(answer_ref, invitation=invitation)
        if found is None:
            return None, None
        stored = Feedback.objects.filter(source_id=invitation.survey.source_id, external_id=found[0]).first()
        return stored, found[1] + window
    if invitation.status != SurveyInvitation.Status.ANSWERED or invitation.answered_at is None:
        return None, None
    stored = Feedback.objects.filter(pk=invitation.feedback_id).first() if invitation.feedback_id else None
    return stored, invitation.answered_at + window
