"""The case timeline's events: one constructor per kind, with named fields (as Saleor's order/events.py).

Each `case_event_<kind>` writes one CaseEvent row; its `<kind>_data` builds the row's JSON payload,
which the case page's timeline (templates/innerloop/case_detail.html) and the metrics read by
these keys. Paths that write events in bulk or in SQL (triage's batch, the claim statement) build
their payloads with the same `*_data` functions, so every way in gives the same keys.
"""

from typing import Any

from innerloop.models import Case, CaseEvent

Kind = CaseEvent.Kind
Data = dict[str, Any]


def _write(*, case: Case, kind: str, actor: Any, data: Data) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, data=data)


# --- Payloads -------------------------------------------------------------------------------------


def opened_data(*, rule: str | None, team: str, priority: str, why: str = "") -> Data:
    """Why triage opened the case: the rule (None when none matched), the team routed to, the priority,
    and the routing's reason when it has one."""
    data: Data = {"rule": rule, "team": team, "priority": priority}
    if why:
        data["why"] = why
    return data


def status_changed_data(*, from_status: str, to_status: str, note: str | None = "") -> Data:
    """`note` None leaves the key out (closing has none; every other change says why, maybe blank)."""
    data: Data = {"from": from_status, "to": to_status}
    if note is not None:
        data["note"] = note
    return data


def assigned_data(*, assignee: str | None, claimed: bool = False) -> Data:
    data: Data = {"assignee": assignee}
    if claimed:
        data["claimed"] = True
    return data


def contact_logged_data(*, channel: str, outcome: str, promised: str, next_step: str) -> Data:
    return {"channel": channel, "outcome": outcome, "promised": promised, "next_step": next_step}


def message_sent_data(*, template: str, subject: str, body: str, to: str, email_key: str) -> Data:
    return {"template": template, "subject": subject, "body": body, "to": to, "email_key": email_key}


def resolved_data(*, root_cause: str, note: str, from_status: str) -> Data:
    return {"root_cause": root_cause, "note": note, "from": from_status}


def escalated_data(*, level: int, clock: str) -> Data:
    return {"level": level, "clock": clock}


def reply_received_data(
    *, reply: int, from_on_file: bool, kept: int, refused: int, replied_to_case: int | None = None
) -> Data:
    """A customer's reply (innerloop.replies): the CaseReply id, whether it came from the address on
    file, how many attachments were kept and refused, and, on a case opened for a reply to a closed
    one, that case's id. No text: the reply's words live on the CaseReply, erased with the case."""
    data: Data = {"reply": reply, "from_on_file": from_on_file, "attachments": kept, "refused": refused}
    if replied_to_case is not None:
        data["replied_to_case"] = replied_to_case
    return data


def case_event_reply_received(*, case: Case, data: Data) -> CaseEvent:
    """The customer replied (no person did it): reply_received_data(...), or, on the closed case a
    reply was moved from, {"reply": id, "moved_to_case": id}."""
    return _write(case=case, kind=Kind.REPLY_RECEIVED, actor=None, data=data)


def case_event_opened_for_reply(*, case: Case, team: str, priority: str, replied_to_case: int) -> CaseEvent:
    """A case opened because the customer replied to a case that was no longer open."""
    data = opened_data(rule=None, team=team, priority=priority) | {"replied_to_case": replied_to_case}
    return _write(case=case, kind=Kind.OPENED, actor=None, data=data)


# --- Writers --------------------------------------------------------------------------------------


def case_event_opened(*, case: Case, rule: str | None, team: str, priority: str, why: str = "") -> CaseEvent:
    data = opened_data(rule=rule, team=team, priority=priority, why=why)
    return _write(case=case, kind=Kind.OPENED, actor=None, data=data)


def case_events_opened_build(*, opened: list[tuple[int, Data]]) -> list[CaseEvent]:
    """Unsaved `opened` events for triage's batch (case id, opened_data(...)), to bulk_create."""
    return [CaseEvent(case_id=case_id, kind=Kind.OPENED, data=data) for case_id, data in opened]


def case_event_status_changed(
    *, case: Case, actor: Any, from_status: str, to_status: str, note: str | None = ""
) -> CaseEvent:
    data = status_changed_data(from_status=from_status, to_status=to_status, note=note)
    return _write(case=case, kind=Kind.STATUS_CHANGED, actor=actor, data=data)


def case_event_assigned(*, case: Case, actor: Any, assignee: str | None, claimed: bool = False) -> CaseEvent:
    data = assigned_data(assignee=assignee, claimed=claimed)
    return _write(case=case, kind=Kind.ASSIGNED, actor=actor, data=data)


def case_event_contact_logged(
    *, case: Case, actor: Any, channel: str, outcome: str, promised: str, next_step: str
) -> CaseEvent:
    data = contact_logged_data(channel=channel, outcome=outcome, promised=promised, next_step=next_step)
    return _write(case=case, kind=Kind.CONTACT_LOGGED, actor=actor, data=data)


def case_event_message_sent(
    *, case: Case, actor: Any, template: str, subject: str, body: str, to: str, email_key: str
) -> CaseEvent:
    data = message_sent_data(template=template, subject=subject, body=body, to=to, email_key=email_key)
    return _write(case=case, kind=Kind.MESSAGE_SENT, actor=actor, data=data)


def case_event_note(*, case: Case, actor: Any, text: str) -> CaseEvent:
    return _write(case=case, kind=Kind.NOTE, actor=actor, data={"text": text})


def case_event_escalated(*, case: Case, level: int, clock: str) -> CaseEvent:
    """An SLA breach escalated by the periodic scan (no person did it)."""
    return _write(case=case, kind=Kind.ESCALATED, actor=None, data=escalated_data(level=level, clock=clock))


def case_event_resolved(*, case: Case, actor: Any, root_cause: str, note: str, from_status: str) -> CaseEvent:
    data = resolved_data(root_cause=root_cause, note=note, from_status=from_status)
    return _write(case=case, kind=Kind.RESOLVED, actor=actor, data=data)


def case_event_reopened(*, case: Case, actor: Any, reason: str) -> CaseEvent:
    return _write(case=case, kind=Kind.REOPENED, actor=actor, data={"reason": reason})


def case_event_recovery_checked(*, case: Case, actor: Any, score: int) -> CaseEvent:
    return _write(case=case, kind=Kind.RECOVERY_CHECKED, actor=actor, data={"score": score})


def recovery_asked_data(
    *, transaction_id: str, status: str, invitation: int | None, reason: str = ""
) -> Data:
    """The customer's own recovery check (innerloop.recovery): the invitation's outcome under the
    contact rules ("scheduled", "suppressed", "duplicate", "error") and, when not asked, why (a
    feedback.models.SuppressionReason value, or "error")."""
    data: Data = {"transaction_id": transaction_id, "status": status, "invitation": invitation}
    if reason:
        data["reason"] = reason
    return data


def customer_answered_data(
    *, invitation: int, resolved: bool | None, score: int | None, reopened: bool
) -> Data:
    return {"invitation": invitation, "resolved": resolved, "score": score, "reopened": reopened}


def case_event_recovery_asked(
    *, case: Case, transaction_id: str, status: str, invitation: int | None, reason: str = ""
) -> CaseEvent:
    data = recovery_asked_data(
        transaction_id=transaction_id, status=status, invitation=invitation, reason=reason
    )
    return _write(case=case, kind=Kind.RECOVERY_ASKED, actor=None, data=data)


def case_event_customer_answered(
    *, case: Case, invitation: int, resolved: bool | None, score: int | None, reopened: bool
) -> CaseEvent:
    data = customer_answered_data(invitation=invitation, resolved=resolved, score=score, reopened=reopened)
    return _write(case=case, kind=Kind.CUSTOMER_ANSWERED, actor=None, data=data)
