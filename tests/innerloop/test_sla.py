from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from innerloop.models import SlaPolicy
from innerloop.sla import add_business_minutes, business_minutes_between

LONDON = ZoneInfo("Europe/London")


def office_hours(**overrides):
    values = {
        "business_hours_only": True,
        "business_start": time(9),
        "business_end": time(17),
        "business_days": [0, 1, 2, 3, 4],
    }
    values.update(overrides)
    return SlaPolicy(**values)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Friday 16:00 + 2 business hours = Monday 10:00
        (datetime(2026, 11, 20, 16, 0, tzinfo=LONDON), 120, datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)),
        # Saturday: the clock starts on Monday at 09:00
        (datetime(2026, 11, 21, 12, 0, tzinfo=LONDON), 60, datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)),
        # Before opening on a weekday
        (datetime(2026, 11, 24, 7, 30, tzinfo=LONDON), 30, datetime(2026, 11, 24, 9, 30, tzinfo=LONDON)),
        # Two full business days (16 hours) from Monday 09:00 ends Tuesday 17:00
        (datetime(2026, 11, 23, 9, 0, tzinfo=LONDON), 16 * 60, datetime(2026, 11, 24, 17, 0, tzinfo=LONDON)),
        # Across the spring-forward night: business time, not wall-clock time
        (datetime(2026, 3, 27, 16, 0, tzinfo=LONDON), 120, datetime(2026, 3, 30, 10, 0, tzinfo=LONDON)),
    ],
)
def test_business_minutes_are_added_in_the_teams_time_zone(start, minutes, expected):
    assert add_business_minutes(start, minutes, policy=office_hours(), tz=LONDON) == expected


def test_round_the_clock_policy_is_plain_time():
    start = datetime(2026, 11, 21, 12, 0, tzinfo=LONDON)
    policy = SlaPolicy(business_hours_only=False)
    assert add_business_minutes(start, 240, policy=policy, tz=LONDON) == datetime(
        2026, 11, 21, 16, 0, tzinfo=LONDON
    )


def test_business_minutes_between_skip_nights_and_weekends():
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=LONDON)
    monday_10am = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
    assert business_minutes_between(friday_4pm, monday_10am, policy=office_hours(), tz=LONDON) == 120
    assert business_minutes_between(monday_10am, friday_4pm, policy=office_hours(), tz=LONDON) == 0


def test_the_two_functions_agree():
    start = datetime(2026, 11, 19, 15, 17, tzinfo=LONDON)
    for minutes in (1, 59, 480, 1000, 5000):
        end = add_business_minutes(start, minutes, policy=office_hours(), tz=LONDON)
        assert business_minutes_between(start, end, policy=office_hours(), tz=LONDON) == pytest.approx(
            minutes
        )
