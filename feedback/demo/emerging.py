"""The demo's planted emerging theme: a problem no category covers, which the nightly theme job should
find (feedback.themes) before anyone names it.

Northgate moved its rewards scheme to a new app EMERGING_DAYS before the end of the history; since
then customers write that their loyalty points are missing, more each day, in many wordings, at the
checkouts (store, web, app), on social media and by email. Nobody codes these comments: the taxonomy
(reference.CATEGORIES) has no category for them. The rows come from a generator of their own
(demo_rng part "emerging"), so the rest of the demo is the same with or without them.
"""

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from cxloop.org.demo import Organisation

from .generator import LIVE_DAYS, NULL
from .reference import SOURCES, TOUCHPOINTS, ReferenceIds

EMERGING_DAYS = 18
# About this share of the baseline feedback, at least EMERGING_MIN rows, spread over the last days
# with a daily count rising linearly from nearly nothing.
EMERGING_SHARE = 0.005
EMERGING_MIN = 60
# (source slug, touchpoint slug, weight): where customers tell us.
CHANNELS = (
    ("nps-survey", "store-checkout", 4),
    ("nps-survey", "website-checkout", 3),
    ("nps-survey", "app", 3),
    ("social-listening", "social-media", 2),
    ("email-inbox", "email-support", 1),
)
OPENINGS = ("", "", "Hi,", "Not happy.", "Again!", "Honestly,", "Third time asking:")
PROBLEMS = (
    "my rewards points from last week never showed up on my account",
    "the loyalty points for my last order are missing",
    "my Northgate Rewards balance dropped to zero after the points scheme changed",
    "the points I earned have vanished from the rewards app",
    "the till would not add loyalty points to my card",
    "the rewards card was not recognised so I got no points",
    "I lost all my loyalty points when the new rewards app came in",
    "my points voucher disappeared before I could use it",
    "my rewards points were not credited again",
    "the loyalty scheme keeps losing my points",
    "the new rewards app shows none of my old points",
    "points missing from my loyalty account since the app update",
)
ENDINGS = (
    "",
    "Nobody can tell me where they went.",
    "Very disappointing after years as a member.",
    "Please put them back.",
    "The staff said the new system cannot see points yet.",
    "I shop here for the points, so this matters.",
    "Where have my points gone?",
)


def emerging_count(*, feedback: int) -> int:
    """How many emerging-theme rows beside `feedback` baseline rows."""
    return max(EMERGING_MIN, round(EMERGING_SHARE * feedback))


def emerging_comment(rng: random.Random) -> str:
    """One customer's words about the missing points."""
    problem = rng.choice(PROBLEMS)
    text = " ".join(part for part in (rng.choice(OPENINGS), problem[:1].upper() + problem[1:] + ".") if part)
    ending = rng.choice(ENDINGS)
    return f"{text} {ending}".strip()


def emerging_rows(
    *,
    rng: random.Random,
    organisation: Organisation,
    reference: ReferenceIds,
    customer_ids: list[int],
    count: int,
    end: datetime,
) -> Iterator[tuple[str, ...]]:
    """`count` COPY-ready rows (generator.COLUMNS), day d of EMERGING_DAYS carrying a share d."""
    sources = {spec.slug: spec for spec in SOURCES}
    touchpoints = {spec.slug: spec for spec in TOUCHPOINTS}
    weights = [day + 1 for day in range(EMERGING_DAYS)]
    first = end.date() - timedelta(days=EMERGING_DAYS - 1)
    for sequence in range(1, count + 1):
        day = first + timedelta(days=rng.choices(range(EMERGING_DAYS), weights=weights)[0])
        occurred = datetime.combine(day, time(8), tzinfo=UTC) + timedelta(seconds=rng.randint(0, 13 * 3600))
        occurred = min(occurred, end - timedelta(seconds=rng.randint(60, 3600)))
        source_slug, touchpoint_slug, _ = rng.choices(CHANNELS, weights=[w for *_, w in CHANNELS])[0]
        source, touchpoint = sources[source_slug], touchpoints[touchpoint_slug]
        received = min(occurred + timedelta(seconds=rng.randint(5, 900)), end).isoformat()
        processed = received if occurred < end - timedelta(days=LIVE_DAYS) else NULL
        yield (
            str(reference.sources[source_slug]),
            f"{source.prefix}-N{sequence:07d}",
            source.scale or NULL,
            str(rng.randint(0, 6)) if source.scale == "nps" else NULL,
            emerging_comment(rng),
            occurred.isoformat(),
            received,
            received,
            str(rng.choice(customer_ids)) if customer_ids else NULL,
            str(reference.touchpoints[touchpoint_slug]),
            str(reference.stages[touchpoint.stage]),
            str(organisation.team_ids[touchpoint.team]),
            json.dumps({"demo": True}),
            "",
            "en",
            NULL,
            processed,
            processed,
            "{}",
        )
