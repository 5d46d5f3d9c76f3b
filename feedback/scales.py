"""The one home of each scale's cut-offs: who is a promoter, a passive, a detractor, who is satisfied.

Every query, selector, summary and rule reads these (never a literal 9, 6 or 4 of its own), so
that a change of definition is one edit. The rollup triggers (migration 0005_rollup) keep the
same cut-offs in SQL: tests/feedback/test_one_home.py pins the database's functions to these
constants, and checks that no other Python module writes a cut-off.

Imports nothing of the app's models (record.py imports this), so the scale values are spelled
here as strings: they are `feedback.models.Scale`'s values.
"""

from django.db.models import Count, Q

NPS, CSAT, CES = "nps", "csat", "ces"

# NPS (0-10): promoters 9-10, passives 7-8, detractors 0-6.
PROMOTER_MIN = 9
PASSIVE_MIN = 7
DETRACTOR_MAX = PASSIVE_MIN - 1
# CSAT (1-5): 4 and 5 are satisfied; 1 and 2 are the scale's detractors.
CSAT_SATISFIED_MIN = 4
CSAT_DETRACTOR_MAX = 2
# CES (1-7): 1 and 2, the most effort, are the scale's detractors.
CES_DETRACTOR_MAX = 2

# The detractor side of each scale: feedback that must reach a person whatever the rules say.
DETRACTOR_MAX_BY_SCALE = {NPS: DETRACTOR_MAX, CSAT: CSAT_DETRACTOR_MAX, CES: CES_DETRACTOR_MAX}

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"


def nps_bucket(score: int | None) -> str | None:
    """ "promoter", "passive" or "detractor" for an NPS score (None for none)."""
    if score is None:
        return None
    if score >= PROMOTER_MIN:
        return PROMOTER
    return PASSIVE if score >= PASSIVE_MIN else DETRACTOR


def is_detractor(*, scale: str | None, score: int | None) -> bool:
    """A score on the detractor side of its scale (NPS 0-6, CSAT 1-2, CES 1-2)."""
    if score is None or scale not in DETRACTOR_MAX_BY_SCALE:
        return False
    return score <= DETRACTOR_MAX_BY_SCALE[scale]


# --- Q builders: `prefix` reaches the feedback through a relation ("feedback__", "cases__feedback__") ---


def nps_q(prefix: str = "") -> Q:
    """Scored NPS feedback."""
    return Q(**{f"{prefix}scale": NPS, f"{prefix}score__isnull": False})


def promoter_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}scale": NPS, f"{prefix}score__gte": PROMOTER_MIN})


def passive_q(prefix: str = "") -> Q:
    between = {f"{prefix}score__gte": PASSIVE_MIN, f"{prefix}score__lt": PROMOTER_MIN}
    return Q(**{f"{prefix}scale": NPS}, **between)


def detractor_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}scale": NPS, f"{prefix}score__lte": DETRACTOR_MAX})


def satisfied_q(prefix: str = "") -> Q:
    """CSAT feedback whose customer was satisfied (4 or 5)."""
    return Q(**{f"{prefix}scale": CSAT, f"{prefix}score__gte": CSAT_SATISFIED_MIN})


# --- aggregates ---


def nps_group_counts(prefix: str = "") -> dict[str, Count]:
    """Promoters, passives and detractors as aggregates, for .aggregate() or .annotate()."""
    return {
        "promoters": Count("id", filter=promoter_q(prefix)),
        "passives": Count("id", filter=passive_q(prefix)),
        "detractors": Count("id", filter=detractor_q(prefix)),
    }


def nps_counts(prefix: str = "") -> dict[str, Count]:
    """n (scored NPS feedback), promoters, passives and detractors as aggregates."""
    return {"n": Count("id", filter=nps_q(prefix)), **nps_group_counts(prefix)}
