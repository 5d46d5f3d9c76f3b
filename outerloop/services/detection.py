"""Finding recurring root causes: a category's share of feedback, tested for a rise, one run at a time.

A mention is one feedback row about a category: its confirmed category (or a suggested one the
classifier is sure of), or the root cause coded on a case opened for it. The two sources are
unioned and de-duplicated per (feedback, category), so a case coded with the same category the
feedback already carried counts once. Feedback whose case a person judged "customer not a fit"
(#18, item 9) is no mention at all: it is left out, not weighed down (_not_a_fit_cte).

The model. A cell is a category x journey stage (the signal's key). What could have mentioned the
category is the feedback of the same journey stage, touchpoint, source and team (a stratum). The
question is whether the category's *share* of that feedback rose in the recent window (28 days)
against the baseline before it (84 days), stratum by stratum: more feedback alone (Black Friday,
the December peak, a campaign, a new survey channel) raises the mentions and the volume alike
and is never a signal; a higher share at the same volume is. The test is the exact conditional
Mantel-Haenszel test of cxloop.core.share_test (one-sided), and its rate ratio is the window's
mentions over what the baseline's share predicts at the window's volume (indirect
standardisation). All the cells of one run are then adjusted together by Benjamini-Hochberg, so
adding categories does not add false signals: a cell rises when its q-value is at most
`false_discovery_rate`, and, so that a large flat category drifting by a few per cent is not a
"signal" because it is large, its ratio is at least `min_ratio` on at least `min_count` mentions.

Across silos. A root cause is the committee's (a signal) when it rises in at least `min_teams`
teams and `min_departments` departments across its journey stages: a team rises when its own
mentions (at least `min_team_count`) reach `min_ratio` times what its own baseline share predicts.
A rise in fewer teams is a learning item for that team's next huddle (outerloop.services.signals).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection
from django.utils import timezone

from cxloop.core.share_test import benjamini_hochberg, share_rise
from cxloop.org.models import Team
from feedback.models import Category, Customer, Feedback, JourneyStage
from feedback.models.record import MENTION_CONFIDENCE
from innerloop.models import Case

# A mention (feedback.models.record.mention_q) written in SQL here, with the same confidence.
CONFIDENT_SUGGESTION = MENTION_CONFIDENCE


@dataclass(frozen=True)
class DetectionParams:
    window_days: int = 28
    baseline_days: int = 84
    # Benjamini-Hochberg level over all cells of one run.
    false_discovery_rate: float = 0.001
    min_ratio: float = 1.5
    min_count: int = 8
    # A root cause is the committee's when it rises in this many teams (across its journey stages)
    # and departments; a rise in fewer is a learning item for the team's huddle.
    min_teams: int = 2
    min_departments: int = 1
    # A team counts as rising with at least this many recent mentions of its own.
    min_team_count: int = 3


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
    # Recent mentions in strata that had baseline feedback, and what the baseline's share predicts.
    compared: int
    expected: float
    ratio: float | None
    p_value: float
    q_value: float
    # The teams in which the share rose on its own (a cross-silo root cause rises in several):
    # team id -> (its recent mentions, what its baseline share predicts).
    rising_teams: dict[int, tuple[int, float]]

    def rising(self, params: DetectionParams) -> bool:
        return (
            self.compared >= params.min_count
            and self.q_value <= params.false_discovery_rate
            and (self.ratio is None or self.ratio >= params.min_ratio)
        )


def _mentions_cte() -> str:
    """A row per feedback and category it mentions: its own (or a sure suggestion), its case's root cause."""
    feedback = Feedback._meta.db_table
    case = Case._meta.db_table
    return f"""mentions AS (
        SELECT f.id AS feedback_id,
               COALESCE(f.confirmed_category_id,
                        CASE WHEN f.suggested_confidence >= %(confident)s THEN f.suggested_category_id END)
                   AS category_id,
               f.journey_stage_id, f.touchpoint_id, f.source_id, f.team_id AS stratum_team, f.occurred_at,
               f.customer_id, f.team_id, FALSE AS from_case
        FROM {feedback} f
        WHERE f.occurred_at >= %(baseline_start)s AND f.occurred_at < %(end)s
          AND (f.confirmed_category_id IS NOT NULL
               OR (f.suggested_category_id IS NOT NULL AND f.suggested_confidence >= %(confident)s))
          AND f.id NOT IN (SELECT feedback_id FROM not_a_fit)
        UNION ALL
        SELECT f.id, c.root_cause_id, f.journey_stage_id, f.touchpoint_id, f.source_id, f.team_id,
               f.occurred_at, COALESCE(c.customer_id, f.customer_id), c.team_id, TRUE
        FROM {case} c JOIN {feedback} f ON f.id = c.feedback_id
        WHERE c.root_cause_id IS NOT NULL
          AND f.occurred_at >= %(baseline_start)s AND f.occurred_at < %(end)s
          AND f.id NOT IN (SELECT feedback_id FROM not_a_fit)
    )"""  # noqa: S608


def _not_a_fit_cte() -> str:
    """The feedback a person judged "customer not a fit" on its case (innerloop.both_sides.NOT_A_FIT):
    left out of the mentions, kept in the volume (it still is feedback that could have mentioned the
    category), so such a complaint neither raises a share nor stands behind a signal."""
    case = Case._meta.db_table
    return f"""not_a_fit AS (
        SELECT DISTINCT feedback_id FROM {case} WHERE disposition <> ''
    )"""  # noqa: S608


def _per_feedback_cte() -> str:
    """The mentions counted once per (feedback, category), with whether they fall in the recent window."""
    return """per_feedback AS (
        SELECT feedback_id, category_id, journey_stage_id, touchpoint_id, source_id, stratum_team,
               occurred_at, MIN(customer_id) AS customer_id, MIN(team_id) AS team_id,
               BOOL_OR(from_case) AS from_case, BOOL_AND(from_case) AS only_case,
               occurred_at >= %(recent_start)s AS recent
        FROM mentions
        GROUP BY feedback_id, category_id, journey_stage_id, touchpoint_id, source_id, stratum_team,
                 occurred_at
    )"""


def _volume_cte() -> str:
    """The feedback of each stratum (journey stage x touchpoint x source x team), in window and baseline."""
    feedback = Feedback._meta.db_table
    return f"""volume AS (
        SELECT COALESCE(journey_stage_id, 0) AS stage, COALESCE(touchpoint_id, 0) AS touchpoint, source_id,
               COALESCE(team_id, 0) AS team,
               COUNT(*) FILTER (WHERE occurred_at >= %(recent_start)s) AS recent,
               COUNT(*) FILTER (WHERE occurred_at < %(recent_start)s) AS baseline
        FROM {feedback}
        WHERE occurred_at >= %(baseline_start)s AND occurred_at < %(end)s
        GROUP BY 1, 2, 3, 4
    )"""  # noqa: S608


def _strata_cte() -> str:
    """Each cell's mentions per stratum, in the window and the baseline."""
    return """strata AS (
        SELECT category_id, journey_stage_id, COALESCE(touchpoint_id, 0) AS touchpoint, source_id,
               COALESCE(stratum_team, 0) AS team,
               COUNT(*) FILTER (WHERE recent) AS recent, COUNT(*) FILTER (WHERE NOT recent) AS baseline
        FROM per_feedback
        GROUP BY 1, 2, 3, 4, 5
    )"""


def _strata_by_cell_cte() -> str:
    """Per cell, its strata's mentions and volumes as arrays, in one order (what the share test reads)."""
    return """strata_by_cell AS (
        SELECT s.category_id, s.journey_stage_id,
               ARRAY_AGG(s.recent ORDER BY s.touchpoint, s.source_id, s.team) AS recent,
               ARRAY_AGG(s.baseline ORDER BY s.touchpoint, s.source_id, s.team) AS baseline,
               ARRAY_AGG(v.recent ORDER BY s.touchpoint, s.source_id, s.team) AS recent_volume,
               ARRAY_AGG(v.baseline ORDER BY s.touchpoint, s.source_id, s.team) AS baseline_volume,
               ARRAY_AGG(s.team ORDER BY s.touchpoint, s.source_id, s.team) AS teams
        FROM strata s
        JOIN volume v ON v.stage = COALESCE(s.journey_stage_id, 0) AND v.touchpoint = s.touchpoint
                     AND v.source_id = s.source_id AND v.team = s.team
        GROUP BY s.category_id, s.journey_stage_id
    )"""


def _cells_cte() -> str:
    """Per cell (category x journey stage): mentions, from cases and from feedback, teams and customers."""
    return """cells AS (
        SELECT category_id, journey_stage_id,
               COUNT(*) FILTER (WHERE recent) AS recent,
               COUNT(*) FILTER (WHERE NOT recent) AS baseline,
               COUNT(*) FILTER (WHERE recent AND from_case) AS cases,
               COUNT(*) FILTER (WHERE recent AND NOT only_case) AS feedback,
               COUNT(DISTINCT team_id) FILTER (WHERE recent) AS teams,
               COUNT(DISTINCT customer_id) FILTER (WHERE recent) AS customers
        FROM per_feedback
        GROUP BY category_id, journey_stage_id
    )"""


def _departments_cte() -> str:
    """Per cell, the departments of the teams with a recent mention."""
    team = Team._meta.db_table
    return f"""departments AS (
        SELECT p.category_id, p.journey_stage_id, ARRAY_AGG(DISTINCT t.department_id) AS ids
        FROM per_feedback p JOIN {team} t ON t.id = p.team_id
        WHERE p.recent
        GROUP BY p.category_id, p.journey_stage_id
    )"""  # noqa: S608


def _value_cte() -> str:
    """Per cell, the annual value of the customers with a recent mention."""
    customer = Customer._meta.db_table
    return f"""value AS (
        SELECT d.category_id, d.journey_stage_id, SUM(cu.annual_value) AS at_risk
        FROM (SELECT DISTINCT category_id, journey_stage_id, customer_id FROM per_feedback
              WHERE recent AND customer_id IS NOT NULL) d
        JOIN {customer} cu ON cu.id = d.customer_id
        GROUP BY d.category_id, d.journey_stage_id
    )"""  # noqa: S608


def _cells_select() -> str:
    """The cells with their strata, departments and value at risk, in a stable order."""
    return """
    SELECT c.category_id, c.journey_stage_id, c.recent, c.baseline, c.cases, c.feedback, c.teams,
           COALESCE(d.ids, ARRAY[]::integer[]), c.customers, COALESCE(v.at_risk, 0),
           s.recent, s.baseline, s.recent_volume, s.baseline_volume, s.teams
    FROM cells c
    JOIN strata_by_cell s
      ON s.category_id = c.category_id AND s.journey_stage_id IS NOT DISTINCT FROM c.journey_stage_id
    LEFT JOIN departments d
      ON d.category_id = c.category_id AND d.journey_stage_id IS NOT DISTINCT FROM c.journey_stage_id
    LEFT JOIN value v
      ON v.category_id = c.category_id AND v.journey_stage_id IS NOT DISTINCT FROM c.journey_stage_id
    ORDER BY c.category_id, c.journey_stage_id NULLS FIRST
    """


def _sql() -> str:
    """The one query of a run: its CTEs, each built by its own function, then the cells' select.

    Table names come from the models; every value is a parameter. A stratum is journey stage x
    touchpoint x source x team (the feedback's); COALESCE(..., 0) makes the NULL ones join (ids
    start at 1).
    """
    ctes = (
        _not_a_fit_cte(),
        _mentions_cte(),
        _per_feedback_cte(),
        _volume_cte(),
        _strata_cte(),
        _strata_by_cell_cte(),
        _cells_cte(),
        _departments_cte(),
        _value_cte(),
    )
    return "\n    WITH " + ",\n    ".join(ctes) + _cells_select()


def cells_count(*, end: datetime | None = None, params: DetectionParams = DEFAULT_PARAMS) -> list[Cell]:
    """Every category x journey stage mentioned in the baseline or the window, counted and tested.

    The q-values are adjusted over all the cells returned (one run), so `Cell.rising` can compare
    them with the false-discovery rate directly.
    """
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
    tests = [
        share_rise(recent=row[10], baseline=row[11], recent_volume=row[12], baseline_volume=row[13])
        for row in rows
    ]
    q_values = benjamini_hochberg(np.array([test.p_value for test in tests]))
    teams = [_rising_teams(row, params) for row in rows]
    return [
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
            compared=test.observed,
            expected=test.expected,
            ratio=test.ratio,
            p_value=test.p_value,
            q_value=float(q_value),
            rising_teams=rising_teams,
        )
        for row, test, q_value, rising_teams in zip(rows, tests, q_values, teams, strict=True)
    ]


def _rising_teams(row, params: DetectionParams) -> dict[int, tuple[int, float]]:
    """The teams whose own share of the cell rose: at least `min_team_count` recent mentions, and at
    least `min_ratio` times what their baseline share predicts at their volume (or not seen before)."""
    observed: dict[int, int] = {}
    expected: dict[int, float] = {}
    for a, b, n1, n0, team in zip(row[10], row[11], row[12], row[13], row[14], strict=True):
        if team == 0 or n1 == 0 or n0 == 0:
            continue  # no team to tell, or no period to compare with
        observed[team] = observed.get(team, 0) + a
        expected[team] = expected.get(team, 0.0) + b * n1 / n0
    return {
        team: (count, expected[team])
        for team, count in sorted(observed.items())
        if count >= params.min_team_count and count >= params.min_ratio * expected[team]
    }


def cell_title(*, category: Category, stage: JourneyStage | None) -> str:
    return f"{category} · {stage.name if stage else 'any stage'}"
