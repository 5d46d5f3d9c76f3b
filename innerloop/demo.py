"""The inner loop's part of the demo: the cases frontline teams worked before the last few days,
and six months of every team's huddles (innerloop.demo_huddles).

Made in SQL from the demo feedback that people coded: one closed detractor-recovery case per
coded detractor, first contact mostly within the day (some late), a recovery check on some.
The last days are left to real triage when the worker starts. `manage.py seed_demo`
(governance.demo) calls it once the organisation and the feedback are in.
"""

from datetime import datetime, timedelta

from django.db import connection

from cxloop.org.models import Membership, Role
from feedback.models import Feedback, Scale
from feedback.scales import CSAT_DETRACTOR_MAX, DETRACTOR_MAX

from .defaults import DETRACTOR_RECOVERY, DETRACTOR_SLA, ensure_defaults
from .demo_huddles import seed_huddle_history
from .models import Case, CaseKind, CaseStatus, SlaPolicy

__all__ = ["ensure_defaults", "seed_case_history", "seed_huddle_history"]


# One of the team's agents, in turn (no random(): the delays and scores drawn beside it stay as they
# were), so the fair rankings of people have someone to rank.
AGENT_IN_TURN = f"""(SELECT m.user_id FROM {Membership._meta.db_table} m
    WHERE m.team_id = f.team_id AND m.role = %(agent)s ORDER BY m.user_id
    OFFSET f.id %% GREATEST(1, (SELECT count(*) FROM {Membership._meta.db_table} a
                               WHERE a.team_id = f.team_id AND a.role = %(agent)s))
    LIMIT 1)"""  # noqa: S608 (a table name from the model; values are parameters)


def seed_case_history(*, seed: int, end: datetime, live_days: int) -> int:
    """Create the closed cases of the demo history; returns how many."""
    ensure_defaults()
    kind = CaseKind.objects.get(slug=DETRACTOR_RECOVERY)
    policy = SlaPolicy.objects.get(slug=DETRACTOR_SLA)
    with connection.cursor() as cursor:
        # Deterministic for a given seed: random() follows setseed within this transaction.
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cursor.execute(
            f"""
            INSERT INTO {Case._meta.db_table} (feedback_id, kind_id, customer_id, team_id, status, priority,
                priority_rank, sla_policy_id, first_contact_due_at, resolution_due_at, due_at,
                first_contacted_at, resolved_at, closed_at, escalation_level, root_cause_id,
                resolution_note, recovery_score, version, created_at, updated_at,
                employee_account, disposition, disposition_justification, assignee_id)
            SELECT f.id, %(kind)s, f.customer_id, f.team_id, %(closed)s, 'high', 1, %(policy)s,
                f.received_at + interval '24 hours', f.received_at + interval '5 days', NULL,
                f.received_at + contact.delay, f.received_at + contact.delay + fix.delay,
                f.received_at + contact.delay + fix.delay + interval '1 hour',
                CASE WHEN contact.delay > interval '24 hours' THEN 1 ELSE 0 END, f.confirmed_category_id,
                'Called the customer, apologised and put it right.',
                CASE WHEN random() < 0.45 THEN
                    CASE WHEN random() < 0.62 THEN 7 + floor(random() * 4)::int
                         ELSE floor(random() * 7)::int END
                END,
                3, f.received_at, f.received_at + contact.delay + fix.delay,
                '', '', '',
                {AGENT_IN_TURN}
            FROM {Feedback._meta.db_table} f
            -- Each delay names f.id (times 0): a subquery that does not mention the row is run
            -- once for all rows, and every case would get the same delays.
            CROSS JOIN LATERAL (
                SELECT make_interval(mins => (30 + power(random(), 3) * 60 * 40 + 0 * f.id)::int) AS delay
            ) contact
            CROSS JOIN LATERAL (
                SELECT make_interval(mins => (60 + random() * 60 * 24 * 4 + 0 * f.id)::int) AS delay
            ) fix
            WHERE f.confirmed_category_id IS NOT NULL AND f.team_id IS NOT NULL AND f.received_at < %(live)s
              AND ((f.scale = %(nps)s AND f.score <= %(nps_detractor_max)s)
                   OR (f.scale = %(csat)s AND f.score <= %(csat_detractor_max)s))
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 (table names from the models; values are parameters)
            {
                "kind": kind.pk,
                "policy": policy.pk,
                "closed": CaseStatus.CLOSED,
                "agent": Role.AGENT,
                "live": end - timedelta(days=live_days),
                "nps": Scale.NPS.value,
                "nps_detractor_max": DETRACTOR_MAX,
                "csat": Scale.CSAT.value,
                "csat_detractor_max": CSAT_DETRACTOR_MAX,
            },
        )
        return cursor.rowcount
