"""Demo customers: segments, skewed annual values, contact details and an owning team."""

import math
import random
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from cxloop.core.demo import FIRST_NAMES, LAST_NAMES
from feedback.models import Customer

from .vocabulary import (
    COMPANY_FORMS,
    COMPANY_STEMS,
    COMPANY_TRADES,
    CONSUMER_EMAIL_DOMAINS,
    PHONE_PREFIXES_LANDLINE,
    PHONE_PREFIXES_MOBILE,
    PUBLIC_BODIES,
)

EXTERNAL_ID_PREFIX = "NGH-"

# segment, share, median annual value (GBP), spread of log(value), owning teams with weights.
SEGMENTS = (
    (
        "consumer",
        0.80,
        350,
        1.0,
        (
            ("store-service", 45),
            ("contact-centre-leeds", 20),
            ("contact-centre-lisbon", 15),
            ("web-shop", 20),
        ),
    ),
    ("small_business", 0.10, 3_000, 0.9, (("business-accounts", 1),)),
    ("trade", 0.05, 5_000, 0.8, (("business-accounts", 1),)),
    ("enterprise", 0.03, 40_000, 1.0, (("business-accounts", 1),)),
    ("public_sector", 0.02, 15_000, 0.7, (("business-accounts", 1),)),
)
BUSINESS_SEGMENTS = frozenset({"small_business", "trade", "enterprise", "public_sector"})

COLUMNS = (
    "external_id",
    "name",
    "email",
    "phone",
    "segment",
    "annual_value",
    "value_tier",
    "owning_team",
    "created_at",
)
NULL = r"\N"


def _ascii_local_part(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(char for char in plain if char.isalnum())


def _person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    a, b = _ascii_local_part(first), _ascii_local_part(last)
    local = rng.choice((f"{a}.{b}", f"{a}{b}", f"{a[0]}.{b}", f"{a}.{b}{rng.randint(1, 99)}", f"{b}{a[0]}"))
    # Addresses arrive in any case; stored lower-case so look-ups by email match.
    return f"{first} {last}", f"{local}@{rng.choice(CONSUMER_EMAIL_DOMAINS)}".lower()


def _organisation(rng: random.Random, *, segment: str) -> tuple[str, str]:
    stem = rng.choice(COMPANY_STEMS)
    if segment == "public_sector":
        name = rng.choice(PUBLIC_BODIES).format(stem=stem)
    else:
        name = f"{stem} {rng.choice(COMPANY_TRADES)} {rng.choice(COMPANY_FORMS)}"
    domain = _ascii_local_part(name.rsplit(" ", 1)[0]) + ".example"
    return name, f"{rng.choice(('accounts', 'purchasing', 'office', 'hello'))}@{domain}".lower()


def _phone(rng: random.Random, *, business: bool) -> str:
    if rng.random() < (0.05 if business else 0.2):
        return ""
    prefixes = PHONE_PREFIXES_LANDLINE if business else PHONE_PREFIXES_MOBILE
    return f"{rng.choice(prefixes)}{rng.randint(0, 999):03d}"


def customer_rows(
    *, rng: random.Random, count: int, team_ids: dict[str, int], end: datetime
) -> Iterator[tuple[str, ...]]:
    """COPY-ready rows (in COLUMNS order) for `count` customers."""
    segments = [segment[0] for segment in SEGMENTS]
    cumulative = []
    total = 0.0
    for spec in SEGMENTS:
        total += spec[1]
        cumulative.append(total)
    by_segment = {name: (math.log(median), spread, teams) for name, _, median, spread, teams in SEGMENTS}
    for index in range(1, count + 1):
        segment = rng.choices(segments, cum_weights=cumulative)[0]
        mu, sigma, teams = by_segment[segment]
        business = segment in BUSINESS_SEGMENTS
        name, email = _organisation(rng, segment=segment) if business else _person(rng)
        if rng.random() < 0.08 and not business:
            email = ""
        # New customers have no annual value yet.
        value = None if rng.random() < 0.02 else Decimal(f"{rng.lognormvariate(mu, sigma):.2f}")
        team = rng.choices([slug for slug, _ in teams], weights=[weight for _, weight in teams])[0]
        created = end - timedelta(days=rng.uniform(30, 5 * 365), seconds=rng.randint(0, 86_399))
        yield (
            f"{EXTERNAL_ID_PREFIX}{index:07d}",
            name,
            email,
            _phone(rng, business=business),
            segment,
            NULL if value is None else str(value),
            Customer.tier_for(value),
            str(team_ids[team]),
            created.isoformat(),
        )
