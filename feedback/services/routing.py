"""Where triage sent each item: the feedback app writes its own rows, triage only decides."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from cxloop.core.bulk import typed_values
from feedback.models import Feedback


@dataclass(frozen=True)
class TriageMark:
    """An item's triage outcome: its result for people to read, and the team its case went to."""

    feedback_id: int
    result: dict[str, Any]
    team_id: int | None


_MARK_SQL = f"""
    UPDATE {Feedback._meta.db_table} AS f
    SET triaged_at = %s, triage_result = v.result, team_id = COALESCE(f.team_id, v.team)
    FROM (VALUES {{rows}}) AS v(id, result, team)
    WHERE f.id = v.id
"""  # noqa: S608 (the table name is the model's; every value is a parameter)
_MARK_TYPES = ("bigint", "jsonb", "bigint")


def feedback_record_triage(*, marks: list[TriageMark], now: datetime) -> None:
    """Mark the items triaged, with their results, in one statement; an item that came with no team
    takes its case's team, so the people working the case read it and its team's numbers count it.

    Runs in the caller's transaction, the one that holds the items' rows (triage claims them with
    FOR UPDATE SKIP LOCKED).
    """
    if not marks:
        return
    rows = [(mark.feedback_id, json.dumps(mark.result), mark.team_id) for mark in marks]
    values, params = typed_values(rows, _MARK_TYPES)
    with connection.cursor() as cursor:
        cursor.execute(_MARK_SQL.format(rows=values), [now, *params])
