"""Working a case: claim, assign, contact, message, resolve, reopen. Every change writes a CaseEvent.

Each service locks the case row, checks the version the person was looking at (a stale edit is
refused rather than silently overwriting someone else's), applies the change and bumps the version.
"""

import json
import uuid
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxloop.core.exceptions import ApplicationError, StateConflict
from cxloop.outbound.services import case_event_emit
from feedback.contact import NOT_SENT, customer_do_not_contact
from feedback.models import Category
from innerloop import events, recovery
from innerloop.message_templates import message_text, template_fill, template_for_case
from innerloop.models import (
    CASE_TRANSITIONS,
    CLAIMABLE_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    ContactAttempt,
    MessageTemplate,
)
from innerloop.models.cases import RECOVERED_AT  # the recovery rule's home
from innerloop.sla import add_business_minutes, business_minutes_between


def _locked(case: Case, *, expected_version: int | None) -> Case:
    locked = (
        Case.objects.select_for_update(no_key=True, of=("self",))
        .select_related("team", "sla_policy", "customer")
        .get(pk=case.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StateConflict(
            _(
                "Someone else changed this case since you opened it. "
                "Reload it to see their change, then retry."
            ),
            {"version": ["stale"]},
        )
    return locked


def _save(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def _set_status(case: Case, to_status: str, *, actor, note: str = "") -> None:
    """Apply one transition of CASE_TRANSITIONS, with the SLA clock paused while waiting on the customer."""
    if to_status not in CASE_TRANSITIONS[case.status]:
        raise StateConflict(
            _("A case cannot go from %(from)s to %(to)s.")
            % {"from": case.get_status_display().lower(), "to": CaseStatus(to_status).label.lower()},
            {"status": ["invalid transition"]},
        )
    now = timezone.now()
    if case.status == CaseStatus.WAITING_ON_CUSTOMER and case.paused_at is not None:
        _resume_clock(case, now=now)
    if to_status == CaseStatus.WAITING_ON_CUSTOMER:
        case.paused_at = now
    from_status, case.status = case.status, to_status
    events.case_event_status_changed(
        case=case, actor=actor, from_status=from_status, to_status=to_status, note=note
    )


def _resume_clock(case: Case, *, now) -> None:
    """Move the deadlines on by the business time spent waiting on the customer."""
    policy = case.sla_policy
    if policy is not None:
        assert case.paused_at is not None, "only a paused clock resumes"
        tz = ZoneInfo(case.team.timezone)
        paused = business_minutes_between(case.paused_at, now, policy=policy, tz=tz)
        if case.first_contact_due_at and case.first_contacted_at is None:
            case.first_contact_due_at = add_business_minutes(
                case.first_contact_due_at, paused, policy=policy, tz=tz
            )
        if case.resolution_due_at:
            case.resolution_due_at = add_business_minutes(
                case.resolution_due_at, paused, policy=policy, tz=tz
            )
    case.paused_at = None
    case.due_at = case.first_contact_due_at if case.first_contacted_at is None else case.resolution_due_at


CLOCK_FIELDS = ("status", "paused_at", "first_contact_due_at", "resolution_due_at", "due_at")


@transaction.atomic
def case_transition(
    *, case: Case, to_status: str, actor, expected_version: int | None = None, note: str = ""
) -> Case:
    if to_status in (CaseStatus.RESOLVED, CaseStatus.REOPENED, CaseStatus.CLOSED):
        raise ApplicationError(
            _("Use resolve, reopen or close for that."), {"status": ["use the dedicated action"]}
        )
    case = _locked(case, expected_version=expected_version)
    _set_status(case, to_status, actor=actor, note=note)
    _save(case, *CLOCK_FIELDS)
    return case


_CASE_COLUMNS = [field.column for field in Case._meta.concrete_fields]
_CASE_ATTNAMES = [field.attname for field in Case._meta.concrete_fields]
_CLAIM_SQL_TEMPLATE = f"""
    WITH picked AS (
        SELECT id, status FROM {Case._meta.db_table}
        WHERE team_id {{teams}} AND status = ANY(%(claimable)s) AND assignee_id IS NULL
        ORDER BY priority_rank, due_at ASC NULLS LAST, id
        LIMIT 1 FOR UPDATE SKIP LOCKED
    ), claimed AS (
        UPDATE {Case._meta.db_table} AS c
        SET assignee_id = %(user)s, status = %(to)s, version = c.version + 1, updated_at = now()
        FROM picked WHERE c.id = picked.id
        RETURNING {", ".join(f"c.{column}" for column in _CASE_COLUMNS)}, picked.status AS claimed_from
    ), logged AS (
        INSERT INTO {CaseEvent._meta.db_table} (case_id, kind, actor_id, data, created_at)
        SELECT claimed.id, event.kind, %(user)s, event.data, now()
        FROM claimed CROSS JOIN LATERAL (VALUES
            (1, '{CaseEvent.Kind.ASSIGNED.value}', %(assigned)s::jsonb),
            (2, '{CaseEvent.Kind.STATUS_CHANGED.value}',
             %(changed)s::jsonb || jsonb_build_object('from', claimed.claimed_from))
        ) AS event (position, kind, data)
        ORDER BY event.position
    )
    SELECT {", ".join(_CASE_COLUMNS)} FROM claimed
"""  # noqa: S608 (table, column and kind names from the models; values are parameters)
# One team (nearly everyone): equality lets the claimable index hand over its first row in order;
# with `= ANY(...)` PostgreSQL collects and sorts every claimable case of the teams first.
_CLAIM_ONE_TEAM_SQL = _CLAIM_SQL_TEMPLATE.replace("{teams}", "= %(team)s")
_CLAIM_TEAMS_SQL = _CLAIM_SQL_TEMPLATE.replace("{teams}", "= ANY(%(teams)s)")


def case_claim_next(*, team_ids: list[int], user) -> Case | None:
    """Give the user the most urgent unassigned case of their teams; two people never get the same one.

    One statement picks the row with SELECT ... FOR UPDATE SKIP LOCKED over the partial index of
    claimable cases, assigns it and writes its two timeline events: a concurrent claimer skips the
    row being taken instead of waiting for it or taking it too. Being one statement, it is atomic on
    its own, and a claim costs one round trip (this is the hottest write of a busy team).
    Claimable cases (new, reopened) never have a paused clock.
    """
    if not team_ids:
        return None
    # The events' payloads from their typed definitions; the status it was claimed from is the row's.
    changed = events.status_changed_data(from_status="", to_status=CaseStatus.IN_PROGRESS, note="claimed")
    params = {
        "team": team_ids[0],
        "teams": list(team_ids),
        "claimable": list(CLAIMABLE_STATUSES),
        "user": user.pk,
        "to": CaseStatus.IN_PROGRESS,
        "assigned": json.dumps(events.assigned_data(assignee=user.get_username(), claimed=True)),
        "changed": json.dumps(changed),
    }
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_ONE_TEAM_SQL if len(team_ids) == 1 else _CLAIM_TEAMS_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    case = Case.from_db(connection.alias, _CASE_ATTNAMES, row)
    case.assignee = user
    return case


@transaction.atomic
def case_assign(*, case: Case, assignee, actor, expected_version: int | None = None) -> Case:
    """Give the case to someone on its team (or take it back to the queue with assignee None)."""
    case = _locked(case, expected_version=expected_version)
    if assignee is not None and not assignee.memberships.filter(team=case.team).exists():
        raise ApplicationError(
            _("%(assignee)s is not on %(team)s.") % {"assignee": assignee, "team": case.team},
            {"assignee": ["not on the case's team"]},
        )
    case.assignee = assignee
    events.case_event_assigned(case=case, actor=actor, assignee=assignee.username if assignee else None)
    _save(case, "assignee")
    return case


@transaction.atomic
def case_log_contact(
    *,
    case: Case,
    actor,
    channel: str,
    outcome: str,
    promised: str = "",
    next_step: str = "",
    expected_version: int | None = None,
) -> ContactAttempt:
    """Record one attempt to reach the customer; reaching them starts the resolution clock."""
    case = _locked(case, expected_version=expected_version)
    if not case.is_open:
        raise StateConflict(_("This case is not open; reopen it first."), {"status": ["not open"]})
    _refuse_if_do_not_contact(case, "No contact logged: the customer asked not to be contacted.")
    attempt = ContactAttempt.objects.create(
        case=case, channel=channel, outcome=outcome, promised=promised, next_step=next_step, actor=actor
    )
    events.case_event_contact_logged(
        case=case, actor=actor, channel=channel, outcome=outcome, promised=promised, next_step=next_step
    )
    fields = []
    if outcome == ContactAttempt.Outcome.REACHED and case.first_contacted_at is None:
        case.first_contacted_at = timezone.now()
        case.due_at = case.resolution_due_at
        fields += ["first_contacted_at", "due_at"]
    if case.status in (CaseStatus.NEW, CaseStatus.REOPENED):
        _set_status(case, CaseStatus.IN_PROGRESS, actor=actor, note="contact logged")
        fields += CLOCK_FIELDS
    _save(case, *set(fields))
    return attempt


def _refuse_if_do_not_contact(case: Case, message: str) -> None:
    """Nobody writes to or calls a customer who asked not to be contacted (feedback.contact): refused
    before anything is recorded, with the reason (the case page says so before anyone tries)."""
    if customer_do_not_contact(case.customer):
        raise StateConflict(message, {"customer": ["do not contact"]})


@transaction.atomic
def case_message_customer(
    *,
    case: Case,
    actor,
    template: MessageTemplate | str,
    subject: str | None = None,
    body: str | None = None,
    expected_version: int | None = None,
) -> CaseEvent:
    """Email the customer, recorded on the timeline. `template` is a template, or a slug whose
    version in the customer's language is used; the subject and body sent are exactly those given
    (the text the person read and edited), or the template's filled in when none is given."""
    from cxloop.notifications.services import email_queue
    from innerloop.replies.addresses import reply_address_for

    case = _locked(case, expected_version=expected_version)
    if case.customer is None or not case.customer.email:
        raise StateConflict(
            gettext("This customer has no email address on file."), {"customer": ["no email"]}
        )
    _refuse_if_do_not_contact(case, NOT_SENT)
    if isinstance(template, str):
        found = template_for_case(case, template)
        if found is None:
            raise ApplicationError(gettext("No such template."), {"template": [gettext("not available")]})
        template = found
    filled = template_fill(template, case=case, actor=actor)
    subject, text = message_text(filled, subject=subject, body=body)
    key = f"case:{case.pk}:message:{uuid.uuid4()}"
    email_queue(key=key, to=case.customer.email, subject=subject, body=text, customer_id=case.customer_id,
                reply_to=reply_address_for(case))  # fmt: skip
    event = events.case_event_message_sent(
        case=case, actor=actor, template=template.slug, subject=subject, body=text, to=case.customer.email,
        email_key=key,
    )  # fmt: skip
    _save(case)
    return event


def case_customer_do_not_contact_set(*, case: Case, actor, do_not_contact: bool) -> Case:
    """Mark the case's customer do not contact, or lift it (feedback's service audits it)."""
    from feedback.services.contact import customer_do_not_contact_set

    if case.customer is None:
        raise StateConflict(_("This case has no customer record."), {"customer": ["anonymous"]})
    case.customer = customer_do_not_contact_set(
        customer=case.customer, do_not_contact=do_not_contact, actor=actor, by=f"case {case.pk}"
    )
    return case


@transaction.atomic
def case_add_note(*, case: Case, actor, text: str) -> CaseEvent:
    if not text.strip():
        raise ApplicationError(_("A note needs some text."), {"text": ["required"]})
    return events.case_event_note(case=case, actor=actor, text=text.strip())


@transaction.atomic
def case_resolve(
    *,
    case: Case,
    actor,
    root_cause: Category,
    resolution_note: str,
    recovery_score: int | None = None,
    expected_version: int | None = None,
) -> Case:
    """Resolve with a root cause from the shared taxonomy and a note; a recovery check may come with it.

    A customer still unhappy at the recovery check (NPS below 7) reopens the case at once.
    """
    case = _locked(case, expected_version=expected_version)
    if root_cause.retired_at is not None:
        raise ApplicationError(
            _("“%(root_cause)s” is retired; choose a current category.") % {"root_cause": root_cause},
            {"root_cause": ["retired"]},
        )
    if not resolution_note.strip():
        raise ApplicationError(_("Say how it was resolved."), {"resolution_note": ["required"]})
    if recovery_score is not None and not 0 <= recovery_score <= 10:
        raise ApplicationError(_("The recovery score is 0 to 10."), {"recovery_score": ["out of range"]})
    if case.status == CaseStatus.WAITING_ON_CUSTOMER and case.paused_at is not None:
        _resume_clock(case, now=timezone.now())
    if CaseStatus.RESOLVED not in CASE_TRANSITIONS[case.status]:
        raise StateConflict(_("This case cannot be resolved now."), {"status": ["invalid transition"]})
    from_status = case.status
    case.status = CaseStatus.RESOLVED
    case.root_cause = root_cause
    case.resolution_note = resolution_note.strip()
    case.resolved_at = timezone.now()
    case.paused_at = None
    events.case_event_resolved(
        case=case, actor=actor, root_cause=root_cause.slug, note=case.resolution_note, from_status=from_status
    )
    case_event_emit(type="case.resolved", case=case)  # other systems told (cxloop.outbound), after commit
    fields = ["status", "root_cause", "resolution_note", "resolved_at", "paused_at", "due_at"]
    if recovery_score is not None:
        case.recovery_score = recovery_score
        fields.append("recovery_score")
        events.case_event_recovery_checked(case=case, actor=actor, score=recovery_score)
        if recovery_score < RECOVERED_AT:
            _reopen(case, actor=actor, reason=f"still unhappy at the recovery check ({recovery_score}/10)")
            fields += ["resolved_at"]
    _save(case, *set(fields))
    recovery.case_recovery_ask_on_commit(case=case)  # the customer's own check, after the commit
    return case


def _reopen(case: Case, *, actor, reason: str) -> None:
    case.status = CaseStatus.REOPENED
    case.resolved_at = None
    case.closed_at = None
    case.due_at = case.resolution_due_at if case.first_contacted_at else case.first_contact_due_at
    events.case_event_reopened(case=case, actor=actor, reason=reason)


@transaction.atomic
def case_reopen(*, case: Case, actor, reason: str, expected_version: int | None = None) -> Case:
    case = _locked(case, expected_version=expected_version)
    if CaseStatus.REOPENED not in CASE_TRANSITIONS[case.status]:
        raise StateConflict(
            _("Only a resolved or closed case can be reopened."), {"status": ["not resolved"]}
        )
    if not reason.strip():
        raise ApplicationError(_("Say why it is reopened."), {"reason": ["required"]})
    _reopen(case, actor=actor, reason=reason.strip())
    _save(case, "status", "resolved_at", "closed_at", "due_at")
    return case


@transaction.atomic
def case_close(*, case: Case, actor, expected_version: int | None = None) -> Case:
    """Close the loop: the customer has been told, nothing more to do."""
    case = _locked(case, expected_version=expected_version)
    if case.status != CaseStatus.RESOLVED:
        raise StateConflict(_("Resolve the case before closing it."), {"status": ["not resolved"]})
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    events.case_event_status_changed(
        case=case, actor=actor, from_status=CaseStatus.RESOLVED, to_status=CaseStatus.CLOSED, note=None
    )
    _save(case, "status", "closed_at")
    return case
