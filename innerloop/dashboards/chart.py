"""Server-rendered SVG charts (no JavaScript, no CDN): the NPS trend with its 95 % interval band on a
y axis fitted to the data, and the bars of the categories and touchpoints tables."""

import math
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext

WIDTH, HEIGHT = 720, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 12, 32
# Tick steps the y axis may use, finest first: about four to six labelled lines.
STEPS = (5, 10, 20, 25, 50)
MAX_TICKS = 6


@dataclass(frozen=True)
class Point:
    label: str  # the bucket's first day, ISO
    value: float | None
    low: float | None
    high: float | None
    n: int
    low_sample: bool


@dataclass(frozen=True)
class Axis:
    """The y axis: its range (within -100..100) and labelled ticks."""

    low: int
    high: int
    ticks: tuple[int, ...]

    def y(self, value: float) -> float:
        inner = HEIGHT - PAD_TOP - PAD_BOTTOM
        return PAD_TOP + inner * (self.high - value) / (self.high - self.low)


def fitted_axis(values: list[float]) -> Axis:
    """The smallest range of whole steps that holds every value (points and interval ends), with a
    little room above and below; -100..100 only when the data spans it, and when there is none."""
    if not values:
        return Axis(-100, 100, (-100, -50, 0, 50, 100))
    low, high = max(-100.0, min(values)), min(100.0, max(values))
    if high - low < 10:
        middle = (low + high) / 2
        low, high = max(-100.0, middle - 5), min(100.0, middle + 5)
    for step in STEPS:
        bottom = max(-100, math.floor(low / step) * step)
        top = min(100, math.ceil(high / step) * step)
        if (top - bottom) / step + 1 <= MAX_TICKS:
            break
    return Axis(bottom, top, tuple(range(bottom, top + 1, step)))


def nps_trend_svg(points: list[Point], *, unit: str = "week") -> dict:
    """Coordinates for the template: the line, the band polygon, dots (hollow where n is small),
    the y axis fitted to the values and their intervals, date labels along the x axis."""
    inner_width = WIDTH - PAD_LEFT - PAD_RIGHT
    step = inner_width / max(1, len(points) - 1)
    xs = [PAD_LEFT + i * step for i in range(len(points))]
    known = [(x, p, p.value) for x, p in zip(xs, points, strict=True) if p.value is not None]
    axis = fitted_axis([v for _, p, value in known for v in (value, p.low, p.high) if v is not None])
    line = " ".join(f"{x:.1f},{axis.y(value):.1f}" for x, _, value in known)
    upper = [f"{x:.1f},{axis.y(p.high):.1f}" for x, p, _ in known if p.high is not None]
    lower = [f"{x:.1f},{axis.y(p.low):.1f}" for x, p, _ in reversed(known) if p.low is not None]
    dots = [
        {"x": round(x, 1), "y": round(axis.y(value), 1), "small": p.low_sample, "title": _title(p, unit)}
        for x, p, value in known
    ]
    every = max(1, math.ceil(len(points) / 7))
    last = len(points) - 1
    ticks = [
        # The first and last labels lean inwards, so neither is cut off at the chart's edge.
        {
            "x": round(x, 1),
            "label": _bucket_label(p.label, unit, short=True),
            "anchor": "end" if i == last and i else "middle",
        }
        for i, (x, p) in enumerate(zip(xs, points, strict=True))
        if i % every == 0
    ]
    grid = [{"y": round(axis.y(v), 1), "label": v, "zero": v == 0} for v in axis.ticks]
    return {
        "width": WIDTH, "height": HEIGHT, "line": line, "band": " ".join(upper + lower),
        "dots": dots, "ticks": ticks, "grid": grid, "axis_y": HEIGHT - PAD_BOTTOM + 22, "left": PAD_LEFT,
        "right": WIDTH - PAD_RIGHT, "low": axis.low, "high": axis.high,
        "points": [{"label": _bucket_label(p.label, unit), "point": p} for p in points],
    }  # fmt: skip


def _bucket_label(iso: str, unit: str, *, short: bool = False) -> str:
    day = date.fromisoformat(iso)
    if unit == "month":
        return date_format(day, "M Y" if short else "F Y")
    return date_format(day, "j M" if short else "j M Y")


def _title(point: Point, unit: str) -> str:
    values = {
        "when": _bucket_label(point.label, unit),
        "nps": f"{point.value:.0f}",
        "low": f"{point.low:.0f}",
        "high": f"{point.high:.0f}",
        "n": point.n,
    }
    if point.low_sample:
        return (
            gettext("%(when)s: NPS %(nps)s (95 %% interval %(low)s to %(high)s), n = %(n)s, small sample")
            % values
        )
    return gettext("%(when)s: NPS %(nps)s (95 %% interval %(low)s to %(high)s), n = %(n)s") % values


# --- Bars: one small SVG per table row; the numbers are in the row's own cells ---------------------

BAR_WIDTH = 200  # the viewBox width of one bar; NPS -100..100 maps onto it with 0 in the middle


def nps_bar(row: dict, *, value_key: str = "nps") -> dict | None:
    """A diverging bar from 0 to the NPS, with its 95 % interval as a whisker (viewBox 0..200)."""
    value = row.get(value_key)
    if value is None:
        return None
    x = BAR_WIDTH / 2
    start, end = sorted((x, x + value))
    low, high = row.get("ci_low"), row.get("ci_high")
    return {
        "x": round(start, 1),
        "width": round(max(end - start, 0.8), 1),
        "negative": value < 0,
        "low": None if low is None else round(x + low, 1),
        "high": None if high is None else round(x + high, 1),
        "small": row.get("low_sample", False),
    }


def count_bar(n: int, *, largest: int) -> dict:
    """A bar of `n` responses against the largest of its table (viewBox 0..200)."""
    return {"width": round(BAR_WIDTH * n / largest, 1) if largest else 0}
