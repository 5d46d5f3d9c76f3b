"""Signal detection on the demo's data: its planted root causes are found where they rise, and its
flat controls never are (the crafted cases are in test_detection.py)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feedback.demo.scenario import (
    CONTROL_CATEGORIES,
    FIXED_CAUSE,
    HISTORY_DAYS,
    PLANTED_SIGNALS,
    PlantedRise,
    Story,
    VolumeSurge,
    feedback_for,
    fix_day,
)
from feedback.metrics.figures import nps_comparison, nps_counts_of
from feedback.models import Category, Feedback
from governance.demo import demo_seed
from outerloop.models import DetectionRun, ImpactReview, Signal
from outerloop.services.detection import DEFAULT_PARAMS, DetectionParams, cells_count

pytestmark = pytest.mark.django_db

# Tests that seed the demo fix its end, so they do not depend on the day they run.
DEMO_END = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_demo_data_planted_root_causes_are_found_and_controls_are_not():
    """The demo as `make run` seeds it (scale 1), ending on the first Sunday of December.

    A December end puts the store peak and the Black Friday rush in the window: the day the
    count-based detection flagged the control `unhelpful-staff`.
    """
    # given, when: the demo is seeded, which runs the detection once, as the nightly job would
    demo_seed(end=DEMO_END)
    # then: the board shows them without waiting for the night
    assert DetectionRun.objects.count() == 1
    found = set(Signal.objects.filter(rising=True).values_list("category__slug", flat=True))
    assert {planted.category for planted in PLANTED_SIGNALS} <= found
    assert found.isdisjoint(CONTROL_CATEGORIES)
    # and the phone line's long waits, fixed by the demo's rolled-out call-back service, are not rising
    assert FIXED_CAUSE.category not in found


def test_demo_impact_review_finds_the_rolled_out_fix_as_a_real_change():
    """At the size `make run` seeds, the call-back service's review finds what the feedback holds:
    fewer long waits mentioned at the phone line, and its NPS up beyond chance."""
    # given, when
    demo_seed(end=DEMO_END)
    review = ImpactReview.objects.select_related("initiative").get(initiative__rolled_out_at__isnull=False)
    counts = {
        key: nps_counts_of(Feedback.objects.filter(touchpoint__slug=FIXED_CAUSE.touchpoints[0], **window))
        for key, window in (
            ("before", {"occurred_at__gte": review.before_start, "occurred_at__lt": review.split_at}),
            ("after", {"occurred_at__gte": review.split_at, "occurred_at__lt": review.after_end}),
        )
    }
    comparison = nps_comparison(counts["after"], counts["before"])
    # then
    # the call-back service went live at midnight in Leeds, the day the feedback improves from
    assert review.split_at.astimezone(ZoneInfo("Europe/London")).date() == fix_day(end=DEMO_END.date())
    assert review.nps_p_value < 0.001
    assert review.nps_difference > 10
    assert comparison.ci.low > 0  # the whole interval of the change lies above zero
    assert review.mentions_after < review.mentions_before / 3


# A year of the demo for the year-round test: each planted cause rises several times, in different
# seasons, each episode ending on a Sunday the test detects on (where the demo puts it: up to the end
# date). Between its episodes a cause is flat, and the seasons move only the volume.
YEAR_EPISODES = {
    # Black Friday and the pre-Christmas delivery peak; June; Black Friday again.
    "late-delivery": (date(2025, 12, 21), date(2026, 6, 14), date(2026, 11, 29)),
    # The January sales; the August holidays; the December peak.
    "checkout-error": (date(2026, 1, 25), date(2026, 8, 16), date(2026, 12, 6)),
    # After the January returns peak (in which refund-delay must stay quiet); early autumn.
    "refund-delay": (date(2026, 3, 15), date(2026, 10, 4)),
}
# Volume alone, on top of the seasons: a spring campaign that sends 2.5 times the usual feedback from
# the stores, and a summer survey push on aftercare (3 times). Every control lives at these touchpoints.
YEAR_SURGES = (
    VolumeSurge(
        touchpoints=("store-checkout", "shop-floor", "click-and-collect", "returns-desk"),
        first=date(2026, 4, 13),
        last=date(2026, 5, 10),
        factor=2.5,
    ),
    VolumeSurge(
        touchpoints=("product-aftercare",), first=date(2026, 7, 6), last=date(2026, 7, 26), factor=3.0
    ),
)
WEEKS = 52


def _days_of(episode: PlantedRise, *, first: date, last: date) -> int:
    """How many days of the episode fall between first and last, both included."""
    return max(0, (min(last, episode.last) - max(first, episode.first)).days + 1)


def _rises_in_window(episode: PlantedRise, *, last: date, params: DetectionParams) -> bool:
    """The episode is under way on the window's last day, fills at least three weeks of the window (all
    of itself, when shorter), and at most two weeks of it lie in the baseline."""
    window_first = last - timedelta(days=params.window_days - 1)
    baseline_first = window_first - timedelta(days=params.baseline_days)
    in_window = _days_of(episode, first=window_first, last=last)
    in_baseline = _days_of(episode, first=baseline_first, last=window_first - timedelta(days=1))
    return (
        episode.first <= last <= episode.last
        and in_window >= min(21, episode.signal.days)
        and in_baseline <= 14
    )


def test_year_round_planted_causes_are_found_where_they_rise_and_controls_never():
    """Detection on the demo (at `make run`'s density) for 53 end dates, every 7 days over a year:
    Black Friday, the December peak, the January sales and returns, the August holidays, and two
    surges of volume alone (YEAR_SURGES).

    Each planted cause is found in every window where it rises (see _rises_in_window); a control,
    or a planted cause in a window that holds none of its episodes, is never flagged.
    """
    # given
    params = DEFAULT_PARAMS
    by_category = {signal.category: signal for signal in PLANTED_SIGNALS}
    episodes = tuple(
        PlantedRise.ending(by_category[category], last=last)
        for category, ends in YEAR_EPISODES.items()
        for last in ends
    )
    days = WEEKS * 7 + params.window_days + params.baseline_days + 1
    demo_seed(
        end=DEMO_END,
        days=days,
        feedback=feedback_for(scale=1) * days // HISTORY_DAYS,
        story=Story(rises=episodes, surges=YEAR_SURGES),
    )
    slugs = dict(Category.objects.values_list("pk", "slug"))
    problems, tested = [], set()
    # when
    for weeks_before in range(WEEKS, -1, -1):
        end = DEMO_END - timedelta(weeks=weeks_before)
        last, window_first = end.date(), (end - timedelta(days=params.window_days)).date()
        cells = cells_count(end=end, params=params)
        found = {slugs[cell.category_id] for cell in cells if cell.rising(params)}
        under_way = {e for e in episodes if _rises_in_window(e, last=last, params=params)}
        rising = {e.signal.category for e in under_way}
        quiet = set(CONTROL_CATEGORIES) | {
            category
            for category in YEAR_EPISODES
            if not any(
                _days_of(e, first=window_first, last=last) for e in episodes if e.signal.category == category
            )
        }
        tested |= under_way
        if rising - found or found & quiet:
            problems.append(f"{last}: missed {sorted(rising - found)}, flagged {sorted(found & quiet)}")
    # then
    assert not problems, problems
    assert tested == set(episodes)  # every episode was looked for in at least one window
