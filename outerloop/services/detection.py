"""Finding recurring root causes: counts per category x journey stage in SQL, a rate test in numpy.

A mention is one feedback row about a category: its confirmed category (or a suggested one the
classifier is sure of), or the root cause coded on a case opened for it. The two sources are
unioned and de-duplicated per (feedback, category), so a case coded with the same category the
feedback already carried counts once.

The test: with k mentions in the recent window of W days and b in the baseline of B days before
it, under "no change" each of the k + b mentions falls in the window with probability W / (W + B),
so k ~ Binomial(k + b, W / (W + B)) given k + b (the exact conditional test of two Poisson rates,
Przyborowski & Wilenski 1940). The one-sided p-value is P(K >= k). A signal also needs a rate
ratio of at least `min_ratio` and `min_count` recent mentions, so that a large, flat category
whose rate drifts by a few per cent is not "significant" just because it is large.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection
from django.utils import timezone
from scipy import stats

from cxloop.org.models import Team
from feedback.models import Category, Customer, Feedback, JourneyStage
from innerloop.models import Case

CONFIDENT_SUGGESTION = 0.8


@dataclass(frozen=True)
class DetectionParams:
    window_days: int = 28
    baseline_days: int = 84
    alpha: float = 0.001
    min_ratio: float = 1.5
    min_count: int = 8


DEFAULT_PARAMS = DetectionParams()


@dataclass(frozen=True)
class Cell:
    """The counts and test of one category x journey stage."""

    category_id: int
    journey_stage_id: int | None
    recent: int
    baseline: int
    case_count: int
    feedback_count: int
    teams: int
    department_ids: list[int]
    customers: int
    value_at_risk: Decimal
    expected: float
    ratio: float | None
    p_value: float

    def rising(self, params: DetectionParams) -> bool:
        return (
            self.recent >= params.min_count
            and self.p_value < params.alpha
            and (self.ratio is None or self.ratio >= params.min_ratio)
        )


def _sql() -> str:
    feedback = Feedback._meta.db_table
    case = Case._meta.db_table
    customer = Customer._meta.db_table
    team = Team._meta.db_table
    # Table names come from the models; every value is a parameter.
    return f"""
    WITH mentions AS (
        SELECT f.id AS feedback_id,
               COALESCE(f.confirmed_category_id,
                        CASE WHEN f.suggested_confidence >= %(confident)s THEN f.suggested_category_id END)
                   AS category_id,
               f.journey_stage_id, f.occurred_at, f.customer_id, f.team_id, FALSE AS from_case
        FROM {feedback} f
        WHERE f.occurred_at >= %(baseline_start)s AND f.occurred_at < %(end)s
          AND (f.confirmed_category_id IS NOT NULL
               OR (f.suggested_category_id IS NOT NULL AND f.suggested_confidence >= %(confident)s))
        UNION ALL
        SELECT f.id, c.root_cause_id, f.journey_stage_id, f.occurred_at,
               COALESCE(c.customer_id, f.customer_id), c.team_id, TRUE
        FROM {case} c JOIN {feedback} f ON f.id = c.feedback_id
        WHERE c.root_cause_id IS NOT NULL
          AND f.occurred_at >= %(baseline_start)s AND f.occurred_at < %(end)s
    ),
    per_feedback AS (
        SELECT feedback_id, category_id, journey_stage_id,
               MIN(occurred_at) AS occurred_at, MIN(customer_id) AS customer_id,
               MIN(team_id) AS team_id, BOOL_OR(from_case) AS from_case, BOOL_AND(from_case) AS only_case
        FROM mentions
        GROUP BY feedback_id, category_id, journey_stage_id
    ),
    cells AS (
        SELECT category_id, journey_stage_id,
               COUNT(*) FILTER (WHERE occurred_at >= %(recent_start)s) AS recent,
               COUNT(*) FILTER (WHERE occurred_at < %(recent_start)s) AS baseline,
               COUNT(*) FILTER (WHERE occurred_at >= %(recent_start)s AND from_case) AS cases,
               COUNT(*) FILTER (WHERE occurred_at >= %(recent_start)s AND NOT only_case) AS feedback,
               COUNT(DISTINCT team_id) FILTER (WHERE occurred_at >= %(recent_start)s) AS teams,
               COUNT(DISTINCT customer_id) FILTER (WHERE occurred_at >= %(recent_start)s) AS customers
        FROM per_feedback
        GROUP BY category_id, journey_stage_id
    ),
    departments AS (
        SELECT p.category_id, p.journey_stage_id, ARRAY_AGG(DISTINCT t.department_id) AS ids
        FROM per_feedback p JOIN {team} t ON t.id = p.team_id
        WHERE p.occurred_at >= %(recent_start)s
        GROUP BY p.category_id, p.journey_stage_id
    ),
    value AS (
        SELECT d.category_id, d.journey_stage_id, SUM(cu.annual_value) AS at_risk
        FROM (SELECT DISTINCT category_id, journey_stage_id, customer_id FROM per_feedback
              WHERE occurred_at >= %(recent_start)s AND customer_id IS NOT NULL) d
        JOIN {customer} cu ON cu.id = d.customer_id
        GROUP BY d.category_id, d.journey_stage_id
    )
    SELECT c.category_id, c.journey_stage_id, c.recent, c.baseline, c.cases, c.feedback, c.teams,
           COALESCE(d.ids, ARRAY[]::integer[]), c.customers, COALESCE(v.at_risk, 0)
    FROM cells c
    LEFT JOIN departments d
      ON d.category_id = c.category_id AND d.journey_stage_id IS NOT DISTINCT FROM c.journey_stage_id
    LEFT JOIN value v
      ON v.category_id = c.category_id AND v.journey_stage_id IS NOT DISTINCT FROM c.journey_stage_id
    """  # noqa: S608


def cells_count(*, end: datetime | None = None, params: DetectionParams = DEFAULT_PARAMS) -> list[Cell]:
    """Every category x journey stage mentioned in the baseline or the window, counted and tested."""
    end = end or timezone.now()
    recent_start = end - timedelta(days=params.window_days)
    baseline_start = recent_start - timedelta(days=params.baseline_days)
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(),
            {
                "confident": CONFIDENT_SUGGESTION,
                "baseline_start": baseline_start,
                "recent_start": recent_start,
                "end": end,
            },
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    recent = np.array([row[2] for row in rows], dtype=np.int64)
    baseline = np.array([row[3] for row in rows], dtype=np.int64)
    share = params.window_days / (params.window_days + params.baseline_days)
    # P(K >= k) for K ~ Binomial(k + b, share); sf(k - 1) is P(K > k - 1).
    p_values = stats.binom.sf(recent - 1, recent + baseline, share)
    expected = baseline * params.window_days / params.baseline_days
    cells = []
    for index, row in enumerate(rows):
        ratio = float(recent[index] / expected[index]) if expected[index] > 0 else None
        cells.append(
            Cell(
                category_id=row[0],
                journey_stage_id=row[1],
                recent=row[2],
                baseline=row[3],
                case_count=row[4],
                feedback_count=row[5],
                teams=row[6],
                department_ids=sorted(d for d in row[7] if d is not None),
                customers=row[8],
                value_at_risk=Decimal(row[9] or 0),
                expected=float(expected[index]),
                ratio=ratio,
                p_value=float(p_values[index]),
            )
        )
    return cells


def cell_title(*, category: Category, stage: JourneyStage | None) -> str:
    return f"{category} · {stage.name if stage else 'any stage'}"
