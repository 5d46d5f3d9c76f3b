"""The period a pack covers: by default since the last system review, or the last 24 months."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from governance.models import SystemReview

DEFAULT_MONTHS = 24


@dataclass(frozen=True)
class PackPeriod:
    """Whole days, `date_from` included and `date_to` included (the page's dates)."""

    date_from: date
    date_to: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        """The first moment after the period (exclusive)."""
        return datetime.combine(
            self.date_to + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
        )

    @property
    def middle(self) -> datetime:
        """Where the period's two halves meet (for "drifting" and "growing")."""
        return self.start + (self.end - self.start) / 2


def default_period(*, today: date | None = None) -> PackPeriod:
    """Since the day after the last recorded system review, or the last 24 months without one."""
    today = today or timezone.localdate()
    last = SystemReview.objects.order_by("-held_on").values_list("held_on", flat=True).first()
    if last is not None and last < today:
        return PackPeriod(date_from=last + timedelta(days=1), date_to=today)
    return PackPeriod(date_from=today - relativedelta(months=DEFAULT_MONTHS), date_to=today)
