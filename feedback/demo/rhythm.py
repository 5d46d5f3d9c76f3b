"""When feedback happens: weekly and daily rhythms per kind of touchpoint, holidays and seasonal peaks."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Rhythm:
    """Relative volume by weekday (Monday first) and by local hour on weekdays, Saturdays and Sundays."""

    weekdays: tuple[float, ...]
    hours: tuple[float, ...]
    saturday_hours: tuple[float, ...] | None = None
    sunday_hours: tuple[float, ...] | None = None
    # (month, day) on which this kind of touchpoint is closed.
    closed: frozenset[tuple[int, int]] = frozenset()

    def hours_for(self, *, weekday: int) -> tuple[float, ...]:
        if weekday == 5 and self.saturday_hours:
            return self.saturday_hours
        if weekday == 6 and self.sunday_hours:
            return self.sunday_hours
        return self.hours


def _open(first_hour: int, weights: tuple[float, ...]) -> tuple[float, ...]:
    """Hourly weights for a place that opens at first_hour, zero outside the given hours."""
    return (0.0,) * first_hour + weights + (0.0,) * (24 - first_hour - len(weights))


CHRISTMAS, BOXING_DAY, NEW_YEAR = (12, 25), (12, 26), (1, 1)
# Midnight to 11:00 and noon to 23:00.
_ONLINE_MORNING = (0.35, 0.2, 0.12, 0.08, 0.08, 0.12, 0.3, 0.55, 0.75, 0.85, 0.9, 0.95)
_ONLINE_AFTERNOON = (1.05, 1.0, 0.95, 0.9, 0.95, 1.0, 1.1, 1.3, 1.45, 1.4, 1.1, 0.65)

RHYTHMS = {
    # Shops: busy Saturdays, Sunday trading hours, closed on Christmas Day and New Year's Day.
    "store": Rhythm(
        weekdays=(0.8, 0.78, 0.82, 0.9, 1.1, 1.65, 1.3),
        hours=_open(9, (0.4, 0.7, 1.0, 1.4, 1.4, 1.1, 1.0, 1.1, 1.3, 1.1, 0.6)),
        saturday_hours=_open(9, (0.6, 1.0, 1.3, 1.4, 1.4, 1.3, 1.2, 1.1, 0.9, 0.7, 0.4)),
        sunday_hours=_open(10, (0.8, 1.2, 1.4, 1.4, 1.3, 1.0)),
        closed=frozenset({CHRISTMAS, NEW_YEAR}),
    ),
    # The call centre: office hours, Monday-morning rush, short Saturdays, closed on Sundays.
    "office": Rhythm(
        weekdays=(1.3, 1.1, 1.05, 1.0, 0.95, 0.45, 0.0),
        hours=_open(8, (0.8, 1.3, 1.4, 1.2, 1.0, 1.1, 1.2, 1.0, 0.9, 0.7, 0.5, 0.4)),
        saturday_hours=_open(9, (0.8, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5)),
        closed=frozenset({CHRISTMAS, BOXING_DAY, NEW_YEAR}),
    ),
    # Live chat: every day, long hours.
    "extended": Rhythm(
        weekdays=(1.1, 1.05, 1.0, 1.0, 0.95, 0.8, 0.7),
        hours=_open(8, (0.6, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9, 1.0, 1.1, 1.1, 1.0, 0.7)),
        closed=frozenset({CHRISTMAS}),
    ),
    # Web, app, email and social: around the clock with an evening peak.
    "online": Rhythm(
        weekdays=(1.05, 1.0, 1.0, 1.0, 0.9, 0.9, 1.15),
        hours=(*_ONLINE_MORNING, *_ONLINE_AFTERNOON),
    ),
    # Deliveries: Monday to Saturday in the day, a few on Sundays.
    "delivery": Rhythm(
        weekdays=(1.1, 1.1, 1.05, 1.05, 1.1, 0.9, 0.2),
        hours=_open(7, (0.3, 0.6, 0.9, 1.1, 1.2, 1.2, 1.2, 1.1, 1.1, 1.0, 1.0, 0.9, 0.7, 0.4)),
        closed=frozenset({CHRISTMAS, BOXING_DAY, NEW_YEAR}),
    ),
    # Employees write during their shifts, mostly on weekdays.
    "staff": Rhythm(
        weekdays=(1.1, 1.05, 1.05, 1.0, 1.0, 0.6, 0.4),
        hours=_open(7, (0.5, 0.8, 1.0, 1.0, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 0.8, 0.6)),
        closed=frozenset({CHRISTMAS}),
    ),
}

# Returns pile up after Christmas; deliveries peak before it.
RETURNS_TOUCHPOINTS = frozenset({"returns-desk", "online-returns"})
DELIVERY_TOUCHPOINTS = frozenset({"delivery", "click-and-collect"})


def black_friday(*, year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def season(*, day: date, touchpoint: str) -> float:
    """How much busier than usual a touchpoint is on a calendar day."""
    friday = black_friday(year=day.year)
    if friday <= day <= friday + timedelta(days=3):
        return 1.6
    if friday - timedelta(days=7) <= day < friday:
        return 1.2
    if day.month == 12:
        if day.day <= 22:
            return 1.8 if touchpoint in DELIVERY_TOUCHPOINTS else 1.5
        return {23: 1.2, 24: 1.0, 25: 0.4}.get(day.day, 1.25)
    if day.month == 1 and day.day <= 21:
        return 1.8 if touchpoint in RETURNS_TOUCHPOINTS else 0.9
    if day.month == 8:
        return 0.9
    return 1.0


def day_weight(*, rhythm: Rhythm, day: date, touchpoint: str) -> float:
    """Relative volume of feedback about a touchpoint on one day."""
    if (day.month, day.day) in rhythm.closed:
        return 0.0
    return rhythm.weekdays[day.weekday()] * season(day=day, touchpoint=touchpoint)
