"""The outer loop's events, one constructor per kind with named fields (as Saleor's order/events.py).

An initiative's timeline (InitiativeEvent) is read by its page and by the committee; each function
below writes one kind, so the keys of `data` are declared here and nowhere else. Signals have no
timeline of their own: their triage is recorded in the audit log, by the signal_* functions below.
Call them inside the service's transaction.
"""

from datetime import date
from typing import Any

from cxloop.core.models import AuditEvent, audit

from .models import ImpactReview, Initiative, InitiativeEvent, Signal

Kind = InitiativeEvent.Kind


def _event(*, initiative: Initiative, kind: str, actor: Any, data: dict[str, Any]) -> InitiativeEvent:
    return InitiativeEvent.objects.create(initiative=initiative, kind=kind, actor=actor, data=data)


# --- the initiative's timeline -------------------------------------------------------------------


def initiative_created(
    *, initiative: Initiative, actor: Any, signal_ids: list[int], owner_username: str, priority_score: float
) -> InitiativeEvent:
    data = {"signals": signal_ids, "owner": owner_username, "priority_score": priority_score}
    return _event(initiative=initiative, kind=Kind.CREATED, actor=actor, data=data)


def initiative_stage_changed(
    *,
    initiative: Initiative,
    actor: Any,
    from_stage: str,
    to_stage: str,
    note: str | None = None,
    decision_id: int | None = None,
) -> InitiativeEvent:
    """`note` is the owner's (present, maybe empty, when the owner moved it); `decision` the committee's."""
    data: dict[str, Any] = {"from": from_stage, "to": to_stage}
    if note is not None:
        data["note"] = note
    if decision_id is not None:
        data["decision"] = decision_id
    return _event(initiative=initiative, kind=Kind.STAGE_CHANGED, actor=actor, data=data)


def initiative_decided(
    *,
    initiative: Initiative,
    actor: Any,
    decision_id: int,
    outcome: str,
    rationale: str,
    votes: dict[str, str],
) -> InitiativeEvent:
    """`votes`: department slug -> the seat's choice."""
    data = {"decision": decision_id, "outcome": outcome, "rationale": rationale, "votes": votes}
    return _event(initiative=initiative, kind=Kind.DECIDED, actor=actor, data=data)


def initiative_edited(*, initiative: Initiative, actor: Any, changes: dict[str, str]) -> InitiativeEvent:
    """`changes`: each edited field's name -> its new value, as text."""
    return _event(initiative=initiative, kind=Kind.EDITED, actor=actor, data=dict(changes))


def initiative_commented(*, initiative: Initiative, author: Any, text: str) -> InitiativeEvent:
    return _event(initiative=initiative, kind=Kind.COMMENTED, actor=author, data={"text": text})


def initiative_milestone_added(
    *, initiative: Initiative, actor: Any, title: str, due_on: date
) -> InitiativeEvent:
    data = {"title": title, "due_on": due_on.isoformat(), "action": "added"}
    return _event(initiative=initiative, kind=Kind.MILESTONE, actor=actor, data=data)


def initiative_milestone_done(*, initiative: Initiative, actor: Any, title: str) -> InitiativeEvent:
    return _event(
        initiative=initiative, kind=Kind.MILESTONE, actor=actor, data={"title": title, "action": "done"}
    )


def initiative_impact_reviewed(*, initiative: Initiative, review: ImpactReview) -> InitiativeEvent:
    data = {"review": review.pk, "nps_difference": review.nps_difference, "p_value": review.nps_p_value}
    return _event(initiative=initiative, kind=Kind.IMPACT_REVIEWED, actor=None, data=data)


def initiative_loop_closed(
    *,
    initiative: Initiative,
    actor: Any,
    subject: str,
    what_changed: str,
    customers: int,
    emails_queued: int,
    staff: int,
    not_contacted: int = 0,
    translations: dict[str, tuple[str, str]] | None = None,
    by_language: dict[str, int] | None = None,
) -> InitiativeEvent:
    """Who told the customers what (the sender's subject and text, never a customer's data), and how
    many: `not_contacted` are affected customers left out because they asked not to be contacted.
    With other languages, the sender's words in each and how many customers got each language."""
    data: dict[str, Any] = {
        "subject": subject,
        "what_changed": what_changed,
        "customers": customers,
        "emails_queued": emails_queued,
        "staff": staff,
        "not_contacted": not_contacted,
    }
    if translations:
        data["translations"] = {
            code: {"subject": text[0], "what_changed": text[1]} for code, text in translations.items()
        }
    if by_language:
        data["by_language"] = by_language
    return _event(initiative=initiative, kind=Kind.LOOP_CLOSED, actor=actor, data=data)


# --- a signal's triage (audit log) ---------------------------------------------------------------


def signal_dismissed(*, signal: Signal, actor: Any) -> AuditEvent:
    """The reason stays on the signal (staff's words, which erasure can mask), never in the log."""
    return audit(actor=actor, verb="signal.dismissed", target=signal, reason_field="dismissed_reason")


def signal_merged(*, signal: Signal, actor: Any, into_id: int) -> AuditEvent:
    return audit(actor=actor, verb="signal.merged", target=signal, into=into_id)


def signal_promoted(*, signal: Signal, actor: Any, initiative_id: int) -> AuditEvent:
    return audit(actor=actor, verb="signal.promoted", target=signal, initiative=initiative_id)
