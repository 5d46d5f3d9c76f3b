"""The contact rules: which invitations of a batch are sent, when, and why the others are not.

Decided for a whole batch at once, with a fixed number of queries whatever its size, in this order
(the first rule that refuses an invitation is its reason):

1. the survey is not active;
2. the customer asked not to be contacted (or marked an email as spam);
3. no address for the survey's channel (an email, or a phone number for text messages);
4. an earlier email to the address bounced (email surveys only);
5. invited to this survey within `days_between_this` days;
6. invited to any survey within `days_between_any` days;
7. not in the sample (`sample_percent`, decided by the transaction id, so a retry decides the same);
8. the survey's daily cap reached (invitations created today, in the site's time zone).

Only invitations that were not suppressed count for 5, 6 and 8, and that includes those accepted
earlier in the same batch. Quiet hours suppress nothing: an accepted invitation waits until the end
of the quiet window in the customer's time zone (`send_after`).

The caller holds a transaction and `survey_lock`, so two batches of one survey decide one after the
other: the cap and the per-survey frequency cannot be passed by batches deciding side by side.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection
from django.utils import timezone

from feedback.models import Survey, SurveyInvitation

Reason = SurveyInvitation.Reason
# The first key of the two-key advisory lock: "surveys" (the second is the survey's id).
_LOCK_NAMESPACE = 0x5356_5953


@dataclass
class Candidate:
    """One invitation the rules decide about: who, by what transaction, and what they know of them."""

    index: int
    customer_id: int | None = None
    employee_id: int | None = None
    transaction_id: str = ""
    email: str = ""
    phone: str = ""
    do_not_contact: bool = False
    bounced: bool = False
    time_zone: str = ""
    # The decision: a suppression reason (blank: accepted), and when an accepted one may be sent.
    reason: str = ""
    send_after: datetime | None = None

    @property
    def person(self) -> tuple[str, int | None]:
        return (
            ("employee", self.employee_id) if self.employee_id is not None else ("customer", self.customer_id)
        )


def survey_lock(*, survey: Survey) -> None:
    """Take the survey's transaction-level advisory lock: batches of one survey decide in turn."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, survey.pk])


def rules_apply(*, survey: Survey, candidates: list[Candidate], now: datetime | None = None) -> None:
    """Decide every candidate in place (reason, or send_after), in batch order."""
    now = now or timezone.now()
    if not survey.active:
        for candidate in candidates:
            candidate.reason = Reason.INACTIVE
        return
    for candidate in candidates:
        candidate.reason = _standing_reason(survey=survey, candidate=candidate)
    open_ = [candidate for candidate in candidates if not candidate.reason]
    history = _contact_history(survey=survey, candidates=open_, now=now)
    remaining = _cap_remaining(survey=survey, now=now)
    since_this = now - timedelta(days=survey.days_between_this)
    since_any = now - timedelta(days=survey.days_between_any)
    for candidate in open_:
        last_this, last_any = history.get(candidate.person, (None, None))
        if survey.days_between_this and last_this is not None and last_this > since_this:
            candidate.reason = Reason.RECENTLY_THIS
        elif survey.days_between_any and last_any is not None and last_any > since_any:
            candidate.reason = Reason.RECENTLY_ANY
        elif not in_sample(survey=survey, key=candidate.transaction_id or _fallback_key(candidate, now)):
            candidate.reason = Reason.NOT_SAMPLED
        elif remaining is not None and remaining <= 0:
            candidate.reason = Reason.DAILY_CAP
        else:
            # Accepted: it counts against the next invitations of the batch, as a stored one would.
            history[candidate.person] = (now, now)
            remaining = None if remaining is None else remaining - 1
            candidate.send_after = quiet_hours_end(survey=survey, zone_name=candidate.time_zone, now=now)


def _standing_reason(*, survey: Survey, candidate: Candidate) -> str:
    """What the customer's own record refuses (rules 2 to 4), or blank."""
    if candidate.do_not_contact:
        return Reason.DO_NOT_CONTACT
    address = candidate.phone if survey.channel == Survey.Channel.SMS else candidate.email
    if not address:
        return Reason.NO_ADDRESS
    if survey.channel == Survey.Channel.EMAIL and candidate.bounced:
        return Reason.BOUNCED
    return ""


def _contact_history(
    *, survey: Survey, candidates: list[Candidate], now: datetime
) -> dict[tuple[str, int | None], tuple[datetime | None, datetime | None]]:
    """(kind, id) -> (last invitation of this survey, last of any) that counted, within the windows:
    a query per kind of person over the partial index of invitations that were not suppressed.

    In SQL with `= ANY(array)`: the ORM compiles an IN list of a thousand ids parameter by
    parameter, which costs more than PostgreSQL takes to answer it.
    """
    days = max(survey.days_between_this, survey.days_between_any)
    customers = sorted(
        {c.customer_id for c in candidates if c.customer_id is not None and c.employee_id is None}
    )
    employees = sorted({c.employee_id for c in candidates if c.employee_id is not None})
    if not days or not (customers or employees):
        return {}
    history: dict[tuple[str, int | None], tuple[datetime | None, datetime | None]] = {}
    with connection.cursor() as cursor:
        for kind, ids in (("customer", customers), ("employee", employees)):
            if not ids:
                continue
            # The column is one of two constants; the values travel as parameters.
            cursor.execute(
                f"SELECT {kind}_id, max(created_at) FILTER (WHERE survey_id = %s), max(created_at) "  # noqa: S608
                f"FROM feedback_surveyinvitation WHERE {kind}_id = ANY(%s) "
                "AND NOT (status = 'suppressed') AND created_at > %s "
                f"GROUP BY {kind}_id",
                [survey.pk, ids, now - timedelta(days=days)],
            )
            history.update(
                {(kind, pk): (last_this, last_any) for pk, last_this, last_any in cursor.fetchall()}
            )
    return history


def _cap_remaining(*, survey: Survey, now: datetime) -> int | None:
    """How many more invitations the survey may accept today (None: no cap)."""
    if survey.daily_cap is None:
        return None
    site_zone = site_time_zone()
    midnight = datetime.combine(now.astimezone(site_zone).date(), time(0), tzinfo=site_zone)
    used = (
        SurveyInvitation.objects.filter(survey=survey, created_at__gte=midnight)
        .exclude(status=SurveyInvitation.Status.SUPPRESSED)
        .count()
    )
    return survey.daily_cap - used


def in_sample(*, survey: Survey, key: str) -> bool:
    """Whether a transaction is in the survey's sample: the same transaction decides the same."""
    if survey.sample_percent >= 100:
        return True
    digest = hashlib.sha256(f"{survey.pk}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < survey.sample_percent * 100


def _fallback_key(candidate: Candidate, now: datetime) -> str:
    # Without a transaction id, the invitation itself (who, when) is what is sampled.
    kind, pk = candidate.person
    return f"{kind}:{pk}:{now.isoformat()}:{candidate.index}"


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def site_time_zone() -> ZoneInfo:
    return _zone(settings.TIME_ZONE) or ZoneInfo("UTC")


def customer_time_zone(name: str) -> ZoneInfo:
    """The customer's zone; blank or unknown (an old or mistyped name) is the site's."""
    return (_zone(name) if name else None) or site_time_zone()


def is_time_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this server knows."""
    return bool(name) and "\x00" not in name and _zone(name) is not None


def quiet_hours_end(*, survey: Survey, zone_name: str, now: datetime) -> datetime:
    """`now`, or the end of the survey's quiet window when the customer's local time falls in it.

    The window may wrap midnight (21:00 to 08:00); equal ends mean no quiet hours.
    """
    start, end = _as_time(survey.quiet_from), _as_time(survey.quiet_until)
    if start == end:
        return now
    zone = customer_time_zone(zone_name)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    quiet = start <= clock < end if start < end else (clock >= start or clock < end)
    if not quiet:
        return now
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


def _as_time(value: time | str) -> time:
    # A survey built in memory holds the field's default as text ("21:00") until it is read back.
    return time.fromisoformat(value) if isinstance(value, str) else value
