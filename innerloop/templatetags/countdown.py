"""SLA countdowns: "due in 2 h 14 min" or "overdue by 5 min", rendered on the server.

static/js/countdown.js rewrites the same words every half minute from the element's `datetime`, so
the text stays true on a page left open; without JavaScript it is the text of the moment the page
was made. The two must word it alike: `due_words` here, `words` there.
"""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR


def duration_words(minutes: int) -> str:
    """Whole minutes as "45 min", "2 h 14 min", "3 d 4 h": the two largest units, no zeros."""
    if minutes < MINUTES_PER_HOUR:
        return f"{minutes} min"
    if minutes < MINUTES_PER_DAY:
        hours, rest = divmod(minutes, MINUTES_PER_HOUR)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, rest = divmod(minutes, MINUTES_PER_DAY)
    hours = rest // MINUTES_PER_HOUR
    # Translators: "d" is the abbreviation of days in an SLA countdown ("3 d 4 h").
    day = _("d")
    return f"{days} {day} {hours} h" if hours else f"{days} {day}"


def due_words(due_at: datetime, now: datetime) -> tuple[str, bool]:
    """What a clock due at `due_at` says at `now`, and whether it is past its deadline."""
    seconds = (due_at - now).total_seconds()
    minutes = int(abs(seconds) // 60)
    if minutes == 0:
        return _("due now"), seconds < 0
    if seconds < 0:
        return _("overdue by %(duration)s") % {"duration": duration_words(minutes)}, True
    return _("due in %(duration)s") % {"duration": duration_words(minutes)}, False


@register.simple_tag
def countdown(due_at: datetime | None, paused_at: datetime | None = None) -> str:
    """A <time> that counts down to `due_at`; nothing when there is no deadline or the clock is paused
    (a paused clock does not move, so a countdown would mislead)."""
    if due_at is None or paused_at is not None:
        return ""
    words, overdue = due_words(due_at, timezone.now())
    return format_html(
        '<time class="countdown{}" datetime="{}" data-countdown>{}</time>',
        " overdue" if overdue else "",
        due_at.isoformat(),
        words,
    )
