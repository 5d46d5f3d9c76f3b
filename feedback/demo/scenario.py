"""The story the demo feedback tells: how much there is, and which root causes were planted.

(Who logs in is the organisation's part: cxloop.core.demo and cxloop.org.demo.)
"""

from dataclasses import dataclass
from datetime import date, timedelta

FEEDBACK_PER_SCALE = 50_000
CUSTOMERS_PER_STEP = 10_000
# Six months of history, ending at --end (now by default).
HISTORY_DAYS = 183
# Share of commented detractor-side feedback whose category a person has already confirmed.
CONFIRMED_SHARE = 0.6


def customers_for(*, scale: int) -> int:
    """Customers for a scale: 10,000 up to scale 7, then 10,000 more per 4 steps (50,000 at scale 20)."""
    return CUSTOMERS_PER_STEP * max(1, scale // 4)


def feedback_for(*, scale: int) -> int:
    """Baseline feedback rows for a scale; planted rises add about 1 % on top."""
    return FEEDBACK_PER_SCALE * scale


@dataclass(frozen=True)
class PlantedSignal:
    """A root cause that rises at some touchpoints over the last weeks of the history.

    From `weeks` * 7 days before the end date on, every negative feedback at one of `touchpoints`
    whose theme is `category` is joined by `factor - 1` more of the same theme (on average): the
    category's count per unit of baseline traffic at those touchpoints is multiplied by `factor`,
    while seasonality moves the traffic itself. Its share of all feedback there rises a little less,
    because the added rows are feedback too (signal detection tests the share). Added rows are
    detractor-side; a CONFIRMED_SHARE of the commented ones carry the category as
    `confirmed_category`, like any other negative row.
    """

    parent: str
    category: str
    touchpoints: tuple[str, ...]
    weeks: int
    factor: float

    @property
    def days(self) -> int:
        return self.weeks * 7


@dataclass(frozen=True)
class PlantedRise:
    """One episode of a planted signal: its factor applies from `first` to `last` (dates, inclusive)."""

    signal: PlantedSignal
    first: date
    last: date

    @classmethod
    def ending(cls, signal: PlantedSignal, *, last: date) -> "PlantedRise":
        """The episode of `signal.weeks` that ends on `last`."""
        return cls(signal=signal, first=last - timedelta(days=signal.days - 1), last=last)


# Strong enough that detection at scale 1 (what `make run` seeds) finds each of them whatever the end
# date, while the flat controls stay quiet: tests/outerloop/test_detection.py checks a whole year.
PLANTED_SIGNALS: tuple[PlantedSignal, ...] = (
    # Couriers are missing slots everywhere: it shows at the door, on the phone, in chat, email and social,
    # so four teams in two departments see the same root cause.
    PlantedSignal(
        parent="delivery",
        category="late-delivery",
        touchpoints=("delivery", "contact-centre-phone", "live-chat", "email-support", "social-media"),
        weeks=4,
        factor=2.5,
    ),
    # A release broke the payment step on the web and in the app.
    PlantedSignal(
        parent="website",
        category="checkout-error",
        touchpoints=("website-checkout", "app", "live-chat"),
        weeks=4,
        factor=4.0,
    ),
    # A slower one: refunds back up after a warehouse change.
    PlantedSignal(
        parent="returns",
        category="refund-delay",
        touchpoints=("returns-desk", "online-returns", "contact-centre-phone"),
        weeks=5,
        factor=4.0,
    ),
)


@dataclass(frozen=True)
class VolumeSurge:
    """More feedback with the same mix (a campaign, a store opening, a survey sent to more customers):
    every source at `touchpoints` sends `factor` times its usual volume from `first` to `last`."""

    touchpoints: tuple[str, ...]
    first: date
    last: date
    factor: float


@dataclass(frozen=True)
class PlantedFix:
    """A root cause that a change took away at some touchpoints, from `first` on.

    Each negative row there whose theme is `category` is, with probability `share`, drawn again until
    it is about something else (or is not negative at all): what the customer would have said had the
    problem not happened. So the category's mentions fall and the touchpoint's NPS rises by what the
    data says, and an impact review computes the change from the rows, not from a planted number.
    """

    category: str
    touchpoints: tuple[str, ...]
    first: date
    share: float


@dataclass(frozen=True)
class Story:
    """When the planted signals rise, when volume alone surges, and what a change fixed."""

    rises: tuple[PlantedRise, ...]
    surges: tuple[VolumeSurge, ...] = ()
    fixes: tuple[PlantedFix, ...] = ()


# The demo's rolled-out initiative (outerloop.demo): callers waited long on the phone line until a
# call-back service went live FIX_WEEKS before the end. Waits rose for the months before (the
# evidence the initiative started from) and mostly stopped after.
FIXED_CAUSE = PlantedSignal(
    parent="service", category="long-wait", touchpoints=("contact-centre-phone",), weeks=16, factor=4.0
)
FIX_WEEKS = 10
FIX_SHARE = 0.9


def fix_day(*, end: date) -> date:
    """The day the demo's call-back service went live."""
    return end - timedelta(weeks=FIX_WEEKS)


def story_ending(*, end: date) -> Story:
    """The demo's story: every planted signal rises over its last weeks up to the end of the history,
    and the phone line's long waits rise and then fall with the call-back service."""
    fixed = fix_day(end=end)
    return Story(
        rises=(
            *(PlantedRise.ending(signal, last=end) for signal in PLANTED_SIGNALS),
            PlantedRise.ending(FIXED_CAUSE, last=fixed - timedelta(days=1)),
        ),
        fixes=(
            PlantedFix(
                category=FIXED_CAUSE.category,
                touchpoints=FIXED_CAUSE.touchpoints,
                first=fixed,
                share=FIX_SHARE,
            ),
        ),
    )


# Categories that are common but flat over the whole history: a signal detector must leave them alone.
CONTROL_CATEGORIES: tuple[str, ...] = ("product-quality", "long-queue", "unhelpful-staff")
