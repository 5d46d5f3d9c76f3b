"""The rounds of an employee survey: each sending names its round ("2026-05"), and each person is
invited once per round, by the transaction id f"{survey slug}:{round}:{user id}". The answers carry
their round (metadata["round"], feedback.surveys.answers), and results are shown one round at a
time: rounds hold disjoint sets of answers, so no two views can be subtracted to isolate a few
people, as overlapping periods ("the last 30 days" less "the last 90 days") could.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, F, Func, Min, QuerySet, Value

from feedback.models import Survey, SurveyInvitation

# A round's name: no ":" (it separates the parts of the transaction id), short, readable.
ROUND_NAME = re.compile(r"^[-A-Za-z0-9_.]{1,40}$")


@dataclass(frozen=True)
class Round:
    """One round: its name, when its first invitation was made, and when the next round began
    (None for the newest)."""

    name: str
    started: datetime
    ended: datetime | None = None


def round_transaction_id(*, survey: Survey, run: str, employee_id: int) -> str:
    return f"{survey.slug}:{run}:{employee_id}"


def _round_name() -> Func:
    # Slugs have no ":", nor have round names (ROUND_NAME): the middle part is the round.
    return Func(F("transaction_id"), Value(":"), Value(2), function="split_part", output_field=CharField())


def survey_rounds(*, survey: Survey) -> list[Round]:
    """The survey's rounds, newest first: the distinct rounds of its employees' invitations."""
    rows = (
        SurveyInvitation.objects.filter(
            survey=survey, employee__isnull=False, transaction_id__startswith=f"{survey.slug}:"
        )
        .annotate(round_name=_round_name())
        .order_by()
        .values("round_name")
        .annotate(started=Min("created_at"))
        .order_by("-started", "-round_name")
    )
    rounds: list[Round] = []
    for row in rows:
        if row["round_name"]:
            ended = rounds[-1].started if rounds else None
            rounds.append(Round(name=row["round_name"], started=row["started"], ended=ended))
    return rounds


def round_invitations(
    invitations: QuerySet[SurveyInvitation], *, survey: Survey, name: str
) -> QuerySet[SurveyInvitation]:
    """The invitations of one round of `survey`."""
    return invitations.filter(transaction_id__startswith=f"{survey.slug}:{name}:")
