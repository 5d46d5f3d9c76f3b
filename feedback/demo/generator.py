"""Six months of feedback, day by day: channels, scores, comments, categories and planted rises."""

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from cxloop.org.demo import TEAM_LANGUAGES, Organisation

from .comments import NEGATIVE_MOODS, CommentWriter
from .reference import SOURCES, TOUCHPOINTS, ReferenceIds, SourceSpec, TouchpointSpec
from .rhythm import RHYTHMS, Rhythm, day_weight
from .scenario import CONFIRMED_SHARE, HISTORY_DAYS, Story, story_ending
from .vocabulary import SOCIAL_NETWORKS, STORES

COLUMNS = (
    "source",
    "external_id",
    "scale",
    "score",
    "comment",
    "occurred_at",
    "received_at",
    "updated_at",
    "customer",
    "touchpoint",
    "journey_stage",
    "team",
    "metadata",
    "content_hash",
    "language",
    "confirmed_category",
    "processed_at",
    "triaged_at",
    "triage_result",
)
# History older than this was handled before cxloop: it is loaded as already processed, so only
# the last days go through enrichment and triage (and open follow-up cases) on first start.
LIVE_DAYS = 3
NULL = r"\N"
HOURS = range(24)

# Untilted score weights, lowest score first. NPS gives about 45 % promoters, 30 % passives and
# 25 % detractors; CSAT and CES lean high; star ratings on review sites are J-shaped; people open
# the website widget mostly to complain.
BASE_SCORES = {
    "nps": (2.0, 1.0, 1.3, 2.0, 2.2, 7.0, 9.5, 13.0, 17.0, 19.5, 27.5),
    "csat": (4.0, 5.0, 10.0, 31.0, 50.0),
    "ces": (3.0, 4.0, 7.0, 11.0, 18.0, 27.0, 30.0),
    "review-site": (18.0, 6.0, 7.0, 17.0, 52.0),
    "web-widget": (12.0, 10.0, 15.0, 28.0, 35.0),
}
SCALE_LOW = {"nps": 0, "csat": 1, "ces": 1}
# Mood of each score, lowest score first (CES: 7 means "very easy").
MOODS = {
    "nps": ("severe",) * 4 + ("negative",) * 3 + ("neutral",) * 2 + ("positive", "glowing"),
    "csat": ("severe", "negative", "neutral", "positive", "glowing"),
    "ces": ("severe", "severe", "negative", "neutral", "neutral", "positive", "glowing"),
}
# Channels without a score: chance of (negative, neutral, positive) before the touchpoint's tilt.
UNSCORED_MOODS = {
    "call-centre-notes": (0.5, 0.38, 0.12),
    "social-listening": (0.5, 0.2, 0.3),
    "store-notes": (0.35, 0.25, 0.4),
    "employee-voice": (0.65, 0.2, 0.15),
    "email-inbox": (0.6, 0.3, 0.1),
}
# How many customers leave a comment with a survey score, by mood.
COMMENT_CHANCE = {"severe": 0.85, "negative": 0.7, "neutral": 0.4, "positive": 0.45, "glowing": 0.55}
# Seconds between giving feedback and it reaching us, by source kind.
DELAYS = {
    "survey": (5, 600),
    "call_centre": (60, 1_800),
    "returns": (5, 3_600),
    "review_site": (3_600, 172_800),
    "social": (60, 1_200),
    "store": (3_600, 28_800),
    "employee": (5, 60),
    "email": (1, 30),
    "other": (1, 30),
}
# Staff write call notes in office hours and employee feedback on shift, whatever the touchpoint.
RHYTHM_BY_KIND = {"call_centre": "office", "employee": "staff"}
ORDER_TOUCHPOINTS = frozenset({"website-checkout", "app", "delivery", "click-and-collect", "online-returns"})
STORE_TOUCHPOINTS = frozenset({"store-checkout", "shop-floor", "click-and-collect", "returns-desk"})


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _tilt(*, weights: tuple[float, ...], mood: float) -> list[float]:
    """Shift a score distribution towards the top (mood > 0) or the bottom (mood < 0)."""
    middle = (len(weights) - 1) / 2
    return [weight * math.exp(1.4 * mood * (index - middle) / middle) for index, weight in enumerate(weights)]


@dataclass
class _Stream:
    """Feedback from one source about one touchpoint."""

    source: SourceSpec
    touchpoint: TouchpointSpec
    ids: tuple[str, str, str, str, str]  # source, touchpoint, journey stage, team, scale as COPY strings
    team: str
    zone: ZoneInfo
    rhythm: Rhythm
    per_day: list[float]
    hour_cum: list[list[float]]  # by weekday
    scores: list[int] = field(default_factory=list)
    score_cum: list[float] = field(default_factory=list)
    negative_scores: list[int] = field(default_factory=list)
    negative_cum: list[float] = field(default_factory=list)
    mood_cum: list[float] = field(default_factory=list)
    carry: float = 0.0


class FeedbackGenerator:
    """Yields COPY-ready feedback rows in time order, one day at a time, with bounded memory."""

    def __init__(
        self,
        *,
        rng: random.Random,
        organisation: Organisation,
        reference: ReferenceIds,
        customer_ids: list[int],
        business_customer_ids: list[int],
        total: int,
        end: datetime,
        days: int = HISTORY_DAYS,
        story: Story | None = None,
    ) -> None:
        self.rng = rng
        story = story or story_ending(end=end.date())
        self.end = end
        self.days = [end.date() - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
        self.customer_ids = [str(pk) for pk in customer_ids]
        self.business_customer_ids = [str(pk) for pk in business_customer_ids] or self.customer_ids
        self.category_ids = {slug: str(pk) for slug, pk in reference.categories.items()}
        self.writer = CommentWriter(rng=rng, first_names=organisation.first_names)
        self.streams = self._streams(organisation=organisation, reference=reference, total=total)
        self._surge(story)
        # (touchpoint, theme) -> the planted episodes there: (first day, last day, factor)
        self.boosts: dict[tuple[str, str], list[tuple[date, date, float]]] = {}
        for rise in story.rises:
            for touchpoint in rise.signal.touchpoints:
                self.boosts.setdefault((touchpoint, rise.signal.category), []).append(
                    (rise.first, rise.last, rise.signal.factor)
                )
        # (touchpoint, theme) -> the fixes there: (first day, share of such rows drawn again)
        self.fixes: dict[tuple[str, str], list[tuple[date, float]]] = {}
        for fix in story.fixes:
            for touchpoint in fix.touchpoints:
                self.fixes.setdefault((touchpoint, fix.category), []).append((fix.first, fix.share))
        self.touchpoint_themes = {
            spec.slug: ([theme for theme, _ in spec.themes], _cumulative(weight for _, weight in spec.themes))
            for spec in TOUCHPOINTS
        }
        self.sequences = {spec.slug: 0 for spec in SOURCES}

    def _streams(self, *, organisation: Organisation, reference: ReferenceIds, total: int) -> list[_Stream]:
        touchpoints = {spec.slug: spec for spec in TOUCHPOINTS}
        streams = []
        for source in SOURCES:
            weight_sum = sum(weight for _, weight in source.touchpoints)
            for slug, weight in source.touchpoints:
                touchpoint = touchpoints[slug]
                rhythm = RHYTHMS[RHYTHM_BY_KIND.get(source.kind, touchpoint.rhythm)]
                weights = [day_weight(rhythm=rhythm, day=day, touchpoint=slug) for day in self.days]
                expected = total * source.share * weight / weight_sum
                scale_id = source.scale or NULL
                stream = _Stream(
                    source=source,
                    touchpoint=touchpoint,
                    ids=(
                        str(reference.sources[source.slug]),
                        str(reference.touchpoints[slug]),
                        str(reference.stages[touchpoint.stage]),
                        str(organisation.team_ids[touchpoint.team]),
                        scale_id,
                    ),
                    team=touchpoint.team,
                    zone=ZoneInfo(organisation.team_timezones[touchpoint.team]),
                    rhythm=rhythm,
                    per_day=[expected * day / sum(weights) for day in weights],
                    hour_cum=[_cumulative(rhythm.hours_for(weekday=weekday)) for weekday in range(7)],
                )
                self._distributions(stream)
                streams.append(stream)
        return streams

    def _surge(self, story: Story) -> None:
        """Multiply the daily volume of every stream at a surging touchpoint, leaving its mix alone."""
        for surge in story.surges:
            for stream in self.streams:
                if stream.touchpoint.slug in surge.touchpoints:
                    for index, day in enumerate(self.days):
                        if surge.first <= day <= surge.last:
                            stream.per_day[index] *= surge.factor

    @staticmethod
    def _distributions(stream: _Stream) -> None:
        source, mood = stream.source, stream.touchpoint.mood
        if source.scale:
            base = BASE_SCORES.get(source.slug, BASE_SCORES[source.scale])
            weights = _tilt(weights=base, mood=mood)
            low = SCALE_LOW[source.scale]
            stream.scores = list(range(low, low + len(weights)))
            stream.score_cum = _cumulative(weights)
            negative = [
                (score, weight)
                for score, weight in zip(stream.scores, weights, strict=True)
                if MOODS[source.scale][score - low] in NEGATIVE_MOODS
            ]
            stream.negative_scores = [score for score, _ in negative]
            stream.negative_cum = _cumulative(weight for _, weight in negative)
        else:
            down, level, up = UNSCORED_MOODS[source.slug]
            stream.mood_cum = _cumulative((down * math.exp(-mood), level, up * math.exp(mood)))

    # --- rows -------------------------------------------------------------------------------------

    def rows(self) -> Iterator[tuple[str, ...]]:
        """Every feedback row, oldest first."""
        rng = self.rng
        for index, day in enumerate(self.days):
            batch = []
            for stream in self.streams:
                stream.carry += stream.per_day[index]
                count = int(stream.carry)
                stream.carry -= count
                for _ in range(count):
                    row, theme = self._row(stream, day, force_theme=None)
                    row, theme = self._unless_fixed(stream, day, row=row, theme=theme)
                    batch.append(row)
                    factor = self._boost(touchpoint=stream.touchpoint.slug, theme=theme, day=day)
                    if factor > 1:
                        extra = factor - 1
                        copies = int(extra) + (1 if rng.random() < extra - int(extra) else 0)
                        batch.extend(self._row(stream, day, force_theme=theme)[0] for _ in range(copies))
            batch.sort(key=lambda row: row[0])
            for row in batch:
                # Rows drawn for later today are dropped; they still used the generator, so what comes
                # before them does not depend on the time of day of the run.
                if row[0] > self.end:
                    continue
                yield self._finish(row)

    def _boost(self, *, touchpoint: str, theme: str | None, day: date) -> float:
        """The planted factor for a theme at a touchpoint on a day (1 outside every episode)."""
        if theme is None:
            return 1.0
        for first, last, factor in self.boosts.get((touchpoint, theme), ()):
            if first <= day <= last:
                return factor
        return 1.0

    def _unless_fixed(
        self, stream: _Stream, day: date, *, row: list, theme: str | None
    ) -> tuple[list, str | None]:
        """The row, or (for the fixed share of a fixed theme) one drawn again about something else."""
        if theme is None:
            return row, theme
        fixed = theme
        for first, share in self.fixes.get((stream.touchpoint.slug, fixed), ()):
            if first <= day and self.rng.random() < share:
                # Bounded: a touchpoint always has other themes and non-negative scores to draw.
                for _ in range(50):
                    row, theme = self._row(stream, day, force_theme=None)
                    if theme != fixed:
                        break
                break
        return row, theme

    def _finish(self, row: list) -> tuple[str, ...]:
        occurred, stream = row[0], row[1]
        self.sequences[stream.source.slug] += 1
        external_id = f"{stream.source.prefix}-{self.sequences[stream.source.slug]:08d}"
        received = min(row[2], self.end).isoformat()
        processed = received if occurred < self.end - timedelta(days=LIVE_DAYS) else NULL
        source_id, touchpoint_id, stage_id, team_id, scale = stream.ids
        return (
            source_id,
            external_id,
            scale,
            row[3],
            row[4],
            occurred.isoformat(),
            received,
            received,
            row[5],
            touchpoint_id,
            stage_id,
            team_id,
            row[6],
            "",
            TEAM_LANGUAGES.get(stream.team, ""),  # language: the Lisbon team's customers write Portuguese
            row[7],
            processed,
            # History was handled before cxloop: triaged when processed (its cases come from the demo's
            # case history); the live days go through both steps when the workers start.
            processed,
            "{}",
        )

    def _row(self, stream: _Stream, day: date, *, force_theme: str | None) -> tuple[list, str | None]:
        """One feedback row (before its external id) and its theme, if it has one.

        The draws happen in a fixed order (time, score, theme, metadata, comment, category, customer,
        delay): the same seed gives the same rows only as long as that order stays.
        """
        occurred = self._occurred(stream, day)
        score, mood = self._score_and_mood(stream, force_theme=force_theme)
        theme = None
        if mood in NEGATIVE_MOODS or mood == "neutral":
            themes, cum = self.touchpoint_themes[stream.touchpoint.slug]
            theme = force_theme or self.rng.choices(themes, cum_weights=cum)[0]
        metadata, store = self._metadata(stream)
        comment = self._comment(stream, mood=mood, theme=theme, store=store)
        category = NULL
        # (A negative mood always has a theme: the check only tells the type checker so.)
        if comment and mood in NEGATIVE_MOODS and theme is not None and self.rng.random() < CONFIRMED_SHARE:
            category = self.category_ids[theme]
        customer = self._customer(stream)
        low, high = DELAYS[stream.source.kind]
        received = occurred + timedelta(seconds=self.rng.randint(low, high))
        row = [occurred, stream, received, score, comment, customer, json.dumps(metadata), category]
        return row, (theme if mood in NEGATIVE_MOODS else None)

    def _occurred(self, stream: _Stream, day: date) -> datetime:
        """When, in UTC: an hour of the stream's rhythm on that weekday, local to its team."""
        hour = self.rng.choices(HOURS, cum_weights=stream.hour_cum[day.weekday()])[0]
        local = datetime(day.year, day.month, day.day, tzinfo=stream.zone) + timedelta(
            hours=hour, seconds=int(self.rng.random() * 3600)
        )
        return local.astimezone(UTC)

    def _score_and_mood(self, stream: _Stream, *, force_theme: str | None) -> tuple[str, str]:
        """The score as a COPY string (NULL on unscored channels) and the mood it carries."""
        rng, source = self.rng, stream.source
        if source.scale:
            if force_theme:
                value = rng.choices(stream.negative_scores, cum_weights=stream.negative_cum)[0]
            else:
                value = rng.choices(stream.scores, cum_weights=stream.score_cum)[0]
            return str(value), MOODS[source.scale][value - SCALE_LOW[source.scale]]
        side = 0 if force_theme else rng.choices((0, 1, 2), cum_weights=stream.mood_cum)[0]
        if side == 0:
            return NULL, "severe" if rng.random() < 0.3 else "negative"
        return NULL, "neutral" if side == 1 else ("glowing" if rng.random() < 0.4 else "positive")

    def _metadata(self, stream: _Stream) -> tuple[dict[str, object], str | None]:
        """What the channel adds (store, order number, call length, network...) and the store, if any."""
        rng, slug, kind = self.rng, stream.touchpoint.slug, stream.source.kind
        metadata: dict[str, object] = {"demo": True}
        store = None
        if slug in STORE_TOUCHPOINTS:
            store = rng.choice(STORES)
            metadata["store"] = store
        if slug in ORDER_TOUCHPOINTS:
            metadata["order"] = f"NG{rng.randrange(10_000_000, 100_000_000)}"
        if kind == "call_centre":
            metadata["call_seconds"] = rng.randint(90, 1_500)
        elif kind == "social":
            metadata["network"] = rng.choice(SOCIAL_NETWORKS)
        elif kind == "review_site":
            metadata["verified_purchase"] = rng.random() < 0.8
        return metadata, store

    def _comment(self, stream: _Stream, *, mood: str, theme: str | None, store: str | None) -> str:
        """What they wrote: staff always write; customers often leave only a score."""
        source, touchpoint = stream.source, stream.touchpoint
        chance = 0.95 if source.kind == "review_site" else COMMENT_CHANCE[mood]
        if source.voice == "customer" and not self.rng.random() < chance:
            return ""
        return self.writer.write(
            voice=source.voice,
            mood=mood,
            theme=theme,
            touchpoint=touchpoint.slug,
            team=stream.team,
            staffed=touchpoint.staffed,
            store=store,
        )

    def _customer(self, stream: _Stream) -> str:
        """The customer's id as a COPY string: none for employees, a business at the account desk."""
        if stream.source.kind == "employee":
            return NULL
        if stream.touchpoint.slug == "account-desk":
            return self.rng.choice(self.business_customer_ids)
        return self.customer_ids[int(self.rng.random() * len(self.customer_ids))]
