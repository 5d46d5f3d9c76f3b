"""What the page and the PDF both render: sections of titled tables of plain text cells."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from outerloop.recurring import Share


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    # Said instead of an empty table.
    empty: str = ""


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def number(value: float | int | None, digits: int = 0) -> str:
    """A figure as the pack prints it; a dash when there is none."""
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def share_text(share: Share, *, empty: str = "") -> str:
    """ "75 % (30-95 %), 3 of 4 · small sample": the share, its 95 % interval, its n and the flag."""
    if share.n == 0:
        return empty or _("none to count")
    text = _("%(pct)s %% (%(low)s-%(high)s %%), %(k)s of %(n)s") % {
        "pct": number(share.percent),
        "low": number(share.percent_low),
        "high": number(share.percent_high),
        "k": share.k,
        "n": share.n,
    }
    return text + (" · " + _("small sample") if share.low_sample else "")


def day(value: date) -> str:
    return date_format(value, "j M Y")
