"""Loop-closure metrics: how fast and how well the inner loop closes, by team and period.

- time to first contact: p50 and p90 hours from the case opening to the first contact that
  reached the customer (cases not yet contacted are counted as not contacted, not as zero);
- % contacted within SLA and % resolved within SLA, of the cases whose deadline has passed or
  that met it (a case still inside its window is neither);
- recovery rate: of the recovery checks made, the share where the customer came back as a
  passive or promoter (innerloop.models.cases.RECOVERED): the customer's own answer where they gave
  one, else the score the agent recorded; both counts are reported, so the rate says whose it is.
"""

from datetime import date, datetime, time

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from .models.cases import AGENT_RECORDED, CUSTOMER_ANSWERED, RECOVERED, RECOVERY_CHECKED
from .selectors import cases_visible_to

GROUPS = {"team": "team__slug", "week": "week", "month": "month", "kind": "kind__slug"}
HOURS_TO_CONTACT = "extract(epoch FROM c.first_contacted_at - c.created_at)"


def _percentiles(cases: QuerySet, *, key: str | None) -> dict:
    """p50 and p90 of hours to first contact per group, computed in PostgreSQL."""
    from django.db import connection

    sql, params = cases.filter(first_contacted_at__isnull=False).values("id").query.sql_with_params()
    group_sql = {
        None: "'all'",
        "team": "t.slug",
        "kind": "k.slug",
        "week": "date_trunc('week', c.created_at)",
        "month": "date_trunc('month', c.created_at)",
    }[key]
    query = f"""
        SELECT {group_sql} AS grp,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {HOURS_TO_CONTACT}),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY {HOURS_TO_CONTACT})
        FROM innerloop_case c
        JOIN org_team t ON t.id = c.team_id
        JOIN innerloop_casekind k ON k.id = c.kind_id
        WHERE c.id IN ({sql})
        GROUP BY 1
    """  # noqa: S608 (built from our own query and a fixed mapping; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    return {_key(group): (p50 / 3600, p90 / 3600) for group, p50, p90 in rows}


def _key(value):
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value


def _aggregates(now) -> dict:
    contact_due = Q(first_contact_due_at__isnull=False) & (
        Q(first_contacted_at__isnull=False, first_contacted_at__lte=F("first_contact_due_at"))
        | Q(first_contact_due_at__lt=now)
    )
    resolution_due = Q(resolution_due_at__isnull=False) & (
        Q(resolved_at__isnull=False, resolved_at__lte=F("resolution_due_at")) | Q(resolution_due_at__lt=now)
    )
    return {
        "cases": Count("id"),
        "contacted": Count("id", filter=Q(first_contacted_at__isnull=False)),
        "contact_measured": Count("id", filter=contact_due),
        "contacted_in_sla": Count(
            "id", filter=contact_due & Q(first_contacted_at__lte=F("first_contact_due_at"))
        ),
        "resolution_measured": Count("id", filter=resolution_due),
        "resolved_in_sla": Count("id", filter=resolution_due & Q(resolved_at__lte=F("resolution_due_at"))),
        "recovery_checks": Count("id", filter=RECOVERY_CHECKED),
        "recovery_customer_answers": Count("id", filter=CUSTOMER_ANSWERED),
        "recovery_agent_recorded": Count("id", filter=AGENT_RECORDED),
        "recovered": Count("id", filter=RECOVERED),
    }


def loop_closure(
    *,
    user,
    date_from: date,
    date_to: date,
    group_by: str | None = None,
    team: str | None = None,
    department: str | None = None,
) -> list[dict]:
    """Loop-closure figures for cases opened in [date_from, date_to), scoped to the user's teams
    (and to one team's or one department's, by slug)."""
    zone = timezone.get_current_timezone()
    start, end = (datetime.combine(day, time.min, tzinfo=zone) for day in (date_from, date_to))
    cases = cases_visible_to(user=user).filter(created_at__gte=start, created_at__lt=end)
    if team:
        cases = cases.filter(team__slug=team)
    if department:
        cases = cases.filter(team__department__slug=department)
    aggregates = _aggregates(timezone.now())
    field = GROUPS.get(group_by) if group_by else None
    if field:
        annotated = cases.annotate(week=TruncWeek("created_at"), month=TruncMonth("created_at"))
        rows = list(annotated.values(field).order_by().annotate(**aggregates))
    else:
        rows = [cases.aggregate(**aggregates)]
    percentiles = _percentiles(cases, key=group_by if field else None)
    results = []
    for row in rows:
        group = _key(row[field]) if field else "all"
        p50, p90 = percentiles.get(group, (None, None))
        results.append(
            {
                "group": group,
                "cases": row["cases"],
                "contacted": row["contacted"],
                "first_contact_hours_p50": _round(p50),
                "first_contact_hours_p90": _round(p90),
                "pct_contacted_within_sla": _pct(row["contacted_in_sla"], row["contact_measured"]),
                "pct_resolved_within_sla": _pct(row["resolved_in_sla"], row["resolution_measured"]),
                "recovery_checks": row["recovery_checks"],
                "recovery_customer_answers": row["recovery_customer_answers"],
                "recovery_agent_recorded": row["recovery_agent_recorded"],
                "recovery_rate": _pct(row["recovered"], row["recovery_checks"]),
            }
        )
    return sorted(results, key=lambda r: str(r["group"]))


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
