"""Reads for pilots: each unit's profile in the baseline period, controls ranked by likeness to the
pilot arm, and the counts of an arm in a period (what the difference-in-differences is made of).

A unit is a team (a store) or a touchpoint, by the pilot's dimension. Likeness, in the baseline:

    distance = |ln(n_unit / n_pilot_per_unit)|             volume (a doubling costs 0.69)
             + |NPS_unit - NPS_pilot| / 10                  NPS (10 points cost 1)
             + mean over the mixes of the total variation distance between the shares
                                                            (channel and segment for teams,
                                                             channel and journey stage for touchpoints;
                                                             0 = the same mix, 1 = nothing in common)

The smallest distance ranks first; each suggestion says in words how it matches.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxloop.org.scoping import teams_visible_to
from feedback import scales
from feedback.metrics.counts import Counts
from feedback.models import Feedback, Touchpoint, employee_sources

from .models import Pilot, PilotArm, PilotDimension

# The mixes a unit's feedback is compared on, per dimension: (Feedback lookup, words).
MIXES: dict[str, tuple[tuple[str, Any], ...]] = {
    PilotDimension.TEAM: (
        ("source__kind", gettext_lazy("channel")),
        ("customer__segment", gettext_lazy("segment")),
    ),
    PilotDimension.TOUCHPOINT: (
        ("source__kind", gettext_lazy("channel")),
        ("journey_stage__slug", gettext_lazy("journey stage")),
    ),
}
UNIT_FIELD: dict[str, str] = {PilotDimension.TEAM: "team_id", PilotDimension.TOUCHPOINT: "touchpoint_id"}
NPS_POINTS_PER_UNIT = 10.0
SUGGESTIONS = 5


@dataclass
class Profile:
    """One unit's (or one arm's) NPS feedback in the baseline: counts and its mixes."""

    counts: Counts = field(default_factory=Counts)
    mixes: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))

    @property
    def nps(self) -> float | None:
        c = self.counts
        return 100 * (c.promoters - c.detractors) / c.n if c.n else None

    def add(self, other: "Profile") -> None:
        self.counts = self.counts + other.counts
        for mix, shares in other.mixes.items():
            for key, n in shares.items():
                self.mixes[mix][key] = self.mixes[mix].get(key, 0) + n


@dataclass(frozen=True)
class Suggestion:
    unit: Any  # a Team or a Touchpoint
    distance: float
    n: int
    nps: float | None
    explanation: str


def _scored(dimension: str) -> QuerySet[Feedback]:
    """Customers' scored NPS feedback placed on a unit of `dimension` (employees' eNPS left out)."""
    return Feedback.objects.filter(scales.nps_q(), **{f"{UNIT_FIELD[dimension]}__isnull": False}).exclude(
        source__in=employee_sources()
    )


def unit_profiles(
    *, dimension: str, start: datetime, end: datetime, unit_ids: Iterable[int] | None = None
) -> dict[int, Profile]:
    """Each unit's baseline profile, in one query per mix."""
    unit = UNIT_FIELD[dimension]
    rows = _scored(dimension).filter(occurred_at__gte=start, occurred_at__lt=end)
    if unit_ids is not None:
        rows = rows.filter(**{f"{unit}__in": list(unit_ids)})
    profiles: dict[int, Profile] = defaultdict(Profile)
    for lookup, _words in MIXES[dimension]:
        grouped = rows.values(unit, lookup).annotate(n=Count("id"), **scales.nps_group_counts())
        for row in grouped.order_by():
            profile = profiles[row[unit]]
            key = row[lookup] or ""
            profile.mixes[lookup][key] = profile.mixes[lookup].get(key, 0) + row["n"]
            if lookup == MIXES[dimension][0][0]:  # count the unit once, on its first mix
                profile.counts = profile.counts + Counts(
                    row["n"], row["promoters"], row["passives"], row["detractors"]
                )
    return dict(profiles)


def _mix_gap(a: dict[str, int], b: dict[str, int]) -> float:
    """Total variation distance between two mixes' shares: 0 the same, 1 nothing in common."""
    total_a, total_b = sum(a.values()), sum(b.values())
    if not total_a or not total_b:
        return 1.0
    keys = set(a) | set(b)
    return 0.5 * sum(abs(a.get(k, 0) / total_a - b.get(k, 0) / total_b) for k in keys)


def _distance(candidate: Profile, arm: Profile, *, arm_units: int, dimension: str) -> tuple[float, dict]:
    per_unit = arm.counts.n / max(arm_units, 1)
    volume = abs(math.log(candidate.counts.n / per_unit)) if per_unit and candidate.counts.n else 5.0
    nps_c, nps_a = candidate.nps, arm.nps
    nps_gap = abs(nps_c - nps_a) / NPS_POINTS_PER_UNIT if nps_c is not None and nps_a is not None else 5.0
    gaps = [
        _mix_gap(candidate.mixes.get(lookup, {}), arm.mixes.get(lookup, {}))
        for lookup, _w in MIXES[dimension]
    ]
    mix = sum(gaps) / len(gaps)
    return volume + nps_gap + mix, {"per_unit": per_unit, "mix_alike": 1 - mix}


def _explain(candidate: Profile, arm: Profile, parts: dict, dimension: str) -> str:
    mixes = _(" and ").join(str(words) for _lookup, words in MIXES[dimension])
    return _(
        "%(n)s responses in the baseline against %(per_unit)s per pilot unit; NPS %(nps)s against "
        "the pilot's %(arm_nps)s; %(mixes)s mix %(alike)s%% alike."
    ) % {
        "n": candidate.counts.n,
        "per_unit": round(parts["per_unit"]),
        "nps": _signed(candidate.nps),
        "arm_nps": _signed(arm.nps),
        "mixes": mixes,
        "alike": round(100 * parts["mix_alike"]),
    }


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}"


def candidate_units(*, dimension: str, user) -> QuerySet:
    """Units the user may put in a pilot: the teams they see, or every touchpoint."""
    if dimension == PilotDimension.TEAM:
        return teams_visible_to(user=user).order_by("department__name", "name")
    return Touchpoint.objects.order_by("name")


def controls_suggest(*, pilot: Pilot, user, limit: int = SUGGESTIONS) -> list[Suggestion]:
    """Units not in the pilot, most alike to its pilot arm in the baseline first, with the reason."""
    pilot_ids = set(pilot_unit_ids(pilot=pilot, arm=PilotArm.PILOT))
    control_ids = set(pilot_unit_ids(pilot=pilot, arm=PilotArm.CONTROL))
    candidates = {
        u.pk: u
        for u in candidate_units(dimension=pilot.dimension, user=user)
        if u.pk not in pilot_ids | control_ids
    }
    profiles = unit_profiles(
        dimension=pilot.dimension, start=pilot.baseline_start, end=pilot.baseline_end,
        unit_ids=pilot_ids | set(candidates),
    )  # fmt: skip
    arm = Profile()
    for unit_id in pilot_ids:
        arm.add(profiles.get(unit_id, Profile()))
    ranked = []
    for unit_id, unit in candidates.items():
        profile = profiles.get(unit_id)
        if profile is None or not profile.counts.n or not arm.counts.n:
            continue
        distance, parts = _distance(profile, arm, arm_units=len(pilot_ids), dimension=pilot.dimension)
        explanation = _explain(profile, arm, parts, pilot.dimension)
        ranked.append(Suggestion(unit, round(distance, 3), profile.counts.n, profile.nps, explanation))
    ranked.sort(key=lambda s: (s.distance, s.unit.pk))
    return ranked[:limit]


def pilot_unit_ids(*, pilot: Pilot, arm: str) -> list[int]:
    column = "team_id" if pilot.dimension == PilotDimension.TEAM else "touchpoint_id"
    return [pk for pk in pilot.units.filter(arm=arm).values_list(column, flat=True) if pk is not None]


def arm_counts(*, pilot: Pilot, arm: str, start: datetime, end: datetime) -> Counts:
    """The arm's customers' NPS counts in [start, end)."""
    unit = UNIT_FIELD[pilot.dimension]
    rows = _scored(pilot.dimension).filter(
        Q(**{f"{unit}__in": pilot_unit_ids(pilot=pilot, arm=arm)}),
        occurred_at__gte=start,
        occurred_at__lt=end,
    )
    counts = rows.aggregate(n=Count("id"), **scales.nps_group_counts())
    return Counts(counts["n"], counts["promoters"], counts["passives"], counts["detractors"])
