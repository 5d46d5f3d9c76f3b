"""Creating survey invitations from events (the API, a CSV of contacts, a rule): exactly once per
survey and transaction, through the contact rules, in a fixed number of statements per batch.

Who may invite is the feedback write policy (feedback.permissions.Writer): a principal invites
for a survey only when it may send feedback for the survey's source, and a person only for their
own teams. Customers are resolved as ingestion resolves them (feedback.services.customers), so the
same write policy decides whose stored details a batch may change.

A batch decides under the survey's advisory lock (rules.survey_lock): the transaction ids it finds
stored are duplicates, and the daily cap and the frequency rules see every invitation accepted
before it. The insert still says ON CONFLICT DO NOTHING on (survey, transaction id), so a row that
appeared anyway is answered as the duplicate it is.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from cxloop.core.bulk import typed_values
from cxloop.core.exceptions import ApplicationError
from cxloop.core.tasks_util import enqueue_on_commit
from cxloop.org.models import Team
from feedback.models import Survey, SurveyInvitation, Touchpoint
from feedback.permissions import Writer
from feedback.services.customers import customer_key, customers_resolve

from .items import MAX_BATCH, item_clean
from .rules import Candidate, rules_apply, survey_lock

logger = logging.getLogger(__name__)

SCHEDULED, SUPPRESSED, DUPLICATE, ERROR = "scheduled", "suppressed", "duplicate", "error"


@dataclass
class InvitationResult:
    """What became of one item of a batch: scheduled, suppressed (with its reason), a duplicate of
    the invitation stored for its transaction, or an error (with the reasons by field)."""

    index: int
    status: str
    invitation_id: int | None = None
    reason: str = ""
    errors: dict = field(default_factory=dict)

    @property
    def reason_label(self) -> str:
        return str(SurveyInvitation.Reason(self.reason).label) if self.reason else ""

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "status": self.status,
            "invitation_id": self.invitation_id,
            "reason": self.reason,
            "reason_label": self.reason_label,
            "errors": self.errors,
        }


def writer_for(actor) -> Writer:
    """The principal creating invitations: a Writer as given, a person, or the system (None)."""
    if actor is None:
        return Writer.system(label="surveys")
    if isinstance(actor, Writer):
        return actor
    return Writer.for_person(actor)


def survey_invitations_create(
    *, survey: Survey, items: list[dict], trigger: str, actor=None
) -> list[InvitationResult]:
    """Create the invitations of up to MAX_BATCH items for `survey`, one result per item in order.

    Bad items are errors by field and the good ones are kept. Accepted invitations are scheduled
    (send_after: now, or the end of the customer's quiet hours) and the sender is enqueued after
    commit; suppressed ones are stored with their reason. Only cxloop itself (actor None, or a
    system Writer) names customers, employees and cases by id (items.INTERNAL_ONLY).
    """
    if len(items) > MAX_BATCH:
        raise ApplicationError(f"At most {MAX_BATCH:,} invitations per batch.")
    writer = writer_for(actor)
    if refusal := survey.source_refusal():
        return [InvitationResult(index, ERROR, errors={"survey": [refusal]}) for index in range(len(items))]
    if refusal := writer.source_refusal(survey.source):
        why = refusal.replace("send feedback for", "invite for")
        return [InvitationResult(index, ERROR, errors={"survey": [why]}) for index in range(len(items))]
    results: dict[int, InvitationResult] = {}
    valid: list[tuple[int, dict]] = []
    for index, raw in enumerate(items):
        clean, errors = item_clean(raw, survey=survey, internal=writer.kind == "system")
        if clean is None:
            results[index] = InvitationResult(index, ERROR, errors=errors)
        else:
            valid.append((index, clean))
    valid = _with_references(survey=survey, valid=valid, writer=writer, results=results)
    if valid:
        with transaction.atomic():
            survey_lock(survey=survey)
            results.update(_create(survey=survey, valid=valid, trigger=trigger, writer=writer))
    return [results[index] for index in range(len(items))]


def _with_references(
    *, survey: Survey, valid: list[tuple[int, dict]], writer: Writer, results: dict[int, InvitationResult]
) -> list[tuple[int, dict]]:
    """Resolve touchpoint slugs and team ids (a query each for the batch) and the team each
    invitation is for; items naming unknown ones, or a team the writer may not write for, are errors."""
    touchpoints = {
        tp.slug: tp
        for tp in Touchpoint.objects.select_related("owning_team").filter(
            slug__in={data["touchpoint"] for _, data in valid if data["touchpoint"]}
        )
    }
    teams = Team.objects.in_bulk({data["team_id"] for _, data in valid if data["team_id"]})
    kept = []
    for index, data in valid:
        errors = {}
        touchpoint = touchpoints.get(data["touchpoint"]) if data["touchpoint"] else survey.touchpoint
        if data["touchpoint"] and touchpoint is None:
            errors["touchpoint"] = [f'unknown touchpoint "{data["touchpoint"]}".']
        team = teams.get(data["team_id"]) if data["team_id"] else None
        if data["team_id"] and team is None:
            errors["team_id"] = ["unknown team."]
        team_id = team.pk if team else _default_team_id(touchpoint=touchpoint, writer=writer)
        if not errors and (why := _team_refusal(writer=writer, team_id=team_id)):
            errors["team_id"] = [why]
        if errors:
            results[index] = InvitationResult(index, ERROR, errors=errors)
            continue
        data["touchpoint_id"] = touchpoint.pk if touchpoint else None
        data["team_id"] = team_id
        kept.append((index, data))
    return kept


def _default_team_id(*, touchpoint: Touchpoint | None, writer: Writer) -> int | None:
    """The team an invitation is for when the item names none: its touchpoint's owner, else the
    person's own team."""
    if touchpoint is not None and touchpoint.owning_team_id is not None:
        return touchpoint.owning_team_id
    return writer.default_team_id


def _team_refusal(*, writer: Writer, team_id: int | None) -> str | None:
    if writer.team_ids is None:
        return None
    if team_id is None:
        return "name the team this invitation is for (one of yours)."
    if team_id not in writer.team_ids:
        return "you may invite only for your own teams."
    return None


def _create(
    *, survey: Survey, valid: list[tuple[int, dict]], trigger: str, writer: Writer
) -> dict[int, InvitationResult]:
    """Decide and store the valid items; the caller holds the transaction and the survey's lock."""
    results: dict[int, InvitationResult] = {}
    stored = _stored_transactions(survey=survey, valid=valid)
    fresh: list[tuple[int, dict]] = []
    first_of: dict[str, int] = {}
    repeats: list[tuple[int, str]] = []
    for index, data in valid:
        tx = data["transaction_id"]
        if tx and tx in stored:
            results[index] = InvitationResult(index, DUPLICATE, stored[tx])
        elif tx and tx in first_of:
            repeats.append((index, tx))
        else:
            if tx:
                first_of[tx] = index
            fresh.append((index, data))
    people = _people(valid=fresh, writer=writer)
    candidates, now = [], timezone.now()
    for index, data in fresh:
        person = people.get(_person_key(data))
        if person is None:
            key = "employee_id" if "employee_id" in data else "customer_id"
            results[index] = InvitationResult(index, ERROR, errors={key: ["unknown or inactive."]})
            continue
        candidates.append(Candidate(index=index, transaction_id=data["transaction_id"], **person))
    rules_apply(survey=survey, candidates=candidates, now=now)
    results.update(_store(survey=survey, candidates=candidates, items=dict(fresh), trigger=trigger, now=now))
    for index, tx in repeats:
        # The same transaction twice in one batch: the second is the first's duplicate (or its error).
        first = results[first_of[tx]]
        if first.status == ERROR:
            results[index] = InvitationResult(index, ERROR, errors=first.errors)
        else:
            results[index] = InvitationResult(index, DUPLICATE, first.invitation_id)
    if any(c.send_after is not None and c.send_after <= now for c in candidates):
        _sender_enqueue()
    return results


def _stored_transactions(*, survey: Survey, valid: list[tuple[int, dict]]) -> dict[str, int]:
    """Transaction id -> the survey's invitation stored for it, for the transactions of `valid`."""
    ids = sorted({data["transaction_id"] for _, data in valid if data["transaction_id"]})
    if not ids:
        return {}
    # `= ANY(array)` rather than the ORM's IN list: see rules._contact_history.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT transaction_id, id FROM feedback_surveyinvitation "
            "WHERE survey_id = %s AND transaction_id = ANY(%s) AND NOT (transaction_id = '')",
            [survey.pk, ids],
        )
        return dict(cursor.fetchall())


def _person_key(data: dict) -> tuple[str, object]:
    if "employee_id" in data:
        return ("employee", data["employee_id"])
    if "customer_id" in data:
        return ("customer", data["customer_id"])
    return ("key", customer_key(data["customer"]))


def _people(*, valid: list[tuple[int, dict]], writer: Writer) -> dict[tuple[str, object], dict]:
    """Person key -> what the rules need to know of them (Candidate fields), for every customer and
    employee the items name; customers named by object are resolved (created when new) first."""
    given = [data["customer"] for _, data in valid if "customer" in data]
    ids_by_key, _unchanged = customers_resolve(customers=given, writer=writer) if given else ({}, {})
    _time_zones_store(customers=given, ids_by_key=ids_by_key, writer=writer)
    customer_ids = set(ids_by_key.values()) | {
        data["customer_id"] for _, data in valid if "customer_id" in data
    }
    people: dict[tuple[str, object], dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, email, phone, do_not_contact, email_complained_at, email_bounced_at, time_zone "
            "FROM feedback_customer WHERE id = ANY(%s)",
            [sorted(customer_ids)],
        )
        rows = cursor.fetchall()
    for pk, email, phone, do_not_contact, complained, bounced, zone in rows:
        people[("customer", pk)] = {
            "customer_id": pk,
            "email": email,
            "phone": phone,
            # A complaint (marked as spam) is a request not to be contacted.
            "do_not_contact": do_not_contact or complained is not None,
            "bounced": bounced is not None,
            "time_zone": zone,
        }
    for key, pk in ids_by_key.items():
        if ("customer", pk) in people:
            people[("key", key)] = people[("customer", pk)]
    employee_ids = {data["employee_id"] for _, data in valid if "employee_id" in data}
    if employee_ids:
        users = get_user_model().objects.filter(pk__in=employee_ids, is_active=True)
        for pk, email in users.values_list("pk", "email"):
            people[("employee", pk)] = {"employee_id": pk, "email": email}
    return people


def _time_zones_store(*, customers: list[dict], ids_by_key: dict[str, int], writer: Writer) -> None:
    """Keep the time zones the items give: on customers without one, or on any for a writer that
    manages customers; one statement for the batch."""
    zones = {
        ids_by_key[customer_key(data)]: data["time_zone"]
        for data in customers
        if data.get("time_zone") and customer_key(data) in ids_by_key
    }
    if not zones:
        return
    values, params = typed_values(sorted(zones.items()), ("bigint", "text"))
    overwrite = "TRUE" if writer.manages_customers else "FALSE"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE feedback_customer AS customer SET time_zone = given.zone "  # noqa: S608 (no input in the text)
            f"FROM (VALUES {values}) AS given (id, zone) "
            "WHERE customer.id = given.id AND customer.erased_at IS NULL "
            f"AND customer.time_zone <> given.zone AND (customer.time_zone = '' OR {overwrite})",
            params,
        )


def _language(*, survey: Survey, data: dict, languages: set[str]) -> str:
    """The item's language, else the customer's, when the survey has a text in it; else its default."""
    for language in (data.get("language"), (data.get("customer") or {}).get("language")):
        if language and language in languages:
            return language
        if language and language.split("-")[0] in languages:
            return language.split("-")[0]
    return survey.default_language


# The columns of an invitation row, in the order they are inserted.
_COLUMNS = (
    ("id", "bigint"), ("survey_id", "bigint"), ("customer_id", "bigint"), ("employee_id", "integer"),
    ("transaction_id", "varchar(200)"), ("touchpoint_id", "bigint"), ("team_id", "bigint"),
    ("language", "varchar(10)"), ("trigger", "varchar(10)"), ("case_id", "bigint"), ("status", "varchar(12)"),
    ("suppressed_reason", "varchar(16)"), ("send_after", "timestamptz"), ("expires_at", "timestamptz"),
    ("created_at", "timestamptz"),
)  # fmt: skip


def _store(
    *, survey: Survey, candidates: list[Candidate], items: dict[int, dict], trigger: str, now: datetime
) -> dict[int, InvitationResult]:
    """Insert the decided invitations (ids drawn first, so each row's outcome is known by its id)."""
    if not candidates:
        return {}
    languages = set(survey.texts.values_list("language", flat=True))
    valid_for = timedelta(days=survey.link_valid_days)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('feedback_surveyinvitation', 'id')) "
            "FROM generate_series(1, %s)",
            [len(candidates)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    rows = []
    scheduled, suppressed = SurveyInvitation.Status.SCHEDULED, SurveyInvitation.Status.SUPPRESSED
    for pk, candidate in zip(ids, candidates, strict=True):
        data = items[candidate.index]
        rows.append({
            "id": pk, "survey_id": survey.pk, "customer_id": candidate.customer_id,
            "employee_id": candidate.employee_id, "transaction_id": candidate.transaction_id,
            "touchpoint_id": data["touchpoint_id"], "team_id": data["team_id"],
            "language": _language(survey=survey, data=data, languages=languages), "trigger": trigger,
            "case_id": data["case_id"],
            "status": suppressed if candidate.reason else scheduled,
            "suppressed_reason": candidate.reason, "send_after": candidate.send_after,
            "expires_at": candidate.send_after + valid_for if candidate.send_after else None,
            "created_at": now,
        })  # fmt: skip
    inserted = _insert(rows)
    results = {}
    missing = [c for pk, c in zip(ids, candidates, strict=True) if pk not in inserted]
    taken = _stored_transactions(survey=survey, valid=[(c.index, items[c.index]) for c in missing])
    for pk, candidate in zip(ids, candidates, strict=True):
        if pk in inserted:
            status = SUPPRESSED if candidate.reason else SCHEDULED
            results[candidate.index] = InvitationResult(candidate.index, status, pk, candidate.reason)
        else:
            # Stored by another batch between our look and our insert: that one is the invitation.
            existing = taken.get(candidate.transaction_id)
            results[candidate.index] = InvitationResult(candidate.index, DUPLICATE, existing)
    return results


def _insert(rows: list[dict]) -> set[int]:
    """INSERT the rows (one JSON parameter) ON CONFLICT on the (survey, transaction id) index DO
    NOTHING; the ids inserted. Rows go in transaction order, so concurrent batches lock alike."""
    rows.sort(key=lambda row: row["transaction_id"])
    names = ", ".join(name for name, _ in _COLUMNS)
    declared = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
    sql = (
        f"INSERT INTO feedback_surveyinvitation ({names}) "  # noqa: S608 (column names are constants)
        f"SELECT {names} FROM json_to_recordset(%s::json) AS incoming({declared}) "
        "ON CONFLICT (survey_id, transaction_id) WHERE NOT (transaction_id = '') DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, default=str)])
        return {row[0] for row in cursor.fetchall()}


def _sender_enqueue() -> None:
    """Ask the sender to send what is due, after commit (the beat sends due invitations too, so an
    unreachable broker loses nothing)."""
    from .tasks import send_due as send_due_task

    enqueue_on_commit(send_due_task)
