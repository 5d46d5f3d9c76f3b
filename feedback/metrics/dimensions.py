"""The dimensions a metric is grouped by: how each reads on the rollup and raw paths, and how the
groups found are named and put in display order.
"""

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import NamedTuple

from django.db.models import F, Func, Model, Value
from django.db.models.fields import DateField
from django.db.models.functions import Coalesce

from cxloop.org.models import Department, Team
from feedback.models import JourneyStage, SourceKind, Touchpoint

from .counts import Counts

TIME_DIMENSIONS = ("week", "month")
# What the metrics API offers to group by.
DIMENSIONS = ("week", "month", "touchpoint", "journey_stage", "channel", "segment", "team")


@dataclass(frozen=True)
class Dimension:
    """How one group_by value reads on each path, and where its slugs and names come from.

    Groups are formed on ids (no join per rollup row); a model's slugs and names are then read
    in one small query for the ids found.
    """

    rollup_key: object
    raw_key: object
    model: type[Model] | None = None
    order: str = "name"
    # On FeedbackPeriodRollup rows of this dimension's own grain, the bucket is the row's `start`.
    period_key: object = None

    def key(self, source: str):
        if source == "raw":
            return self.raw_key
        if source == "period" and self.period_key is not None:
            return self.period_key
        return self.rollup_key


class _DayTrunc(Func):
    """DATE_TRUNC to a date: the first day of the week (Monday) or month of a date, or of a UTC moment.

    Cast back to a date in SQL, so rows arrive as dates with no per-row conversion in Python.
    """

    output_field = DateField()

    def __init__(self, expression, *, kind: str, moment: bool = False):
        if kind not in ("week", "month"):  # part of the SQL text: never anything else
            raise ValueError(kind)
        day = "(%(expressions)s AT TIME ZONE 'UTC')" if moment else "%(expressions)s::timestamp"
        super().__init__(expression, template=f"DATE_TRUNC('{kind}', {day})::date")


DIMENSION_SPECS = {
    "week": Dimension(
        _DayTrunc(F("day"), kind="week"),
        _DayTrunc(F("occurred_at"), kind="week", moment=True),
        period_key=F("start"),
    ),
    "month": Dimension(
        _DayTrunc(F("day"), kind="month"),
        _DayTrunc(F("occurred_at"), kind="month", moment=True),
        period_key=F("start"),
    ),
    "touchpoint": Dimension(F("touchpoint_id"), F("touchpoint_id"), model=Touchpoint),
    "journey_stage": Dimension(
        F("journey_stage_id"), F("journey_stage_id"), model=JourneyStage, order="position"
    ),
    "channel": Dimension(F("source__kind"), F("source__kind")),
    "segment": Dimension(F("segment"), Coalesce(F("customer__segment"), Value(""))),
    "team": Dimension(F("team_id"), F("team_id"), model=Team),
    # Not offered by the metrics API (DIMENSIONS): the organisation's dashboard groups by it.
    "department": Dimension(F("team__department_id"), F("team__department_id"), model=Department),
}
CHANNEL_LABELS = dict(SourceKind.choices)


class Group(NamedTuple):
    """One group: its key (dates, ids, values), the key shown and its labels, the counts.

    `shown` and `labels` map each group_by dimension to the value's slug (or date, or value) and
    its name: the contract's `group` and `labels` objects as they are.
    """

    key: tuple
    shown: dict
    labels: dict
    counts: Counts


def _names(dimension: str, keys: set) -> dict:
    """key -> (key shown, label, sort value) for the keys of one dimension."""
    spec = DIMENSION_SPECS[dimension]
    if spec.model is not None:
        rows = spec.model._default_manager.filter(pk__in=keys).values_list("pk", "slug", "name", spec.order)
        return {pk: (slug, name, order) for pk, slug, name, order in rows}
    if dimension == "channel":
        return {key: (key, CHANNEL_LABELS.get(key, key), CHANNEL_LABELS.get(key, key)) for key in keys}
    shown = {key: key.isoformat() if isinstance(key, date) else key for key in keys}
    return {key: (shown[key], shown[key], shown[key]) for key in keys}


def key_columns(group_by: tuple[str, ...], source: str) -> dict:
    return {f"key_{i}": DIMENSION_SPECS[name].key(source) for i, name in enumerate(group_by)}


def named_groups(found: dict[tuple, tuple], *, group_by: tuple[str, ...]) -> list[Group]:
    """Groups with their slugs, labels and display order; groups with no responses are left out.

    Written for speed: it runs once per group, and a report can have thousands. Groups are put
    in order by one integer each (the ranks of their values), then built in that order.
    """
    found = {key: counters for key, counters in found.items() if counters[0]}
    # key value -> (shown, label, rank) per dimension: the rank is the value's place in display
    # order; None sorts last.
    names = []
    for i, dimension in enumerate(group_by):
        named = _names(dimension, {key[i] for key in found} - {None})
        in_order = sorted(named, key=lambda value: (named[value][2], str(named[value][0])))
        entries = {value: (named[value][0], named[value][1], rank) for rank, value in enumerate(in_order)}
        entries[None] = (None, None, len(entries))
        names.append(entries)

    def rank(key: tuple) -> int:
        place = 0
        for entries, value in zip(names, key, strict=True):
            place = place * len(entries) + entries[value][2]
        return place

    counts = partial(tuple.__new__, Counts)  # the row is already a tuple of the counters
    if len(group_by) == 1:
        ((dimension,), (first,)) = group_by, names
        ordered = sorted(found, key=lambda key: first[key[0]][2])
        return [
            Group(key, {dimension: entry[0]}, {dimension: entry[1]}, counts(found[key]))
            for key in ordered
            for entry in (first[key[0]],)
        ]
    if len(group_by) == 2:
        ((one_name, two_name), (first, second)) = group_by, names
        size = len(second)
        ordered = sorted(found, key=lambda key: first[key[0]][2] * size + second[key[1]][2])
        return [
            Group(
                key,
                {one_name: one[0], two_name: two[0]},
                {one_name: one[1], two_name: two[1]},
                counts(found[key]),
            )
            for key in ordered
            for one, two in ((first[key[0]], second[key[1]]),)
        ]
    groups = []
    for key in sorted(found, key=rank):
        row = [names[i][value] for i, value in enumerate(key)]
        shown = {dimension: entry[0] for dimension, entry in zip(group_by, row, strict=True)}
        labels = {dimension: entry[1] for dimension, entry in zip(group_by, row, strict=True)}
        groups.append(Group(key, shown, labels, counts(found[key])))
    return groups
