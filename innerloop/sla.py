"""Business-hours arithmetic for SLA clocks, in the team's own time zone."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# A clock with no business day at all would never move; treat that policy as round the clock.
_MAX_DAYS = 400


def _windows(policy, tz: ZoneInfo, start: datetime):
    """Business windows (local start, local end) from the day of `start` on."""
    day: date = start.astimezone(tz).date()
    for _ in range(_MAX_DAYS):
        if day.weekday() in policy.business_days:
            yield (
                datetime.combine(day, policy.business_start, tzinfo=tz),
                datetime.combine(day, policy.business_end, tzinfo=tz),
            )
        day += timedelta(days=1)


def _round_the_clock(policy) -> bool:
    return not policy.business_hours_only or not policy.business_days


def add_business_minutes(start: datetime, minutes: float, *, policy, tz: ZoneInfo) -> datetime:
    """The moment `minutes` of business time after `start`."""
    if _round_the_clock(policy):
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    for window_start, window_end in _windows(policy, tz, start):
        begin = max(start, window_start)
        if begin >= window_end:
            continue
        available = window_end - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    return start + timedelta(minutes=minutes)


def business_minutes_between(start: datetime, end: datetime, *, policy, tz: ZoneInfo) -> float:
    """Business minutes from `start` to `end` (0 when end is not after start)."""
    if end <= start:
        return 0.0
    if _round_the_clock(policy):
        return (end - start).total_seconds() / 60
    total = timedelta()
    for window_start, window_end in _windows(policy, tz, start):
        if window_start >= end:
            break
        begin, finish = max(start, window_start), min(end, window_end)
        if finish > begin:
            total += finish - begin
    return total.total_seconds() / 60
